//! Archive member names: `lib.a(member.o)`.

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
