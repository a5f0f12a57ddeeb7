//! Shell-style wildcards over bytes: `fnmatch` for one path component and
//! `glob` for whole patterns, reading directories through the [`FsCache`].
//!
//! Semantics follow GNU make's `$(wildcard)` as observed: `*`, `?` and
//! `[...]` (with `!`/`^`, ranges, `[:class:]`); backslash quotes the next
//! byte; a leading `.` in a name must be matched literally, but then `.` and
//! `..` do match (`.*` yields `. ..`); `~` (as the caller's make variable
//! HOME says, given as a value) and `~user` expand; results of one
//! pattern are sorted bytewise; literal patterns are returned as written when
//! they exist (dangling symlinks included). `?` and brackets match one UTF-8
//! character where the name is valid UTF-8, else one byte.

use std::borrow::Cow;
use std::ffi::{CStr, CString};

use crate::fscache::{EntryKind, FsCache};
use crate::words::is_space;

/// The words of a `wildcard` argument. Unlike plain word splitting, a
/// backslash keeps the next byte in the word, so `sp\ ace.c` is one pattern.
pub fn glob_words(text: &[u8]) -> GlobWords<'_> {
    GlobWords { rest: text }
}

/// Iterator returned by [`glob_words`]; yields raw (still quoted) words.
pub struct GlobWords<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for GlobWords<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let start = self.rest.iter().position(|&b| !is_space(b))?;
        let rest = &self.rest[start..];
        let mut i = 0;
        while i < rest.len() && !is_space(rest[i]) {
            i += if rest[i] == b'\\' { 2 } else { 1 };
        }
        let end = i.min(rest.len());
        self.rest = &rest[end..];
        Some(&rest[..end])
    }
}

/// Removes quoting backslashes; a trailing lone backslash stays literal.
pub fn unescape(raw: &[u8]) -> Cow<'_, [u8]> {
    if !raw.contains(&b'\\') {
        return Cow::Borrowed(raw);
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' && i + 1 < raw.len() {
            i += 1;
        }
        out.push(raw[i]);
        i += 1;
    }
    Cow::Owned(out)
}

/// Whether `pattern` contains an unquoted `*`, `?` or complete `[...]`.
pub fn has_magic(pattern: &[u8]) -> bool {
    let mut i = 0;
    while i < pattern.len() {
        match pattern[i] {
            b'\\' => i += 1,
            b'*' | b'?' => return true,
            b'[' if parse_bracket(pattern, i).is_some() => return true,
            _ => {}
        }
        i += 1;
    }
    false
}

/// Matches one path component `name` against `pattern`, with the
/// leading-period rule (`*`, `?` and brackets never match a leading `.`).
pub fn fnmatch(pattern: &[u8], name: &[u8]) -> bool {
    if name.first() == Some(&b'.') && !starts_with_literal_dot(pattern) {
        return false;
    }
    match_one_star(pattern, name).unwrap_or_else(|| match_from(pattern, name))
}

/// The common patterns, one `*` between plain ASCII text (`*.c`,
/// `lib*.a`), matched without backtracking; `None` for any other pattern.
/// (The text after the `*` starts with an ASCII byte, so it starts at a
/// character boundary of `name` wherever it is found.)
fn match_one_star(pattern: &[u8], name: &[u8]) -> Option<bool> {
    let star = memchr::memchr(b'*', pattern)?;
    let (prefix, suffix) = (&pattern[..star], &pattern[star + 1..]);
    let plain = |text: &[u8]| {
        text.iter()
            .all(|&b| b.is_ascii() && !matches!(b, b'*' | b'?' | b'[' | b'\\'))
    };
    if !plain(prefix) || !plain(suffix) {
        return None;
    }
    Some(
        name.len() >= prefix.len() + suffix.len()
            && name.starts_with(prefix)
            && name.ends_with(suffix),
    )
}

fn starts_with_literal_dot(pattern: &[u8]) -> bool {
    pattern.starts_with(b".") || pattern.starts_with(b"\\.")
}

