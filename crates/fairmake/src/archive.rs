//! Archive members as targets: `lib.a(member.o)` names, grouping
//! `lib.a(a.o b.o)` into one name per member, and a member's modification
//! time read from the `ar` archive itself.

/// Splits `lib(member)` into (`lib`, `member`); other names give an empty member.
pub fn split_member(name: &[u8]) -> (&[u8], &[u8]) {
    if name.last() == Some(&b')') {
        if let Some(open) = memchr::memchr(b'(', name) {
            if open > 0 {
                return (&name[..open], &name[open + 1..name.len() - 1]);
            }
        }
    }
    (name, b"")
}

/// Whether `name` is an archive member reference.
pub fn is_member(name: &[u8]) -> bool {
    !split_member(name).1.is_empty()
}

/// Rejoins words of a list so that `lib(a.o b.o)` becomes `lib(a.o)` and
/// `lib(b.o)`; other words pass through. A group the list ends before
/// closing is none: its words stay plain names, as written (GNU 4.4.1,
/// 4.3).
pub fn expand_groups<'a>(words: impl Iterator<Item = &'a [u8]>) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    // The open group: its archive, and its words as written.
    let mut open: Option<(&[u8], Vec<&[u8]>)> = None;
    for word in words {
        match open.take() {
            None => match memchr::memchr(b'(', word) {
                // `lib(a.o` opens a group; `foo(bar).baz` is a plain name.
                Some(p) if p > 0 && memchr::memchr(b')', &word[p..]).is_none() => {
                    open = Some((&word[..p], vec![word]));
                }
                Some(p) if p > 0 && word.ends_with(b")") => {
                    let (lib, members) = (&word[..p], &word[p + 1..word.len() - 1]);
                    out.push(member_name(lib, members));
                }
                _ => out.push(word.to_vec()),
            },
            Some((lib, mut written)) => {
                written.push(word);
                if word.ends_with(b")") {
                    close_group(lib, &written, &mut out);
                } else {
                    open = Some((lib, written));
                }
            }
        }
    }
    if let Some((_, written)) = open {
        out.extend(written.into_iter().map(<[u8]>::to_vec));
    }
    out
}

/// The members of a closed group `lib(a b ... z)`, given as its words.
fn close_group(lib: &[u8], written: &[&[u8]], out: &mut Vec<Vec<u8>>) {
    let last = written.len() - 1;
    for (i, word) in written.iter().enumerate() {
        let mut member = *word;
        if i == 0 {
            member = &member[lib.len() + 1..];
        }
        if i == last {
            member = &member[..member.len() - 1];
        }
        if !member.is_empty() {
            out.push(member_name(lib, member));
        }
    }
}

fn member_name(lib: &[u8], member: &[u8]) -> Vec<u8> {
    [lib, b"(", member, b")"].concat()
}

/// The modification time (whole seconds) of `member` inside the `ar`
/// archive `archive`, or `None` if either does not exist.
pub fn member_mtime(archive: &[u8], member: &[u8]) -> Option<crate::fscache::Mtime> {
    let wanted = member.rsplit(|&b| b == b'/').next().unwrap_or(member);
    members(archive)?
        .into_iter()
        .find(|(name, _)| name == wanted)
        .map(|(_, secs)| crate::fscache::Mtime::from_secs(secs))
}

/// `lib(*.o)`: a member pattern matches the members the archive holds now
/// (sorted), as GNU's manual says; `None` for other names, or when nothing
/// matches (the name then stays as written).
pub fn glob_members(name: &[u8]) -> Option<Vec<Vec<u8>>> {
    let (archive, pattern) = split_member(name);
    if pattern.is_empty() || !crate::glob::has_magic(pattern) {
        return None;
    }
    let mut found: Vec<Vec<u8>> = members(archive)?
        .into_iter()
        .filter(|(member, _)| crate::glob::fnmatch(pattern, member))
        .map(|(member, _)| member_name(archive, &member))
        .collect();
    found.sort();
    found.dedup();
    (!found.is_empty()).then_some(found)
}

/// Every member of the `ar` archive `archive` with its modification time
/// (seconds), in archive order; `None` if it cannot be read as one.
fn members(archive: &[u8]) -> Option<Vec<(Vec<u8>, i64)>> {
    use std::os::unix::ffi::OsStrExt;
    let data = std::fs::read(std::ffi::OsStr::from_bytes(archive)).ok()?;
    let body = data.strip_prefix(b"!<arch>\n")?;
    let mut names_table: &[u8] = b"";
    let mut out = Vec::new();
    let mut pos = 0;
    while pos + 60 <= body.len() {
        let header = &body[pos..pos + 60];
        let size: usize = parse_field(&header[48..58])?;
        let content = body.get(pos + 60..pos + 60 + size)?;
        let raw_name = trim_field(&header[0..16]);
        let name: &[u8] = if raw_name == b"//" {
            names_table = content;
            b""
        } else if raw_name == b"/" || raw_name.starts_with(b"__.SYMDEF") {
            b""
        } else if let Some(offset) = raw_name
            .strip_prefix(b"/")
            .and_then(|o| std::str::from_utf8(o).ok()?.parse::<usize>().ok())
        {
            let rest = names_table.get(offset..).unwrap_or(b"");
            let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            rest[..end].strip_suffix(b"/").unwrap_or(&rest[..end])
        } else {
            raw_name.strip_suffix(b"/").unwrap_or(raw_name)
        };
        if !name.is_empty() {
            out.push((name.to_vec(), parse_field(&header[16..28])?));
        }
        pos += 60 + size + (size & 1);
    }
    Some(out)
}

fn trim_field(field: &[u8]) -> &[u8] {
    let end = field.iter().rposition(|&b| b != b' ').map_or(0, |e| e + 1);
    &field[..end]
}

fn parse_field<T: std::str::FromStr>(field: &[u8]) -> Option<T> {
    std::str::from_utf8(trim_field(field)).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_expand_per_member() {
        let words: Vec<&[u8]> = vec![b"lib.a(a.o", b"b.o)", b"x", b"l(c.o)", b"f(b).z"];
        let out = expand_groups(words.into_iter());
        assert_eq!(
            out,
            vec![
                b"lib.a(a.o)".to_vec(),
                b"lib.a(b.o)".to_vec(),
                b"x".to_vec(),
                b"l(c.o)".to_vec(),
                b"f(b).z".to_vec()
            ]
        );
        assert_eq!(split_member(b"lib.a(a.o)"), (&b"lib.a"[..], &b"a.o"[..]));
        assert!(!is_member(b"plain"));
    }

    #[test]
    fn reads_member_times() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.a");
        let mut data = b"!<arch>\n".to_vec();
        data.extend_from_slice(
            format!(
                "{:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n",
                "a.o/", 1234, 0, 0, 644, 3
            )
            .as_bytes(),
        );
        data.extend_from_slice(b"xyz\n");
        std::fs::write(&path, &data).unwrap();
        use std::os::unix::ffi::OsStrExt;
        let p = path.as_os_str().as_bytes();
        assert_eq!(
            member_mtime(p, b"a.o"),
            Some(crate::fscache::Mtime::from_secs(1234))
        );
        assert_eq!(member_mtime(p, b"b.o"), None);
        let lib = [p, b"(*.o)"].concat();
        assert_eq!(glob_members(&lib), Some(vec![[p, b"(a.o)"].concat()]));
        assert_eq!(glob_members(&[p, b"(*.c)"].concat()), None);
    }
}
