//! File-name functions: dir, notdir, suffix, basename, addsuffix, addprefix,
//! abspath, realpath, wildcard.
//!
//! All work word by word and join results with single spaces. Two quirks
//! matter: `notdir` and `basename` keep a separator even for a word whose
//! result is empty (`$(notdir a/ b)` is ` b`), while `suffix` drops words
//! that have no suffix entirely.

use std::os::unix::ffi::OsStrExt;

use crate::fscache::{os_path, FsCache};
use crate::glob::{glob_home, glob_words};
use crate::words::{push_word, words};

/// Index just past the last `/` in `word`, or 0.
fn name_start(word: &[u8]) -> usize {
    memchr::memrchr(b'/', word).map_or(0, |i| i + 1)
}

/// Index of the `.` starting the suffix of the last path component, if any.
fn suffix_start(word: &[u8]) -> Option<usize> {
    let start = name_start(word);
    memchr::memrchr(b'.', &word[start..]).map(|i| start + i)
}

/// `$(dir names)`: each word's directory part including its last `/`, or
/// `./` when it has none.
pub fn dir(text: &[u8], out: &mut Vec<u8>) {
    let mut first = true;
    for w in words(text) {
        match name_start(w) {
            0 => push_word(out, &mut first, b"./"),
            n => push_word(out, &mut first, &w[..n]),
        }
    }
}

/// `$(notdir names)`: each word after its last `/`; possibly empty, but
/// still separated (`$(notdir / /)` is a single space).
pub fn notdir(text: &[u8], out: &mut Vec<u8>) {
    let mut first = true;
    for w in words(text) {
        push_word(out, &mut first, &w[name_start(w)..]);
    }
}

/// `$(suffix names)`: the suffix (from the last `.` of the last component);
/// words without one contribute nothing, not even a separator.
pub fn suffix(text: &[u8], out: &mut Vec<u8>) {
    let mut first = true;
    for w in words(text) {
        if let Some(dot) = suffix_start(w) {
            push_word(out, &mut first, &w[dot..]);
        }
    }
}

/// `$(basename names)`: each word without its suffix; possibly empty (for
/// `.x`) but still separated.
pub fn basename(text: &[u8], out: &mut Vec<u8>) {
    let mut first = true;
    for w in words(text) {
        let end = suffix_start(w).unwrap_or(w.len());
        push_word(out, &mut first, &w[..end]);
    }
}

/// `$(addsuffix suffix,names)`.
pub fn addsuffix(suffix: &[u8], text: &[u8], out: &mut Vec<u8>) {
    let mut first = true;
    for w in words(text) {
        push_word(out, &mut first, w);
        out.extend_from_slice(suffix);
    }
}

/// `$(addprefix prefix,names)`.
pub fn addprefix(prefix: &[u8], text: &[u8], out: &mut Vec<u8>) {
    let mut first = true;
    for w in words(text) {
        push_word(out, &mut first, prefix);
        out.extend_from_slice(w);
    }
}

/// `$(abspath names)`: each word made absolute against `cwd` (an absolute
/// path) and normalized lexically: `.`, `..` and repeated slashes resolved
/// without consulting the file system; `..` at the root stays at the root;
/// no trailing slash except for `/` itself.
pub fn abspath(cwd: &[u8], text: &[u8], out: &mut Vec<u8>) {
    let mut first = true;
    let mut buf = Vec::new();
    for w in words(text) {
        buf.clear();
        lexical_abspath(cwd, w, &mut buf);
        push_word(out, &mut first, &buf);
    }
}

/// Appends the lexically normalized absolute form of `path` to `out`.
fn lexical_abspath(cwd: &[u8], path: &[u8], out: &mut Vec<u8>) {
    let base: &[u8] = if path.first() == Some(&b'/') {
        b""
    } else {
        cwd
    };
    let start = out.len();
    let parts = base.split(|&b| b == b'/').chain(path.split(|&b| b == b'/'));
    for part in parts {
        match part {
            b"" | b"." => {}
            b".." => {
                let cut = memchr::memrchr(b'/', &out[start..]).unwrap_or(0);
                out.truncate(start + cut);
            }
            name => {
                out.push(b'/');
                out.extend_from_slice(name);
            }
        }
    }
    if out.len() == start {
        out.push(b'/');
    }
}

/// `$(realpath names)`: each existing word resolved to its canonical path
/// (symlinks, `.` and `..` resolved physically); relative words are taken
/// against `cwd`. Words that do not resolve are omitted.
pub fn realpath(cwd: &[u8], text: &[u8], out: &mut Vec<u8>) {
    let mut first = true;
    let mut joined = Vec::new();
    for w in words(text) {
        let path = if w.first() == Some(&b'/') {
            w
        } else {
            joined.clear();
            joined.extend_from_slice(cwd);
            joined.push(b'/');
            joined.extend_from_slice(w);
            &joined
        };
        if let Ok(real) = std::fs::canonicalize(os_path(path)) {
            push_word(out, &mut first, real.as_os_str().as_bytes());
        }
    }
}

