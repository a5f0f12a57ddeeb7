//! Which makefiles are read, and in what order (GNU manual, "The Variable
//! MAKEFILES", "What Name to Give Your Makefile"): those `MAKEFILES` names,
//! then the `-f` ones or the first of the default names. A missing one is
//! noted for remaking (`remake.rs`), not an error yet.

use std::os::unix::ffi::OsStrExt;

use crate::diag::Fatal;
use crate::eval::vars::{Flavor, Origin};
use crate::eval::{Evaluator, MissingInclude};
use crate::options::Options;
use crate::read::{self, ReadError};

/// The names make looks for when no `-f` is given, in its order.
const DEFAULT_NAMES: [&[u8]; 3] = [b"GNUmakefile", b"makefile", b"Makefile"];

/// Reads `-f` makefiles, or the first of GNUmakefile, makefile, Makefile.
pub(super) fn read_makefiles(ev: &mut Evaluator, opts: &Options) -> Result<(), Fatal> {
    start_makefile_list(ev);
    read_makefiles_variable(ev)?;
    if !opts.makefiles.is_empty() {
        return read_named_makefiles(ev, opts);
    }
    read_default_makefile(ev)
}

/// `MAKEFILE_LIST` starts empty (simple, from a makefile) as the first
/// makefile is about to be read, not before: `--eval` sees it undefined or
/// as the environment has it, and its value is dropped here. One that
/// outranks a makefile (the command line's, `override`, the environment's
/// under `-e`) stays, and reading never appends to it (GNU 4.4.1 and 4.3).
fn start_makefile_list(ev: &mut Evaluator) {
    let env_overrides = ev.invocation.options.environment_overrides;
    if let Some(v) = ev.globals.get_mut(b"MAKEFILE_LIST") {
        if env_overrides && v.origin == Origin::Environment {
            v.origin = Origin::EnvironmentOverride;
        }
        if v.origin > Origin::File {
            return;
        }
    }
    ev.set_global(b"MAKEFILE_LIST", b"", Flavor::Simple, Origin::File);
}

/// MAKEFILES (from the environment or the command line) names makefiles
/// read first, quietly when missing; their targets never become the
/// default goal, though a `.DEFAULT_GOAL` they set stays (GNU 4.4.1, 4.3).
fn read_makefiles_variable(ev: &mut Evaluator) -> Result<(), Fatal> {
    let list = ev.global_value(b"MAKEFILES").map(<[u8]>::to_vec);
    let list = ev.expand_text(&list.unwrap_or_default())?;
    let names: Vec<Vec<u8>> = crate::words::words(&list).map(<[u8]>::to_vec).collect();
    ev.reading.no_default_goal = true;
    let read = names.into_iter().try_for_each(|name| {
        read::announce(ev, &name, read::ReadAs::Optional);
        let path = read::find_include(ev, &name);
        let file = known_as(ev, &name);
        // Found where named: read as the file it is (`MAKEFILE_LIST`),
        // while messages name it as written.
        let file = if path == name { file } else { path.clone() };
        match read::read_makefile_as(ev, &file, &path, read::ReadAs::Optional) {
            Ok(()) => Ok(()),
            Err(ReadError::Fatal(e)) => Err(e),
            Err(ReadError::NotFound(e)) => {
                optional_makefile(ev, known_as(ev, &name), e.raw_os_error());
                Ok(())
            }
        }
    });
    ev.reading.no_default_goal = false;
    read
}

/// The file a MAKEFILES word names: `./x` is `x` when a file `x` is
/// known by then (a rule or an earlier makefile named it), and a file of
/// its own, `./x`, otherwise, as in GNU 4.4.1 and 4.3 (the name is looked
/// up as file names are, without the `./`, but entered as written).
fn known_as(ev: &Evaluator, name: &[u8]) -> Vec<u8> {
    let bare = read::rule_line::strip_dot_slash(name);
    let known = bare.len() < name.len()
        && (ev.db.lookup(bare).is_some()
            || ev.reading.makefiles_read.iter().any(|m| *m.name == *bare)
            || ev.reading.missing_includes.iter().any(|m| *m.name == *bare));
    if known { bare } else { name }.to_vec()
}

/// The `-f` makefiles, in order; a missing one must be remade. `-`
/// (standard input) is read from a copy; after a restart,
/// `--temp-stdin=FILE` (in its place in the list) names that copy.
fn read_named_makefiles(ev: &mut Evaluator, opts: &Options) -> Result<(), Fatal> {
    let from_stdin = opts
        .makefiles
        .iter()
        .filter(|m| m.as_slice() == b"-")
        .count()
        + usize::from(opts.temp_stdin.is_some());
    if from_stdin > 1 {
        return Err(Fatal::new(
            None,
            "Makefile from standard input specified twice",
        ));
    }
    if let Some(copy) = &opts.temp_stdin {
        ev.reading.stdin_copy = Some(copy.clone());
    }
    for name in &opts.makefiles {
        let copy;
        let name = if name == b"-" {
            copy = read::copy_stdin(ev)?;
            &copy
        } else {
            // `-f ./x` names the file `x`, in messages and `MAKEFILE_LIST`
            // too (GNU 4.4.1 and 4.3).
            copy = read::rule_line::strip_dot_slash(name).to_vec();
            &copy
        };
        read::announce(ev, name, read::ReadAs::Main);
        match read::read_makefile(ev, name, read::ReadAs::Main) {
            Ok(()) => {}
            Err(ReadError::Fatal(e)) => return Err(e),
            Err(ReadError::NotFound(e)) => {
                ev.reading.missing_includes.push(MissingInclude {
                    name: name.clone(),
                    loc: None,
                    optional: false,
                    error: e.raw_os_error(),
                    after_read: ev.reading.makefiles_read.len(),
                });
            }
        }
    }
    Ok(())
}

/// The first default name that exists.
fn read_default_makefile(ev: &mut Evaluator) -> Result<(), Fatal> {
    for name in DEFAULT_NAMES {
        if std::path::Path::new(std::ffi::OsStr::from_bytes(name)).exists() {
            read::announce(ev, name, read::ReadAs::Main);
            match read::read_makefile(ev, name, read::ReadAs::Main) {
                Ok(()) => return Ok(()),
                Err(ReadError::Fatal(e)) => return Err(e),
                Err(ReadError::NotFound(_)) => continue,
            }
        }
    }
    // None there: a rule may make one (then make starts again).
    for name in DEFAULT_NAMES {
        optional_makefile(ev, name.to_vec(), None);
    }
    Ok(())
}

/// A makefile that may be missing: remade if a rule can, quietly otherwise.
fn optional_makefile(ev: &mut Evaluator, name: Vec<u8>, error: Option<i32>) {
    ev.reading.missing_includes.push(MissingInclude {
        name,
        loc: None,
        optional: true,
        error,
        after_read: ev.reading.makefiles_read.len(),
    });
}
