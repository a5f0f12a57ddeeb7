//! Recognizing variable assignments: `NAME OP VALUE` with every GNU operator.

/// The assignment operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignOp {
    /// `=`: recursively expanded.
    Recursive,
    /// `:=` and `::=`: simply expanded.
    Simple,
    /// `:::=`: immediately expanded, stored with `$` escaped (POSIX).
    Immediate,
    /// `?=`: only if not yet defined.
    Conditional,
    /// `+=`: append.
    Append,
    /// `!=`: the output of a shell command.
    Shell,
}

/// Whether a command-line word is a variable assignment rather than a goal.
pub fn looks_like_assignment(word: &[u8]) -> bool {
    find_operator(word).is_some()
}

/// A command-line (or MAKEFLAGS) word `NAME OP VALUE` taken apart: the
/// name without the blanks around it, the operator, and the value from its
/// first non-blank, as in a makefile (binutils passes `LDFLAGS="${LDFLAGS}"`
/// with LDFLAGS a blank).
pub fn split_word(word: &[u8]) -> Option<(&[u8], AssignOp, &[u8])> {
    let (start, op, end) = find_operator(word)?;
    let name = crate::words::trim(&word[..start]);
    Some((name, op, crate::words::trim_start(&word[end..])))
}

/// Like `find_operator`, for a makefile line: a variable name cannot contain
/// blanks outside references (`x y = 1` is no assignment, `$(X) = 1` is).
pub fn find_assignment(text: &[u8]) -> Option<(usize, AssignOp, usize)> {
    let found = find_operator(text)?;
    let name = crate::words::trim(&text[..found.0]);
    let mut depth = 0usize;
    let mut i = 0;
    while i < name.len() {
        match name[i] {
            b'$' if matches!(name.get(i + 1), Some(b'(' | b'{')) => {
                depth += 1;
                i += 1;
            }
            b')' | b'}' if depth > 0 => depth -= 1,
            b if depth == 0 && crate::words::is_blank(b) => return None,
            _ => {}
        }
        i += 1;
    }
    Some(found)
}

/// The bytes `find_operator` looks at: references' delimiters, the
/// operators' characters, and what ends the search.
static MAY_MATTER: [bool; 256] = {
    let mut table = [false; 256];
    let bytes = b"$)}=:?+!#;";
    let mut i = 0;
    while i < bytes.len() {
        table[bytes[i] as usize] = true;
        i += 1;
    }
    table
};

/// Finds the first assignment operator in `text` that is outside variable
/// references; returns (start of operator, operator, end of operator).
pub fn find_operator(text: &[u8]) -> Option<(usize, AssignOp, usize)> {
    // Every operator has a `=`: a long prerequisite list without one is
    // passed over at memchr's speed, not byte by byte.
    memchr::memchr(b'=', text)?;
    let mut depth = 0usize;
    let mut i = 0;
    while i < text.len() {
        // Most bytes of a name are letters: passed over with one load each.
        if !MAY_MATTER[usize::from(text[i])] {
            i += 1;
            continue;
        }
        let c = text[i];
        match c {
            b'$' if i + 1 < text.len() && matches!(text[i + 1], b'(' | b'{') => {
                depth += 1;
                i += 2;
                continue;
            }
            b')' | b'}' if depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            b'=' => return Some((i, AssignOp::Recursive, i + 1)),
            b':' => {
                if text[i..].starts_with(b":::=") {
                    return Some((i, AssignOp::Immediate, i + 4));
                }
                if text[i..].starts_with(b"::=") {
                    return Some((i, AssignOp::Simple, i + 3));
                }
                if text[i..].starts_with(b":=") {
                    return Some((i, AssignOp::Simple, i + 2));
                }
                return None;
            }
            b'?' | b'+' | b'!' if text.get(i + 1) == Some(&b'=') => {
                let op = match c {
                    b'?' => AssignOp::Conditional,
                    b'+' => AssignOp::Append,
                    _ => AssignOp::Shell,
                };
                return Some((i, op, i + 2));
            }
            b'#' | b';' => return None,
            _ => {}
        }
        i += 1;
    }
    None
}
