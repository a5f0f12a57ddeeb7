//! The environment a recipe (or `$(shell)`) runs in: exported variables,
//! expanded in the target's scope, plus MAKELEVEL, MAKEFLAGS and MFLAGS.
//! Variables from the environment go back as they came, unexpanded.

use std::rc::Rc;

use crate::diag::Result;
use crate::eval::vars::{Export, Flavor, Origin};
use crate::eval::{Evaluator, ScopeEntry};

/// Whether a variable goes into children's environment. Exporting all
/// (`export` alone, `.EXPORT_ALL_VARIABLES`) leaves out make's built-in
/// ones; a command-line one goes only under a name the shell can take;
/// MAKEFILES goes once something defined it.
fn exported(ev: &Evaluator, name: &[u8], export: Export, origin: Origin) -> bool {
    match export {
        Export::Yes => true,
        Export::No => false,
        Export::Default => {
            matches!(origin, Origin::Environment | Origin::EnvironmentOverride)
                || (origin == Origin::CommandLine && is_identifier(name))
                || (ev.child_env.export_all && origin != Origin::Default && is_identifier(name))
                // The makefiles to read first, for recursive makes (GNU
                // manual, "The Variable MAKEFILES"): a makefile's goes
                // down as the environment's does (GNU 4.4.1, 4.3).
                || (name == b"MAKEFILES" && origin != Origin::Default)
        }
    }
}

fn is_identifier(name: &[u8]) -> bool {
    !name.is_empty()
        && !name[0].is_ascii_digit()
        && name.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The export status (and origin) of the first definition of `name` in
/// `outer` scopes that says `export` or `unexport`, else of the global one,
/// for a target-specific definition of origin `own_origin`.
fn outer_export(
    ev: &Evaluator,
    outer: &[crate::eval::ScopeEntry],
    name: &[u8],
    in_target: bool,
    own_origin: Origin,
) -> Option<(Export, Origin)> {
    for entry in outer {
        if let Some(v) = entry.set.borrow().get(name) {
            if v.export != Export::Default && !(entry.inherited && v.private) {
                return Some((v.export, v.origin));
            }
        }
    }
    ev.globals
        .get(name)
        .filter(|g| !(in_target && g.private))
        // A command-line variable is exported for being from the command
        // line, not for being marked: a target's `override` of it is the
        // makefile's own and exported only if it says so (GNU 4.4).
        .filter(|g| {
            !(g.export == Export::Default
                && g.origin == Origin::CommandLine
                && own_origin == Origin::Override)
        })
        // Nor is a default one's status the target's: its own definition
        // decides (GNU 4.4.1), as `.EXPORT_ALL_VARIABLES` or being
        // MAKEFILES has it.
        .filter(|g| !(g.export == Export::Default && g.origin == Origin::Default))
        .map(|g| (g.export, g.origin))
}

/// Whether a variable goes to children as it came (from the environment).
fn verbatim(origin: Origin) -> bool {
    matches!(origin, Origin::Environment | Origin::EnvironmentOverride)
}

/// Whether the exported global variables expand the same for every target,
/// with no side effects: none is recursive with a reference in its value
/// (which could name `$@`, run a `$(shell)` or print).
fn context_free(ev: &Evaluator) -> bool {
    ev.globals.iter().all(|(name, var)| {
        var.flavor != crate::eval::vars::Flavor::Recursive
            || verbatim(var.origin)
            || memchr::memchr(b'$', &var.value).is_none()
            || !exported(ev, name, var.export, var.origin)
    })
}

/// The environment of a job whose recipe was expanded in `scope` (its
/// automatic variables, then its target-specific ones), made when its first
/// command runs (see `exec::EnvSource`). When nothing exported can differ
/// between targets (no target-specific variables, no exported recursive
/// variable with a reference) it is the same for every job until a global
/// variable changes, so it is computed once (a per-job cost that dominated
/// big builds).
pub fn job_environment(
    ev: &mut Evaluator,
    scope: Vec<ScopeEntry>,
) -> Result<Rc<crate::exec::Environment>> {
    // The automatic variables alone: the target has no variables of its own.
    let own_scope = scope.len() <= 1;
    let key = (ev.globals.generation(), ev.child_env.export_all);
    if own_scope {
        if let Some((generation, export_all, env)) = &ev.child_env.cache {
            if (*generation, *export_all) == key {
                return Ok(env.clone());
            }
        }
    }
    let same_for_all = own_scope && context_free(ev);
    // Nothing is being read: what a value says is located at the exported
    // variable's definition (see `Evaluator::expand_recursive_at`).
    let reading = ev.loc.take();
    let env = ev.with_scope(scope, |ev| environment(ev, For::Recipe));
    ev.loc = reading;
    let env = Rc::new(env?);
    if same_for_all {
        // Expanding may itself change globals (`$(shell)` sets
        // .SHELLSTATUS): key the cache by the state after it.
        ev.child_env.cache = Some((
            ev.globals.generation(),
            ev.child_env.export_all,
            env.clone(),
        ));
    }
    Ok(env)
}

/// The environment for `$(shell)`: as GNU 4.4 does, a reference to a
/// variable that is being expanded (itself, or one whose expansion runs
/// this `$(shell)`) stands for the value make was started with.
///
/// A `$(shell)` run while the environment of another `$(shell)` is being
/// computed (an exported variable whose value calls `$(shell)`) gets the
/// start-up values of the exported recursive variables instead: expanding
/// them again at every level runs n! shells for n such variables, and the
/// Linux kernel exports several (`KERNELRELEASE`, `CC_VERSION_TEXT`, ...).
pub fn shell_environment(ev: &mut Evaluator) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let nested = SHELL_ENVIRONMENTS.with(|depth| depth.get()) > 0;
    SHELL_ENVIRONMENTS.with(|depth| depth.set(depth.get() + 1));
    let env = environment(ev, if nested { For::NestedShell } else { For::Shell });
    SHELL_ENVIRONMENTS.with(|depth| depth.set(depth.get() - 1));
    env
}