/// Iterative matcher: on mismatch, the most recent `*` absorbs one more
/// character. Linear backtracking suffices because `*` never crosses `/`.
fn match_from(p: &[u8], n: &[u8]) -> bool {
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    loop {
        if pi < p.len() && p[pi] == b'*' {
            pi += 1;
            star = Some((pi, ni));
            continue;
        }
        if pi < p.len() && ni < n.len() {
            if let Some((plen, nlen)) = match_one(p, pi, n, ni) {
                pi += plen;
                ni += nlen;
                continue;
            }
        } else if pi == p.len() && ni == n.len() {
            return true;
        }
        match star {
            Some((sp, sn)) if sn < n.len() => {
                let next = sn + char_at(n, sn).1;
                star = Some((sp, next));
                pi = sp;
                ni = next;
            }
            _ => return false,
        }
    }
}

/// Matches the single pattern element at `p[pi]` (not `*`) against the
/// character at `n[ni]`; returns the bytes consumed from each.
fn match_one(p: &[u8], pi: usize, n: &[u8], ni: usize) -> Option<(usize, usize)> {
    match p[pi] {
        b'?' => Some((1, char_at(n, ni).1)),
        b'[' => match parse_bracket(p, pi) {
            Some(end) => {
                let (c, len) = char_at(n, ni);
                bracket_matches(&p[pi + 1..end], c).then_some((end + 1 - pi, len))
            }
            None => (n[ni] == b'[').then_some((1, 1)),
        },
        b'\\' if pi + 1 < p.len() => (n[ni] == p[pi + 1]).then_some((2, 1)),
        b => (n[ni] == b).then_some((1, 1)),
    }
}

/// The character at `s[i]`: a code point and its length when `s` holds valid
/// UTF-8 there, else the byte itself.
fn char_at(s: &[u8], i: usize) -> (u32, usize) {
    let b = s[i];
    let len = match b {
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return (u32::from(b), 1),
    };
    s.get(i..i + len)
        .and_then(|bytes| std::str::from_utf8(bytes).ok())
        .and_then(|st| st.chars().next())
        .map_or((u32::from(b), 1), |c| (u32::from(c), len))
}

/// Given `p[open] == '['`, returns the index of the closing `]`, or `None`
/// when the bracket is unterminated (the `[` is then literal). A `]` right
/// after `[`, `[!` or `[^` is a member, not the end.
fn parse_bracket(p: &[u8], open: usize) -> Option<usize> {
    let mut i = open + 1;
    if matches!(p.get(i), Some(b'!' | b'^')) {
        i += 1;
    }
    if p.get(i) == Some(&b']') {
        i += 1;
    }
    while i < p.len() {
        match p[i] {
            b']' => return Some(i),
            b'\\' => i += 2,
            b'[' if p.get(i + 1) == Some(&b':') => {
                // A `[:class:]` may contain `]`-free text only.
                i = match memchr::memmem::find(&p[i + 2..], b":]") {
                    Some(k) => i + 2 + k + 2,
                    None => i + 1,
                };
            }
            b'/' => return None,
            _ => i += 1,
        }
    }
    None
}

/// Whether code point `c` is in the bracket body `body` (between `[` and `]`).
fn bracket_matches(body: &[u8], c: u32) -> bool {
    let (negate, body) = match body.first() {
        Some(b'!' | b'^') => (true, &body[1..]),
        _ => (false, body),
    };
    let mut i = 0;
    let mut found = false;
    while i < body.len() {
        if body[i] == b'[' && body.get(i + 1) == Some(&b':') {
            if let Some(k) = memchr::memmem::find(&body[i + 2..], b":]") {
                found |= class_matches(&body[i + 2..i + 2 + k], c);
                i += 2 + k + 2;
                continue;
            }
        }
        let (lo, lo_len) = bracket_char(body, i);
        i += lo_len;
        // `a-z` is a range unless the `-` ends the bracket.
        if body.get(i) == Some(&b'-') && i + 1 < body.len() {
            let (hi, hi_len) = bracket_char(body, i + 1);
            i += 1 + hi_len;
            found |= lo <= c && c <= hi;
        } else {
            found |= lo == c;
        }
    }
    found != negate
}

/// A bracket member at `body[i]`, honouring backslash quoting.
fn bracket_char(body: &[u8], i: usize) -> (u32, usize) {
    if body[i] == b'\\' && i + 1 < body.len() {
        let (c, len) = char_at(body, i + 1);
        (c, len + 1)
    } else {
        char_at(body, i)
    }
}

