//! The environment a recipe (or `$(shell)`) runs in: exported variables,
//! expanded in the target's scope, plus MAKELEVEL, MAKEFLAGS and MFLAGS.

use crate::diag::Result;
use crate::eval::vars::{Export, Origin};
use crate::eval::Evaluator;

/// Whether a variable goes into children's environment.
fn exported(ev: &Evaluator, name: &[u8], export: Export, origin: Origin) -> bool {
    match export {
        Export::Yes => true,
        Export::No => false,
        Export::Default => {
            matches!(
                origin,
                Origin::Environment | Origin::EnvironmentOverride | Origin::CommandLine
            ) || (ev.export_all && is_identifier(name))
        }
    }
}

fn is_identifier(name: &[u8]) -> bool {
    !name.is_empty()
        && !name[0].is_ascii_digit()
        && name.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Whether the exported global variables expand the same for every target:
/// none is recursive with a reference in its value (which could name `$@`,
/// or run a `$(shell)`).
pub fn context_free(ev: &Evaluator) -> bool {
    ev.globals.iter().all(|(name, var)| {
        var.flavor != crate::eval::vars::Flavor::Recursive
            || memchr::memchr(b'$', &var.value).is_none()
            || !exported(ev, name, var.export, var.origin)
    })
}

/// The environment for a child, computed in the current scope.
pub fn child_environment(ev: &mut Evaluator) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    environment(ev, false)
}

/// The environment for `$(shell)`: as GNU 4.4 does, a variable that cannot
/// be expanded without referencing itself gets the value make was started
/// with, or is left out.
pub fn shell_environment(ev: &mut Evaluator) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    environment(ev, true)
}

fn environment(ev: &mut Evaluator, for_shell: bool) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let mut names: Vec<Vec<u8>> = Vec::new();
    let mut seen = rustc_hash::FxHashSet::default();
    // A recipe runs in a target's context, where `private` globals and the
    // private variables of parent targets are out of sight.
    let in_target = !for_shell;
    for entry in ev.scope.clone() {
        for (name, var) in entry.set.borrow().iter() {
            if var.origin == Origin::Automatic || (entry.inherited && var.private) {
                continue;
            }
            // A target-specific value takes the export status of the global
            // variable of that name unless it says otherwise.
            let global = ev.globals.get(name).filter(|g| !(in_target && g.private));
            let (export, origin) = match (var.export, global) {
                (Export::Default, Some(global)) => (global.export, global.origin),
                _ => (var.export, var.origin),
            };
            if seen.insert(name.to_vec()) && exported(ev, name, export, origin) {
                names.push(name.to_vec());
            }
        }
    }
    for (name, var) in ev.globals.iter() {
        if in_target && var.private {
            continue;
        }
        if seen.insert(name.to_vec()) && exported(ev, name, var.export, var.origin) {
            names.push(name.to_vec());
        }
    }
    let mut env = Vec::with_capacity(names.len() + 3);
    for name in names {
        if matches!(
            &name[..],
            b"MAKELEVEL" | b"MAKEFLAGS" | b"MFLAGS" | b"SHELL"
        ) {
            continue;
        }
        let mut value = Vec::new();
        if for_shell {
            let recursive = ev.is_being_expanded(&name)
                || match ev.expand_var(&name, &mut value) {
                    Err(e) if e.message.starts_with("Recursive variable") => true,
                    other => {
                        other?;
                        false
                    }
                };
            if recursive {
                use std::os::unix::ffi::{OsStrExt, OsStringExt};
                if let Some(v) = std::env::var_os(std::ffi::OsStr::from_bytes(&name)) {
                    env.push((name, v.into_vec()));
                }
                continue;
            }
        } else {
            ev.expand_var(&name, &mut value)?;
        }
        env.push((name, value));
    }
    // Children get the SHELL they were started with, unless the makefile
    // exports its own.
    let exported_shell = ev.with_var(b"SHELL", |v| v.is_some_and(|v| v.export == Export::Yes));
    if exported_shell {
        let mut shell = Vec::new();
        ev.expand_var(b"SHELL", &mut shell)?;
        env.push((b"SHELL".to_vec(), shell));
    } else if let Some(shell) = &ev.original_shell {
        env.push((b"SHELL".to_vec(), shell.clone()));
    }
    env.push((
        b"MAKELEVEL".to_vec(),
        (ev.level + 1).to_string().into_bytes(),
    ));
    let makeflags = ev.makeflags_for_children();
    if !makeflags.is_empty() || ev.globals.get(b"MAKEFLAGS").is_some() {
        env.push((b"MAKEFLAGS".to_vec(), makeflags.clone()));
    }
    env.push((b"MFLAGS".to_vec(), ev.mflags_for_children()));
    if let Some(path) = &ev.trace_path {
        env.push((crate::trace::TRACE_ENV.as_bytes().to_vec(), path.clone()));
    }
    Ok(env)
}