/// `$(wildcard patterns)`: each pattern's matches, sorted per pattern, in
/// pattern order; duplicates across patterns are kept. A backslash keeps a
/// space inside a pattern (`sp\ ace.c`). `home` is make's variable HOME
/// for a `~` (see `glob_home`).
pub fn wildcard(patterns: &[u8], cache: &mut FsCache, home: Option<&[u8]>, out: &mut Vec<u8>) {
    let mut first = true;
    for pattern in glob_words(patterns) {
        for path in glob_home(pattern, cache, home) {
            push_word(out, &mut first, &path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn run(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).expect("tests use ASCII")
    }

    const NAMES: &[u8] = b" src/foo.c  hacks  /  /a  a/  a//b ./x ../y a/b/ ";

    #[test]
    fn dir_and_notdir() {
        assert_eq!(run(|o| dir(NAMES, o)), "src/ ./ / / a/ a// ./ ../ a/b/");
        assert_eq!(run(|o| notdir(NAMES, o)), "foo.c hacks  a  b x y ");
        assert_eq!(run(|o| notdir(b" / /", o)), " ");
        assert_eq!(run(|o| dir(b"", o)), "");
        assert_eq!(run(|o| dir(b"  ", o)), "");
        assert_eq!(run(|o| dir(b".", o)), "./");
        assert_eq!(run(|o| notdir(b".", o)), ".");
        // Plain word splitting: a backslash does not protect a space.
        assert_eq!(run(|o| notdir(b"a\\ b/c", o)), "a\\ c");
        assert_eq!(run(|o| dir(b"a\\ b/c", o)), "./ b/");
    }

    const SUFFIXED: &[u8] = b"src/foo.c src-1.0/bar hacks a.b/c .x x. a.b.c /.d dir/.e a.b/";

    #[test]
    fn suffix_and_basename() {
        assert_eq!(run(|o| suffix(SUFFIXED, o)), ".c .x . .c .d .e");
        assert_eq!(
            run(|o| basename(SUFFIXED, o)),
            "src/foo src-1.0/bar hacks a.b/c  x a.b / dir/ a.b/"
        );
        assert_eq!(run(|o| suffix(b"..", o)), ".");
        assert_eq!(run(|o| basename(b"..", o)), ".");
        assert_eq!(run(|o| basename(b".", o)), "");
        assert_eq!(run(|o| basename(b"a/b.c/d.e", o)), "a/b.c/d");
        assert_eq!(run(|o| suffix(b"", o)), "");
        assert_eq!(run(|o| suffix(b"a b", o)), "");
    }

    #[test]
    fn add_prefix_and_suffix() {
        assert_eq!(run(|o| addsuffix(b".c", b"  foo  bar ", o)), "foo.c bar.c");
        assert_eq!(run(|o| addsuffix(b"", b"a  b", o)), "a b");
        assert_eq!(run(|o| addsuffix(b".c", b"", o)), "");
        assert_eq!(run(|o| addsuffix(b"x ", b"a", o)), "ax ");
        assert_eq!(
            run(|o| addprefix(b"src/", b"  foo  bar ", o)),
            "src/foo src/bar"
        );
        assert_eq!(run(|o| addprefix(b"", b"a\tb", o)), "a b");
        assert_eq!(run(|o| addprefix(b"x", b" \n", o)), "");
    }

    #[test]
    fn abspath_is_lexical() {
        let words =
            b" a  ./b  ../c  /x/../y  /../z  a//b/  a/./b/.  /  //  ///a  . .. a/.. a/../.. ";
        assert_eq!(
            run(|o| abspath(b"/tmp/tf", words, o)),
            "/tmp/tf/a /tmp/tf/b /tmp/c /y /z /tmp/tf/a/b /tmp/tf/a/b / / /a /tmp/tf /tmp /tmp/tf /tmp"
        );
        assert_eq!(run(|o| abspath(b"/tmp/tf", b"/a/b/../../..", o)), "/");
        assert_eq!(run(|o| abspath(b"/tmp/tf", b"a/../..//x/", o)), "/tmp/x");
        assert_eq!(run(|o| abspath(b"/tmp/tf", b"../../../../..", o)), "/");
        assert_eq!(run(|o| abspath(b"/", b"a", o)), "/a");
        assert_eq!(run(|o| abspath(b"/tmp", b"", o)), "");
        assert_eq!(run(|o| abspath(b"/tmp", b"a\\ b", o)), "/tmp/a\\ /tmp/b");
    }

    #[test]
    fn realpath_resolves_and_omits() {
        let dir = std::env::temp_dir().join(format!("fairmake-names-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("real/sub")).expect("mkdir");
        fs::write(dir.join("real/f"), b"").expect("write");
        std::os::unix::fs::symlink("real/sub", dir.join("lnk")).expect("symlink");
        std::os::unix::fs::symlink("nowhere", dir.join("dangling")).expect("symlink");
        let canon = fs::canonicalize(&dir).expect("canonicalize");
        let cwd = canon.as_os_str().as_bytes();
        let c = String::from_utf8(cwd.to_vec()).expect("utf8");
        let got = run(|o| {
            realpath(
                cwd,
                b" real/f . lnk lnk/.. nonexist real/f/ real/f/.. dangling // ",
                o,
            )
        });
        assert_eq!(got, format!("{c}/real/f {c} {c}/real/sub {c}/real /"));
        assert_eq!(run(|o| realpath(cwd, b"  ", o)), "");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn wildcard_joins_patterns_in_order() {
        let dir = std::env::temp_dir().join(format!("fairmake-wild-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("mkdir");
        for f in ["b.c", "a.c", "sp ace.c"] {
            fs::write(dir.join(f), b"").expect("write");
        }
        let d = String::from_utf8(dir.as_os_str().as_bytes().to_vec()).expect("utf8");
        let cache = &mut FsCache::new();
        let pats = format!("{d}/b.c {d}/a.c {d}/a.c {d}/*.c {d}/none.c {d}/sp\\ ace.c");
        let got = run(|o| wildcard(pats.as_bytes(), cache, None, o));
        let want = format!("{d}/b.c {d}/a.c {d}/a.c {d}/a.c {d}/b.c {d}/sp ace.c {d}/sp ace.c");
        assert_eq!(got, want);
        assert_eq!(run(|o| wildcard(b"", cache, None, o)), "");
        assert_eq!(run(|o| wildcard(b"  \t ", cache, None, o)), "");
        let _ = fs::remove_dir_all(&dir);
    }
}