/// POSIX character classes; non-ASCII characters count as letters.
fn class_matches(class: &[u8], c: u32) -> bool {
    let Some(b) = u8::try_from(c).ok().filter(u8::is_ascii) else {
        return matches!(class, b"alpha" | b"alnum" | b"print" | b"graph");
    };
    match class {
        b"alpha" => b.is_ascii_alphabetic(),
        b"digit" => b.is_ascii_digit(),
        b"alnum" => b.is_ascii_alphanumeric(),
        b"upper" => b.is_ascii_uppercase(),
        b"lower" => b.is_ascii_lowercase(),
        b"space" => is_space(b),
        b"blank" => b == b' ' || b == b'\t',
        b"punct" => b.is_ascii_punctuation(),
        b"print" => b == b' ' || b.is_ascii_graphic(),
        b"graph" => b.is_ascii_graphic(),
        b"cntrl" => b.is_ascii_control(),
        b"xdigit" => b.is_ascii_hexdigit(),
        _ => false,
    }
}

/// [`glob_home`] where make has no variable `HOME` to say (the
/// environment's HOME, or the login's home directory, is the home).
#[cfg(test)]
pub fn glob(pattern: &[u8], cache: &mut FsCache) -> Vec<Vec<u8>> {
    glob_home(pattern, cache, None)
}

/// Expands one `wildcard` pattern (raw, still quoted) into the existing
/// paths it names, sorted bytewise. An unknown `~user` yields nothing.
/// `home` is what `~` alone stands for, as the caller's make variable
/// `HOME` expands (see [`needs_home`]); when it is `None` or empty, the
/// environment's HOME is, then the login's home directory (as GNU make
/// does). The caller expands it: this module does not know variables.
pub fn glob_home(pattern: &[u8], cache: &mut FsCache, home: Option<&[u8]>) -> Vec<Vec<u8>> {
    let Some(pattern) = expand_tilde(pattern, home) else {
        return Vec::new();
    };
    if !has_magic(&pattern) {
        return literal(&pattern, cache);
    }
    let (lead, comps) = components(&pattern);
    let mut found = vec![lead.to_vec()];
    for (i, &(comp, seps)) in comps.iter().enumerate() {
        let last = i + 1 == comps.len();
        found = step(found, comp, seps, last, cache);
        if found.is_empty() {
            break;
        }
    }
    // Stable and adaptive: the per-directory order of the matches makes
    // this one pass over an already sorted list, in the usual case.
    found.sort();
    found
}

/// Whether `pattern` expands to itself (unescaped) whether or not it
/// exists: no wildcards, no leading `~`, and not a run of slashes only
/// (which names the root as `/`).
pub fn names_itself(pattern: &[u8]) -> bool {
    !has_magic(pattern) && pattern.first() != Some(&b'~') && !pattern.iter().all(|&b| b == b'/')
}

/// A pattern without wildcards names itself, if it exists.
fn literal(pattern: &[u8], cache: &mut FsCache) -> Vec<Vec<u8>> {
    let path = unescape(pattern);
    if !path.is_empty() && path.iter().all(|&b| b == b'/') {
        // GNU reports the root once however it is spelled.
        return vec![b"/".to_vec()];
    }
    if cache.exists_now(&path) {
        vec![path.into_owned()]
    } else {
        Vec::new()
    }
}

/// One path component of a pattern and the slash run after it.
type Component<'a> = (&'a [u8], &'a [u8]);

/// Splits a pattern into its leading slashes and (component, following
/// slashes) pairs; slash runs are kept so results keep the user's spelling.
fn components(pattern: &[u8]) -> (&[u8], Vec<Component<'_>>) {
    let lead_len = pattern.iter().take_while(|&&b| b == b'/').count();
    let (lead, mut rest) = pattern.split_at(lead_len);
    let mut comps = Vec::new();
    while !rest.is_empty() {
        let comp_len = memchr::memchr(b'/', rest).unwrap_or(rest.len());
        let sep_len = rest[comp_len..].iter().take_while(|&&b| b == b'/').count();
        comps.push((&rest[..comp_len], &rest[comp_len..comp_len + sep_len]));
        rest = &rest[comp_len + sep_len..];
    }
    (lead, comps)
}

