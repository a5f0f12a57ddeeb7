//! Parsing and writing the jobserver's address as it travels in MAKEFLAGS.
//!
//! Owns the grammar: `--jobserver-auth=fifo:PATH`, `--jobserver-auth=R,W`,
//! the legacy `--jobserver-fds=R,W`, and negative descriptors (GNU's `-2,-2`)
//! meaning "no jobserver". As in GNU make, the last such word wins. Nothing
//! here touches a descriptor: checking that they work is the client's job.

use std::ffi::OsStr;
use std::fmt;
use std::os::fd::RawFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Where a jobserver lives, as named by one `--jobserver-auth` word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// An inherited anonymous pipe: read end, write end.
    Pipe {
        /// Where tokens are read from.
        read: RawFd,
        /// Where they are given back.
        write: RawFd,
    },
    /// A named pipe opened by path (GNU make 4.4 and later).
    Fifo(PathBuf),
}

impl Auth {
    /// The value after `--jobserver-auth=`, as bytes (paths are bytes).
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Auth::Pipe { read, write } => format!("{read},{write}").into_bytes(),
            Auth::Fifo(path) => {
                let mut v = b"fifo:".to_vec();
                v.extend_from_slice(path.as_os_str().as_bytes());
                v
            }
        }
    }
}

impl fmt::Display for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.to_bytes()))
    }
}

/// A jobserver word that does not follow the grammar; holds the word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed(pub String);

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid jobserver auth string '{}'", self.0)
    }
}

/// What a MAKEFLAGS (or MFLAGS) value says about a jobserver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named {
    /// No jobserver word at all.
    Nothing,
    /// The parent's "not for you" marker: GNU make 4.4 appends
    /// `--jobserver-auth=-2,-2` for a command that is not recursive.
    Disabled,
    /// A jobserver to join.
    Join(Auth),
}

/// Finds the jobserver named by a MAKEFLAGS (or MFLAGS) value.
///
/// GNU make, the `jobserver` crate and ninja take the last word, and so
/// does this, with one preference: where a `fifo:` word and descriptor
/// words are both present (fairmake's default, which names one fifo both
/// ways, see [`Style::Both`](crate::Style::Both)), the fifo is joined, as it
/// works whether or not this command was given the descriptors. Descriptor
/// words may be abbreviated as GNU's option parser allows
/// (`--jobserver-au=R,W`). Words after a lone `--` are variable
/// assignments, not options, and are ignored.
pub fn find(makeflags: &[u8]) -> Result<Named, Malformed> {
    let mut fifo = None;
    let mut pipe = None;
    for word in words(makeflags) {
        if word == b"--" {
            break;
        }
        let Some(value) = auth_value(&word) else {
            continue;
        };
        match parse_value(value).map_err(|()| Malformed(lossy(&word)))? {
            Some(Auth::Fifo(path)) => fifo = Some(Auth::Fifo(path)),
            other => pipe = Some(other),
        }
    }
    Ok(match (fifo, pipe) {
        (Some(auth), _) | (None, Some(Some(auth))) => Named::Join(auth),
        (None, Some(None)) => Named::Disabled,
        (None, None) => Named::Nothing,
    })
}

/// The jobserver to join, if any: [`find`] with the "not for you" marker
/// read as no jobserver.
pub fn parse_makeflags(makeflags: &[u8]) -> Result<Option<Auth>, Malformed> {
    Ok(match find(makeflags)? {
        Named::Join(auth) => Some(auth),
        Named::Disabled | Named::Nothing => None,
    })
}

/// Every non-negative descriptor pair named by a descriptor word of a
/// MAKEFLAGS value, in order (malformed words are skipped).
pub(crate) fn pipe_numbers(makeflags: &[u8]) -> Vec<(RawFd, RawFd)> {
    let mut pairs = Vec::new();
    for word in words(makeflags) {
        if word == b"--" {
            break;
        }
        if let Some(Ok(Some(Auth::Pipe { read, write }))) = auth_value(&word).map(parse_value) {
            pairs.push((read, write));
        }
    }
    pairs
}

/// Whether a MAKEFLAGS word names a jobserver (`--jobserver-auth=`,
/// `--jobserver-fds=`, or an abbreviation of either).
pub fn is_jobserver_word(word: &[u8]) -> bool {
    auth_value(word).is_some()
}