thread_local! {
    /// How many `$(shell)` environments are being computed (nested ones).
    static SHELL_ENVIRONMENTS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Whom an environment is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum For {
    Recipe,
    Shell,
    /// A `$(shell)` inside the expansion of another `$(shell)`'s environment.
    NestedShell,
}

/// The value a child gets for the exported variable `name` that is not
/// taken verbatim; none when a `$(shell)` nested in another's environment
/// finds a recursive variable that the environment did not give.
fn expand_for_child(ev: &mut Evaluator, name: &[u8], who: For) -> Result<Option<Vec<u8>>> {
    let mut value = Vec::new();
    if who == For::NestedShell && is_recursive(ev, name) {
        use std::os::unix::ffi::{OsStrExt, OsStringExt};
        return Ok(std::env::var_os(std::ffi::OsStr::from_bytes(name)).map(OsStringExt::into_vec));
    }
    if who == For::Shell {
        // A reference to a variable being expanded stands for its
        // start-up value (GNU 4.4.1): `fn = a$(fn)b` exports `ab`.
        let saved = std::mem::replace(&mut ev.self_reference_is_environment, true);
        let result = ev.expand_var(name, &mut value);
        ev.self_reference_is_environment = saved;
        result?;
    } else {
        ev.expand_var(name, &mut value)?;
    }
    Ok(Some(value))
}

fn environment(ev: &mut Evaluator, who: For) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let mut names: Vec<Vec<u8>> = Vec::new();
    let mut seen = rustc_hash::FxHashSet::default();
    // A recipe runs in a target's context, where `private` globals and the
    // private variables of parent targets are out of sight.
    let in_target = who == For::Recipe;
    let scope = ev.scope.clone();
    for (depth, entry) in scope.iter().enumerate() {
        for (name, var) in entry.set.borrow().iter() {
            if var.origin == Origin::Automatic || (entry.inherited && var.private) {
                continue;
            }
            // A target-specific value takes the export status of the
            // definition it hides (a parent target's, then the global one)
            // unless it says otherwise.
            let (export, origin) = match var.export {
                Export::Default => {
                    outer_export(ev, &scope[depth + 1..], name, in_target, var.origin)
                        .unwrap_or((var.export, var.origin))
                }
                _ => (var.export, var.origin),
            };
            if seen.insert(name.to_vec()) && exported(ev, name, export, origin) {
                names.push(name.to_vec());
            }
        }
    }
    // Global names are unique: only the scopes' names need remembering, and
    // the hundreds of unexported globals (the built-in variables) are
    // skipped without a copy of their name.
    for (name, var) in ev.globals.iter() {
        if in_target && var.private {
            continue;
        }
        if exported(ev, name, var.export, var.origin) && !seen.contains(name) {
            names.push(name.to_vec());
        }
    }
    let mut env = Vec::with_capacity(names.len() + 3);
    // MFLAGS that a makefile or the command line defined is a variable like
    // any other: exported only if it says so, expanded (with its errors)
    // for the child, as in GNU 4.4.1 and 4.3; make's own is written below.
    let makes_mflags = ev.mflags_is_makes_own();
    let mut export_mflags = false;
    let mut exports_makeflags = false;
    for name in names {
        if name == b"MFLAGS" && makes_mflags {
            export_mflags = true;
            continue;
        }
        if name == b"MAKEFLAGS" {
            exports_makeflags = true;
            continue;
        }
        if name == b"SHELL" {
            continue;
        }
        let raw = ev.with_var(&name, |v| {
            v.filter(|v| verbatim(v.origin)).map(|v| v.value.clone())
        });
        if let Some(value) = raw {
            if name != b"MAKELEVEL" {
                env.push((name, value));
            }
            continue;
        }
        let value = expand_for_child(ev, &name, who)?;
        // A makefile's MAKELEVEL is expanded like any exported variable (GNU
        // 4.4.1 runs an `$(info)` in it for each child), but the child gets
        // make's own level, written below.
        if let Some(value) = value.filter(|_| name != b"MAKELEVEL") {
            env.push((name, value));
        }
    }
    // Children get the SHELL they were started with, unless the makefile
    // exports its own.
    let exported_shell = ev.with_var(b"SHELL", |v| v.is_some_and(|v| v.export == Export::Yes));
    if exported_shell {
        let mut shell = Vec::new();
        ev.expand_var(b"SHELL", &mut shell)?;
        env.push((b"SHELL".to_vec(), shell));
    } else if let Some(shell) = &ev.child_env.original_shell {
        env.push((b"SHELL".to_vec(), shell.clone()));
    }
    env.push((
        b"MAKELEVEL".to_vec(),
        (ev.invocation.level + 1).to_string().into_bytes(),
    ));
    // A `$(shell)` in a makefile's MAKEFLAGS, run while MAKEFLAGS is
    // expanded for a child, sees MAKEFLAGS's start-up value, as for any
    // other variable (GNU 4.4.1), not a self-reference.
    // MAKEFLAGS is exported as any variable is (start-up marks it so):
    // `unexport MAKEFLAGS` (global or for the target) or `undefine
    // MAKEFLAGS` keeps it from children, sub-makes too (GNU 4.4.1, 4.3).
    if exports_makeflags {
        let saved = ev.self_reference_is_environment;
        ev.self_reference_is_environment |= who != For::Recipe;
        let makeflags = ev.makeflags_for_children();
        ev.self_reference_is_environment = saved;
        env.push((b"MAKEFLAGS".to_vec(), makeflags?));
    }
    if export_mflags {
        env.push((b"MFLAGS".to_vec(), ev.mflags_for_children()));
    }
    if let Some(path) = &ev.invocation.trace_path {
        env.push((crate::trace::TRACE_ENV.as_bytes().to_vec(), path.clone()));
    }
    Ok(env)
}

/// Whether a variable's value would need expanding (recursive, with a `$`).
fn is_recursive(ev: &Evaluator, name: &[u8]) -> bool {
    ev.with_var(name, |v| {
        v.is_some_and(|v| v.flavor == Flavor::Recursive && v.value.contains(&b'$'))
    })
}