/// Extends every prefix in `found` by one pattern component. A component
/// followed by a slash must name a directory; the last component without
/// one must merely exist.
fn step(
    found: Vec<Vec<u8>>,
    comp: &[u8],
    seps: &[u8],
    last: bool,
    cache: &mut FsCache,
) -> Vec<Vec<u8>> {
    let need_dir = !seps.is_empty();
    let mut next = Vec::new();
    for prefix in found {
        if has_magic(comp) {
            for (name, kind) in matching_entries(&prefix, comp, cache) {
                let mut path = Vec::with_capacity(prefix.len() + name.len() + seps.len());
                path.extend_from_slice(&prefix);
                path.extend_from_slice(&name);
                if need_dir && !entry_is_dir(kind, &path, cache) {
                    continue;
                }
                path.extend_from_slice(seps);
                next.push(path);
            }
        } else {
            let path = [prefix.as_slice(), &unescape(comp)].concat();
            // Intermediate literal directories are checked implicitly when
            // the next level is listed or the final path is tested.
            let ok = if last && need_dir {
                cache.is_dir(&path)
            } else {
                !last || cache.exists(&path)
            };
            if ok {
                next.push([path.as_slice(), seps].concat());
            }
        }
    }
    next
}

/// Entries of directory `prefix` (`.` when empty) matching `comp`, plus `.`
/// and `..` which `readdir` listings omit but a `.*` pattern matches.
fn matching_entries(prefix: &[u8], comp: &[u8], cache: &mut FsCache) -> Vec<(Vec<u8>, EntryKind)> {
    let dir: &[u8] = if prefix.is_empty() { b"." } else { prefix };
    let Some(listing) = cache.listing_now(dir) else {
        return Vec::new();
    };
    let mut out: Vec<(Vec<u8>, EntryKind)> = [&b"."[..], b".."]
        .into_iter()
        .filter(|d| fnmatch(comp, d))
        .map(|d| (d.to_vec(), EntryKind::Dir))
        .collect();
    for (name, kind) in listing.entries() {
        if fnmatch(comp, name) {
            out.push((name.to_vec(), kind));
        }
    }
    // Listings are unordered; matches sorted here keep the whole result
    // nearly sorted, which its final sort then only has to confirm.
    out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    out
}

fn entry_is_dir(kind: EntryKind, path: &[u8], cache: &mut FsCache) -> bool {
    match kind {
        EntryKind::Dir => true,
        EntryKind::Other => false,
        EntryKind::Symlink | EntryKind::Unknown => cache.is_dir(path),
    }
}

/// Whether `pattern` starts with a `~` that stands for make's own home
/// (`~` or `~/...`, not `~user`): only then does [`glob_home`] use the
/// `home` it is given.
pub fn needs_home(pattern: &[u8]) -> bool {
    pattern.first() == Some(&b'~') && matches!(pattern.get(1), None | Some(b'/'))
}

/// `name` with a leading `~` or `~user` replaced by the home directory, as
/// a file name of a rule gets it whether or not it exists (`home` as for
/// [`glob_home`]); `None` when it has no `~` to replace or the user is
/// unknown (the name then stays as written).
pub fn tilde_name(name: &[u8], home: Option<&[u8]>) -> Option<Vec<u8>> {
    if name.first() != Some(&b'~') {
        return None;
    }
    let end = memchr::memchr(b'/', name).unwrap_or(name.len());
    let mut out = home_of(&name[1..end], home)?;
    out.extend_from_slice(&name[end..]);
    Some(out)
}

/// The home directory `~user` (`~` when `user` is empty) stands for.
fn home_of(user: &[u8], home: Option<&[u8]>) -> Option<Vec<u8>> {
    if !user.is_empty() {
        return user_home(user);
    }
    match home.filter(|h| !h.is_empty()) {
        Some(h) => Some(h.to_vec()),
        None => own_home(),
    }
}

