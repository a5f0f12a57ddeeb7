//! The `-f -` that names standard input as a makefile, found on the command
//! line to be replaced: when make starts over after remaking makefiles, it
//! reads the copy it made of standard input instead, through
//! `--temp-stdin=FILE` written where the `-f -` was (GNU 4.4.1 does so: a
//! bundle keeps its other switches, `-sf-` becoming `-s --temp-stdin=FILE`),
//! so that the makefiles are read in the same order again.

use super::table::{self, ArgKind, OptId};

/// `args` with the first `-f -` (`-f-`, `--file=-`, `--makefile -`, a
/// bundle ending in `f-` or in `f` before a `-` word) replaced by
/// `replacement`; `None` if there is none.
pub fn replace_stdin_makefile(args: &[Vec<u8>], replacement: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_slice();
        if arg == b"--" {
            return None;
        }
        let next_is_dash = args.get(i + 1).is_some_and(|n| n.as_slice() == b"-");
        let found = if let Some(long) = arg.strip_prefix(b"--") {
            match long {
                b"file=-" | b"makefile=-" => Some((Vec::new(), 1)),
                b"file" | b"makefile" if next_is_dash => Some((Vec::new(), 2)),
                _ => None,
            }
        } else if let Some(bundle) = arg.strip_prefix(b"-") {
            bundle_before_stdin(bundle, next_is_dash)
        } else {
            None
        };
        if let Some((kept, words)) = found {
            let mut out: Vec<Vec<u8>> = args[..i].to_vec();
            if !kept.is_empty() {
                out.push([&b"-"[..], &kept].concat());
            }
            out.push(replacement.to_vec());
            out.extend_from_slice(&args[i + words..]);
            return Some(out);
        }
        i += 1;
    }
    None
}

/// A bundle of short switches (without its `-`) that ends with `-f -`: the
/// switches before the `f` (each a plain one, or the `f` would be another's
/// argument) and how many words the whole takes.
fn bundle_before_stdin(bundle: &[u8], next_is_dash: bool) -> Option<(Vec<u8>, usize)> {
    let (before, words) = if let Some(b) = bundle.strip_suffix(b"f-") {
        (b, 1)
    } else if let Some(b) = bundle.strip_suffix(b"f").filter(|_| next_is_dash) {
        (b, 2)
    } else {
        return None;
    };
    let plain = before.iter().all(|&c| {
        table::by_short(c).is_some_and(|s| s.arg == ArgKind::None && s.id != OptId::File)
    });
    plain.then(|| (before.to_vec(), words))
}