/// The value of a jobserver word: `--jobserver-auth=`, `--jobserver-fds=`,
/// or an abbreviation of either that GNU's getopt accepts
/// (`--jobserver-a=`, `--jobserver-f=` and longer).
fn auth_value(word: &[u8]) -> Option<&[u8]> {
    let rest = word.strip_prefix(b"--jobserver-")?;
    let eq = rest.iter().position(|&b| b == b'=')?;
    let name = &rest[..eq];
    let full_name = |full: &[u8]| !name.is_empty() && full.starts_with(name);
    (full_name(b"auth") || full_name(b"fds")).then(|| &rest[eq + 1..])
}

/// Parses one auth value: `Ok(None)` for the "no jobserver" forms.
fn parse_value(value: &[u8]) -> Result<Option<Auth>, ()> {
    if let Some(path) = value.strip_prefix(b"fifo:") {
        if path.is_empty() {
            return Err(());
        }
        return Ok(Some(Auth::Fifo(
            Path::new(OsStr::from_bytes(path)).to_owned(),
        )));
    }
    let comma = value.iter().position(|&b| b == b',').ok_or(())?;
    let read = parse_fd(&value[..comma])?;
    let write = parse_fd(&value[comma + 1..])?;
    if read < 0 || write < 0 {
        // GNU writes -2,-2 (or any negative pair) when a child may not use
        // the jobserver.
        return Ok(None);
    }
    Ok(Some(Auth::Pipe { read, write }))
}

/// A decimal descriptor number, optionally negative; nothing else allowed.
fn parse_fd(text: &[u8]) -> Result<RawFd, ()> {
    let (negative, digits) = match text.strip_prefix(b"-") {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(());
    }
    let s = std::str::from_utf8(digits).map_err(|_| ())?;
    let n: RawFd = s.parse().map_err(|_| ())?;
    Ok(if negative { -n } else { n })
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Splits MAKEFLAGS into words the way GNU writes them: blanks separate,
/// a backslash makes the next byte literal (GNU escapes blanks in values).
fn words(text: &[u8]) -> impl Iterator<Item = Vec<u8>> + '_ {
    let mut rest = text;
    std::iter::from_fn(move || {
        while let [b' ' | b'\t' | b'\n', tail @ ..] = rest {
            rest = tail;
        }
        if rest.is_empty() {
            return None;
        }
        let mut word = Vec::new();
        while let [b, tail @ ..] = rest {
            match b {
                b' ' | b'\t' | b'\n' => break,
                b'\\' if !tail.is_empty() => {
                    word.push(tail[0]);
                    rest = &tail[1..];
                    continue;
                }
                _ => word.push(*b),
            }
            rest = tail;
        }
        Some(word)
    })
}