/// Replaces a leading `~` or `~user` by the home directory (quoted so its
/// bytes are not taken as wildcards). `None` when the user is unknown.
fn expand_tilde<'p>(pattern: &'p [u8], home: Option<&[u8]>) -> Option<Cow<'p, [u8]>> {
    if pattern.first() != Some(&b'~') {
        return Some(Cow::Borrowed(pattern));
    }
    let end = memchr::memchr(b'/', pattern).unwrap_or(pattern.len());
    let home = home_of(&pattern[1..end], home)?;
    let mut out = Vec::with_capacity(home.len() + pattern.len());
    for &b in &home {
        if matches!(b, b'\\' | b'*' | b'?' | b'[') {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.extend_from_slice(&pattern[end..]);
    Some(Cow::Owned(out))
}

/// `$HOME`, or the password database entry of the login name: as in GNU
/// make, the name of the user logged in on the controlling terminal, not
/// the user make runs as, so without a login (no terminal, as under a job
/// scheduler) `~` stays `~`.
fn own_home() -> Option<Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    match std::env::var_os("HOME") {
        Some(h) if !h.is_empty() => Some(h.as_bytes().to_vec()),
        _ => user_home(&login_name()?),
    }
}

/// `getlogin`'s name, if there is a login.
fn login_name() -> Option<Vec<u8>> {
    // SAFETY: getlogin has no preconditions; its static result is copied
    // at once (only the reading thread looks up home directories).
    let name = unsafe { libc::getlogin() };
    if name.is_null() {
        return None;
    }
    // SAFETY: a non-null result is a NUL-terminated string.
    let name = unsafe { CStr::from_ptr(name) };
    Some(name.to_bytes().to_vec()).filter(|n| !n.is_empty())
}

/// Home directory of `user` from the password database.
fn user_home(user: &[u8]) -> Option<Vec<u8>> {
    let name = CString::new(user).ok()?;
    // SAFETY: `name` is a valid C string; the other pointers come from
    // `passwd_home` and describe live, correctly sized buffers.
    passwd_home(|pwd, buf, len, res| unsafe { libc::getpwnam_r(name.as_ptr(), pwd, buf, len, res) })
}

/// Runs a reentrant `getpw*_r` lookup, growing the buffer on `ERANGE`.
fn passwd_home(
    mut lookup: impl FnMut(
        *mut libc::passwd,
        *mut libc::c_char,
        libc::size_t,
        *mut *mut libc::passwd,
    ) -> libc::c_int,
) -> Option<Vec<u8>> {
    let mut buf: Vec<libc::c_char> = vec![0; 1024];
    loop {
        // SAFETY: `passwd` is plain old data; all-zero is a valid value.
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let rc = lookup(&mut pwd, buf.as_mut_ptr(), buf.len(), &mut result);
        if rc == libc::ERANGE && buf.len() < (1 << 20) {
            buf.resize(buf.len() * 2, 0);
            continue;
        }
        if rc != 0 || result.is_null() || pwd.pw_dir.is_null() {
            return None;
        }
        // SAFETY: on success `pw_dir` points to a NUL-terminated string in `buf`.
        let dir = unsafe { CStr::from_ptr(pwd.pw_dir) };
        return Some(dir.to_bytes().to_vec());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::symlink;

    use crate::fscache::os_path;

    #[test]
    fn names_itself_exactly_when_glob_would_keep_the_name() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = FsCache::new();
        let base = dir.path().as_os_str().as_bytes().to_vec();
        fs::write(os_path(&[&base[..], b"/here.d"].concat()), b"").unwrap();
        for name in [&b"/here.d"[..], b"/absent.d", b"/a\\ b.d", b"/x\\*.d"] {
            let pattern = [&base[..], name].concat();
            assert!(names_itself(&pattern), "{}", pattern.escape_ascii());
            // What `include` reads: the match, or the name as written.
            let globbed = glob(&pattern, &mut cache);
            let kept = globbed
                .first()
                .cloned()
                .unwrap_or_else(|| unescape(&pattern).into_owned());
            assert_eq!(kept, unescape(&pattern).into_owned());
        }
        for pattern in [&b"*.d"[..], b"~/x.d", b"~", b"//", b"/", b"a[bc].d", b"?"] {
            assert!(!names_itself(pattern), "{}", pattern.escape_ascii());
        }
    }

    #[test]
    fn one_star_patterns_match_as_the_general_matcher_does() {
        let patterns: [&[u8]; 6] = [b"*.c", b"lib*.a", b"*", b"x*", b"*.\xc3\xa9", b"a*b*c"];
        let names: [&[u8]; 9] = [
            b"f.c",
            b".c",
            b"libfoo.a",
            b"lib.a",
            b"x",
            b"",
            b"\xc3\xa9.c",
            b"a.\xc3\xa9",
            b"abc",
        ];
        for p in patterns {
            for n in names {
                assert_eq!(
                    match_one_star(p, n).unwrap_or_else(|| match_from(p, n)),
                    match_from(p, n),
                    "{} against {}",
                    String::from_utf8_lossy(p),
                    String::from_utf8_lossy(n)
                );
            }
        }
        assert_eq!(
            match_one_star(b"a*b*c", b"abc"),
            None,
            "two stars: the general matcher"
        );
        assert_eq!(
            match_one_star(b"*.\xc3\xa9", b"a.\xc3\xa9"),
            None,
            "not ASCII"
        );
    }

    #[test]
    fn splits_glob_words_with_quoted_spaces() {
        let w: Vec<&[u8]> = glob_words(b"  a\\ b  c\\\td e\\").collect();
        assert_eq!(w, vec![&b"a\\ b"[..], b"c\\\td", b"e\\"]);
        assert_eq!(glob_words(b" \n ").count(), 0);
    }

    #[test]
    fn unescapes() {
        assert_eq!(&*unescape(b"q\\?.c"), b"q?.c");
        assert_eq!(&*unescape(b"bs\\\\x"), b"bs\\x");
        assert_eq!(&*unescape(b"a.c\\"), b"a.c\\");
        assert_eq!(&*unescape(b"\\a"), b"a");
    }

    #[test]
    fn magic_detection() {
        assert!(has_magic(b"*.c"));
        assert!(has_magic(b"a?"));
        assert!(has_magic(b"[ab]"));
        assert!(!has_magic(b"[ab"));
        assert!(!has_magic(b"\\*.c"));
        assert!(!has_magic(b"a\\[b]"));
        assert!(!has_magic(b"plain/path.c"));
    }

    #[test]
    fn fnmatch_basics() {
        assert!(fnmatch(b"*.c", b"a.c"));
        assert!(!fnmatch(b"*.c", b"a.h"));
        assert!(fnmatch(b"*", b""));
        assert!(fnmatch(b"a*b*c", b"aXbYbZc"));
        assert!(!fnmatch(b"a*b*c", b"aXbYbZ"));
        assert!(fnmatch(b"?.c", b"9.c"));
        assert!(!fnmatch(b"?.c", b"10.c"));
        assert!(fnmatch(b"**.c", b"x.c"));
        assert!(fnmatch(b"q\\?.c", b"q?.c"));
        assert!(!fnmatch(b"q\\?.c", b"qx.c"));
        assert!(fnmatch(b"st\\*r", b"st*r"));
    }

    #[test]
    fn fnmatch_brackets() {
        assert!(fnmatch(b"[ab].c", b"a.c"));
        assert!(!fnmatch(b"[ab].c", b"c.c"));
        assert!(fnmatch(b"[!ab].c", b"c.c"));
        assert!(fnmatch(b"[^ab].c", b"c.c"));
        assert!(!fnmatch(b"[^ab].c", b"a.c"));
        assert!(fnmatch(b"[a-c].c", b"b.c"));
        assert!(!fnmatch(b"[z-a].c", b"b.c"));
        assert!(fnmatch(b"[]a].c", b"].c"));
        assert!(fnmatch(b"[]a].c", b"a.c"));
        assert!(fnmatch(b"[\\]a].c", b"a.c"));
        assert!(fnmatch(b"[a-].c", b"-.c"));
        assert!(fnmatch(b"[-a].c", b"a.c"));
        assert!(fnmatch(b"[a\\-c].c", b"a.c"));
        assert!(!fnmatch(b"[a\\-c].c", b"b.c"));
        assert!(fnmatch(b"[[:lower:]].c", b"a.c"));
        assert!(!fnmatch(b"[[:lower:]].c", b"C.c"));
        assert!(fnmatch(b"[[:digit:]x].c", b"x.c"));
        assert!(fnmatch(b"br[[]a].c", b"br[a].c"));
        // Unterminated bracket: the `[` is literal.
        assert!(fnmatch(b"[a.c", b"[a.c"));
        assert!(!fnmatch(b"[].c", b"].c"));
    }

    #[test]
    fn fnmatch_utf8_characters() {
        assert!(fnmatch("?.c".as_bytes(), "é.c".as_bytes()));
        assert!(fnmatch("[é].c".as_bytes(), "é.c".as_bytes()));
        assert!(fnmatch("[!a].c".as_bytes(), "é.c".as_bytes()));
        assert!(fnmatch("[[:alpha:]].c".as_bytes(), "é.c".as_bytes()));
        // Invalid UTF-8 is matched bytewise.
        assert!(fnmatch(b"?.c", b"\xff.c"));
        assert!(fnmatch(b"*.c", b"\xe9\xff.c"));
    }

    #[test]
    fn fnmatch_leading_period() {
        assert!(!fnmatch(b"*", b".h"));
        assert!(!fnmatch(b"?h", b".h"));
        assert!(!fnmatch(b"[.]h", b".h"));
        assert!(fnmatch(b".*", b".h"));
        assert!(fnmatch(b"\\.h*", b".hid"));
        assert!(fnmatch(b".*", b"."));
        assert!(fnmatch(b".*", b".."));
        assert!(fnmatch(b".?", b".."));
        assert!(fnmatch(b"a*", b"a.b"));
    }

    /// A scratch tree like the one the behaviour was confirmed against.
    fn tree(name: &str) -> Vec<u8> {
        let root =
            std::env::temp_dir().join(format!("fairmake-glob-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        for d in ["sub/deep", "sub2", ".hid", "a", "a-b"] {
            fs::create_dir_all(root.join(d)).expect("mkdir");
        }
        for f in [
            "b.c", "a.c", "C.c", "10.c", "9.c", ".h.c", "sp ace.c", "q?.c", "br[a].c", "sub/z.c",
            "sub/a.c",
        ] {
            fs::write(root.join(f), b"").expect("write");
        }
        for f in [
            "sub2/y.c",
            "sub/deep/k.c",
            ".hid/h.c",
            "a/x",
            "a-b/x",
            "bs\\x.c",
        ] {
            fs::write(root.join(f), b"").expect("write");
        }
        symlink("sub", root.join("lnkdir")).expect("symlink");
        symlink("nonexist", root.join("dang.c")).expect("symlink");
        root.as_os_str().as_bytes().to_vec()
    }

    /// Globs `pattern` relative to `root`, returning results relative to it.
    fn g(root: &[u8], cache: &mut FsCache, pattern: &str) -> Vec<String> {
        let mut full = root.to_vec();
        full.push(b'/');
        full.extend_from_slice(pattern.as_bytes());
        glob(&full, cache)
            .into_iter()
            .map(|p| String::from_utf8(p[root.len() + 1..].to_vec()).expect("utf8"))
            .collect()
    }

    #[test]
    fn globs_like_gnu_make() {
        let root = tree("gnu");
        let c = &mut FsCache::new();
        let all_c = "10.c 9.c C.c a.c b.c br[a].c bs\\x.c dang.c q?.c sp ace.c";
        assert_eq!(g(&root, c, "*.c").join(" "), all_c);
        assert_eq!(
            g(&root, c, "*/*.c").join(" "),
            "lnkdir/a.c lnkdir/z.c sub/a.c sub/z.c sub2/y.c"
        );
        assert_eq!(g(&root, c, "*/x").join(" "), "a-b/x a/x");
        assert_eq!(g(&root, c, "nodir/*.c"), Vec::<String>::new());
        assert_eq!(g(&root, c, "?.c").join(" "), "9.c C.c a.c b.c");
        assert_eq!(g(&root, c, "[!ab].c").join(" "), "9.c C.c");
        assert_eq!(g(&root, c, "q\\?.c").join(" "), "q?.c");
        assert_eq!(g(&root, c, "br\\[a\\].c").join(" "), "br[a].c");
        assert_eq!(g(&root, c, "br[a].c"), Vec::<String>::new());
        assert_eq!(g(&root, c, ".*").join(" "), ". .. .h.c .hid");
        assert_eq!(g(&root, c, "sub*/").join(" "), "sub/ sub2/");
        assert_eq!(g(&root, c, "*/").join(" "), "a-b/ a/ lnkdir/ sub/ sub2/");
        assert_eq!(g(&root, c, "sub/*/").join(" "), "sub/deep/");
        assert_eq!(g(&root, c, "su*/z.c").join(" "), "sub/z.c");
        assert_eq!(g(&root, c, "*/.*").len(), 10);
        assert_eq!(
            g(&root, c, "sub/deep/../*.c").join(" "),
            "sub/deep/../a.c sub/deep/../z.c"
        );
        assert_eq!(g(&root, c, "sub//*.c").join(" "), "sub//a.c sub//z.c");
        assert_eq!(
            g(&root, c, "lnkdir/*").join(" "),
            "lnkdir/a.c lnkdir/deep lnkdir/z.c"
        );
        assert_eq!(g(&root, c, "*.c/"), Vec::<String>::new());
        let _ = fs::remove_dir_all(os_path(&root));
    }

    #[test]
    fn literal_patterns_name_themselves() {
        let root = tree("lit");
        let c = &mut FsCache::new();
        assert_eq!(g(&root, c, "a.c"), ["a.c"]);
        assert_eq!(g(&root, c, "./a.c"), ["./a.c"]);
        assert_eq!(g(&root, c, ".//a.c"), [".//a.c"]);
        assert_eq!(g(&root, c, "nonexist.c"), Vec::<String>::new());
        assert_eq!(g(&root, c, "dang.c"), ["dang.c"]);
        assert_eq!(g(&root, c, "bs\\\\x.c"), ["bs\\x.c"]);
        assert_eq!(g(&root, c, "bs\\x.c"), Vec::<String>::new());
        assert_eq!(g(&root, c, "sp\\ ace.c"), ["sp ace.c"]);
        assert_eq!(g(&root, c, "a\\.c"), ["a.c"]);
        assert_eq!(g(&root, c, "a.c\\"), Vec::<String>::new());
        assert_eq!(g(&root, c, "sub/"), ["sub/"]);
        assert_eq!(g(&root, c, "sub/."), ["sub/."]);
        assert_eq!(g(&root, c, "sub/.."), ["sub/.."]);
        assert_eq!(glob(b"/", c), [b"/".to_vec()]);
        assert_eq!(glob(b"//", c), [b"/".to_vec()]);
        let _ = fs::remove_dir_all(os_path(&root));
    }

    #[test]
    fn tilde_is_the_home_given() {
        let c = &mut FsCache::new();
        assert_eq!(glob_home(b"~", c, Some(b"/")), [b"/".to_vec()]);
        assert_eq!(tilde_name(b"~/x", Some(b"/h")), Some(b"/h/x".to_vec()));
        assert_eq!(tilde_name(b"~", Some(b"/h")), Some(b"/h".to_vec()));
        assert_eq!(tilde_name(b"a~", Some(b"/h")), None);
        assert_eq!(tilde_name(b"~no_such_user_fairmake/x", Some(b"/h")), None);
        assert!(needs_home(b"~") && needs_home(b"~/a") && !needs_home(b"~u/a"));
    }

    #[test]
    fn tilde_expansion() {
        let c = &mut FsCache::new();
        if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
            if fs::symlink_metadata(&home).is_ok() {
                assert_eq!(glob(b"~", c), [home.as_bytes().to_vec()]);
                let mut slash = home.as_bytes().to_vec();
                slash.push(b'/');
                assert_eq!(glob(b"~/", c), [slash]);
            }
        }
        assert_eq!(glob(b"~no_such_user_fairmake", c), Vec::<Vec<u8>>::new());
        assert_eq!(glob(b"~/no_such_file_fairmake", c), Vec::<Vec<u8>>::new());
        if let Some(root_home) = user_home(b"root") {
            if fs::metadata(os_path(&root_home)).is_ok() {
                assert_eq!(glob(b"~root", c), [root_home]);
            }
        }
    }
}