/// Escapes a value for MAKEFLAGS as GNU does: blanks and backslashes get a
/// backslash, so `words` reads it back whole.
pub fn escape(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    for &b in value {
        if matches!(b, b' ' | b'\t' | b'\\') {
            out.push(b'\\');
        }
        out.push(b);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Option<Auth>, Malformed> {
        parse_makeflags(s.as_bytes())
    }

    #[test]
    fn pipe_and_fifo_forms() {
        assert_eq!(
            parse(" -j4 --jobserver-auth=3,4"),
            Ok(Some(Auth::Pipe { read: 3, write: 4 }))
        );
        assert_eq!(
            parse("-j8 --jobserver-auth=fifo:/tmp/GMfifo1"),
            Ok(Some(Auth::Fifo("/tmp/GMfifo1".into())))
        );
        assert_eq!(
            parse("-j --jobserver-fds=5,6"),
            Ok(Some(Auth::Pipe { read: 5, write: 6 }))
        );
    }

    #[test]
    fn leading_flag_letters_and_no_auth() {
        assert_eq!(parse("ks -j4"), Ok(None));
        assert_eq!(parse(""), Ok(None));
        assert_eq!(parse("   "), Ok(None));
        assert_eq!(
            parse("ks --jobserver-auth=7,8"),
            Ok(Some(Auth::Pipe { read: 7, write: 8 }))
        );
    }

    #[test]
    fn last_auth_wins() {
        // The cargo/jobserver crate style writes both words.
        assert_eq!(
            parse("-j --jobserver-fds=3,4 --jobserver-auth=5,6"),
            Ok(Some(Auth::Pipe { read: 5, write: 6 }))
        );
        assert_eq!(
            parse("--jobserver-auth=3,4 --jobserver-auth=fifo:/x"),
            Ok(Some(Auth::Fifo("/x".into())))
        );
        // A later "none" form disables an earlier real one.
        assert_eq!(
            parse("--jobserver-auth=3,4 --jobserver-auth=-2,-2"),
            Ok(None)
        );
    }

    #[test]
    fn fifo_preferred_over_descriptor_words() {
        // fairmake's default: descriptors first (GCC 12 reads the first
        // word), the fifo, then descriptors abbreviated (GNU < 4.4 reads the
        // last option, abbreviations included).
        let both = " -j4 --jobserver-auth=3,4 --jobserver-auth=fifo:/t/f --jobserver-au=3,4";
        assert_eq!(
            find(both.as_bytes()),
            Ok(Named::Join(Auth::Fifo("/t/f".into())))
        );
        assert_eq!(
            find(b"--jobserver-au=5,6"),
            Ok(Named::Join(Auth::Pipe { read: 5, write: 6 }))
        );
        assert_eq!(
            find(b"--jobserver-f=5,6"),
            Ok(Named::Join(Auth::Pipe { read: 5, write: 6 }))
        );
        // Not abbreviations of ours: other options, or no name at all.
        assert_eq!(
            find(b"--jobserver-style=pipe --jobserver-=3,4"),
            Ok(Named::Nothing)
        );
    }

    #[test]
    fn the_not_for_you_marker_is_told_apart() {
        assert_eq!(
            find(b"--jobserver-auth=3,4 --jobserver-auth=-2,-2"),
            Ok(Named::Disabled)
        );
        assert_eq!(find(b"-j4"), Ok(Named::Nothing));
        assert_eq!(parse("--jobserver-auth=-2,-2"), Ok(None));
    }

    #[test]
    fn negative_forms_mean_none() {
        assert_eq!(parse("--jobserver-auth=-2,-2"), Ok(None));
        assert_eq!(parse("--jobserver-fds=-1,5"), Ok(None));
    }

    #[test]
    fn words_after_double_dash_are_assignments() {
        assert_eq!(parse("-j4 -- X=--jobserver-auth=3,4"), Ok(None));
    }

    #[test]
    fn escaped_blanks_in_fifo_path() {
        assert_eq!(
            parse("--jobserver-auth=fifo:/tmp/a\\ b"),
            Ok(Some(Auth::Fifo("/tmp/a b".into())))
        );
        let auth = Auth::Fifo("/tmp/a b\\c".into());
        let mut flags = b"-j2 --jobserver-auth=".to_vec();
        flags.extend(escape(&auth.to_bytes()));
        assert_eq!(parse_makeflags(&flags), Ok(Some(auth)));
    }

    #[test]
    fn malformed_values_are_errors() {
        for bad in [
            "--jobserver-auth=",
            "--jobserver-auth=3",
            "--jobserver-auth=3,",
            "--jobserver-auth=,4",
            "--jobserver-auth=a,b",
            "--jobserver-auth=3,4,5",
            "--jobserver-auth=+3,4",
            "--jobserver-auth=3 ,4",
            "--jobserver-auth=fifo:",
            "--jobserver-auth=99999999999,1",
            "--jobserver-fds=x",
            "--jobserver-auth=sem:foo",
        ] {
            assert!(
                matches!(parse(bad), Err(Malformed(_))),
                "{bad:?} gave {:?}",
                parse(bad)
            );
        }
    }

    #[test]
    fn non_utf8_path_survives() {
        let flags = b"--jobserver-auth=fifo:/tmp/\xff\xfe";
        match parse_makeflags(flags) {
            Ok(Some(Auth::Fifo(p))) => assert_eq!(p.as_os_str().as_bytes(), b"/tmp/\xff\xfe"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn display_round_trips() {
        assert_eq!(Auth::Pipe { read: 3, write: 4 }.to_string(), "3,4");
        assert_eq!(Auth::Fifo("/t/f".into()).to_string(), "fifo:/t/f");
    }
}
