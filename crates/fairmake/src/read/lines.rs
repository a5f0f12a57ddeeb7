//! Physical lines → logical lines: backslash-newline joining, the collapsing
//! of continuations outside recipes, and comment stripping.

/// A logical line: the raw bytes (continuations still inside) and the number
/// of its first physical line.
pub struct LogicalLine<'a> {
    pub raw: &'a [u8],
    pub line: u32,
    /// The text ends inside this line's continuation: its last backslash,
    /// newline or not after it, continues into nothing. A recipe line
    /// keeps it as a backslash-newline (GNU 4.4.1 and 4.3).
    pub continued_at_end: bool,
    /// Reading it met a NUL at the start of a physical line (see
    /// `read::nul`): GNU warns as it reads it.
    pub nul_seen: bool,
}

/// Splits a buffer into logical lines.
pub struct Lines<'a> {
    text: &'a [u8],
    pos: usize,
    line: u32,
    /// The physical lines read so far.
    physical: usize,
    /// A text read from one with NULs: its lines' numbers are GNU's.
    nul: Option<&'a super::nul::NulText>,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a [u8], first_line: u32) -> Lines<'a> {
        Lines {
            text,
            pos: 0,
            line: first_line,
            physical: 0,
            nul: None,
        }
    }

    /// The lines of a makefile that held NULs, as GNU read it.
    pub fn of_nul_text(nul: &'a super::nul::NulText) -> Lines<'a> {
        Lines {
            nul: Some(nul),
            ..Lines::new(&nul.text, 1)
        }
    }

    /// The number of the next line: after the last one, the line GNU
    /// reports the end of the text at.
    pub fn next_line(&self) -> u32 {
        match self.nul {
            Some(nul) => nul.numbers.get(self.physical).copied().unwrap_or(nul.end),
            None => self.line,
        }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = LogicalLine<'a>;

    fn next(&mut self) -> Option<LogicalLine<'a>> {
        if self.pos >= self.text.len() {
            return None;
        }
        let start = self.pos;
        let first = self.next_line();
        let first_physical = self.physical;
        let mut span = 0;
        // GNU counts a logical line as its newlines, or 1 for a last line
        // that has none: the end of the text continued into a last line
        // without a newline is on that last line, not after it.
        let mut lines_counted = 0;
        loop {
            span += 1;
            match memchr::memchr(b'\n', &self.text[self.pos..]) {
                None => {
                    self.pos = self.text.len();
                    lines_counted = lines_counted.max(1);
                    break;
                }
                Some(off) => {
                    let nl = self.pos + off;
                    self.pos = nl + 1;
                    lines_counted += 1;
                    let before = &self.text[start..nl];
                    let before = before.strip_suffix(b"\r").unwrap_or(before);
                    if !ends_with_odd_backslashes(before) || self.pos >= self.text.len() {
                        break;
                    }
                }
            }
        }
        self.line += lines_counted;
        self.physical += span as usize;
        let nul_seen = self
            .nul
            .is_some_and(|nul| nul.warned[first_physical..self.physical].contains(&true));
        let mut end = self.pos;
        if end > start && self.text[end - 1] == b'\n' {
            end -= 1;
        }
        // Carriage returns before newlines are dropped, as GNU does.
        let mut raw = &self.text[start..end];
        if raw.last() == Some(&b'\r') {
            raw = &raw[..raw.len() - 1];
        }
        let continued_at_end = self.pos >= self.text.len() && ends_with_odd_backslashes(raw);
        // A backslash-newline at the very end of the text continues nothing:
        // the backslash goes.
        if end < self.pos && ends_with_odd_backslashes(raw) {
            raw = &raw[..raw.len() - 1];
        }
        Some(LogicalLine {
            raw,
            line: first,
            continued_at_end,
            nul_seen,
        })
    }
}

/// A recipe line at the end of the text that a backslash continues ends
/// with a backslash-newline, whether or not the text had the newline.
pub fn end_continued_recipe(text: &mut Vec<u8>) {
    if !ends_with_odd_backslashes(text) {
        text.push(b'\\');
    }
    text.push(b'\n');
}

/// Whether `text` ends with an odd number of backslashes (a continuation).
pub fn ends_with_odd_backslashes(text: &[u8]) -> bool {
    text.iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 1
}

/// Joins continuation lines outside recipes: each backslash-newline, with
/// the whitespace around it and any backslash-newlines right after it,
/// becomes a single space. Under `.POSIX` (`posix`) the whitespace before
/// the backslash stays and every backslash-newline is its own space.
pub fn collapse_continuations(raw: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    collapse_continuations_with(raw, false)
}

/// `collapse_continuations`, choosing GNU's or POSIX's rules.
pub fn collapse_continuations_with(raw: &[u8], posix: bool) -> std::borrow::Cow<'_, [u8]> {
    if memchr::memchr(b'\n', raw).is_none() {
        return std::borrow::Cow::Borrowed(raw);
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut newlines = memchr::memchr_iter(b'\n', raw);
    let mut start = 0;
    let mut pending_space = false;
    loop {
        let end = newlines.next();
        let last = end.is_none();
        let mut piece = &raw[start..end.unwrap_or(raw.len())];
        if start > 0 {
            piece = trim_start_blanks(piece);
        }
        if let Some(end) = end {
            start = end + 1;
        }
        if !last {
            // Drop the continuation backslash (and a CR before the newline).
            piece = piece.strip_suffix(b"\r").unwrap_or(piece);
            piece = &piece[..piece.len() - 1];
            if !posix {
                piece = trim_end_blanks(piece);
            }
        }
        if pending_space && (posix || !piece.is_empty()) {
            out.push(b' ');
            pending_space = false;
        }
        out.extend_from_slice(piece);
        if last {
            break;
        }
        pending_space = true;
    }
    if pending_space {
        out.push(b' ');
    }
    std::borrow::Cow::Owned(out)
}

fn trim_start_blanks(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
    &s[n..]
}

fn trim_end_blanks(s: &[u8]) -> &[u8] {
    let n = s
        .iter()
        .rev()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    &s[..s.len() - n]
}

/// Removes a comment: the first `#` not escaped by a backslash and not
/// inside a variable reference or function call. `\#` becomes `#`;
/// backslashes before it are halved as GNU does.
pub fn strip_comment(line: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let Some(first) = memchr::memchr(b'#', line) else {
        return std::borrow::Cow::Borrowed(line);
    };
    if (first == 0 || line[first - 1] != b'\\') && !line[..first].contains(&b'$') {
        return std::borrow::Cow::Borrowed(&line[..first]);
    }
    let mut out = Vec::with_capacity(line.len());
    // Open parens or braces of references around the current byte.
    let mut closers: Vec<u8> = Vec::new();
    let mut i = 0;
    while i < line.len() {
        let b = line[i];
        match b {
            b'$' if matches!(line.get(i + 1), Some(b'(' | b'{')) => {
                closers.push(if line[i + 1] == b'(' { b')' } else { b'}' });
                out.extend_from_slice(&line[i..i + 2]);
                i += 2;
                continue;
            }
            b'(' | b'{' if !closers.is_empty() => closers.push(if b == b'(' { b')' } else { b'}' }),
            b')' | b'}' if closers.last() == Some(&b) => {
                closers.pop();
            }
            b'#' if closers.is_empty() => {
                let backslashes = out.iter().rev().take_while(|&&c| c == b'\\').count();
                out.truncate(out.len() - backslashes);
                out.extend(std::iter::repeat_n(b'\\', backslashes / 2));
                if backslashes % 2 == 0 {
                    return std::borrow::Cow::Owned(out);
                }
            }
            _ => {}
        }
        out.push(b);
        i += 1;
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_continuations() {
        let lines: Vec<_> = Lines::new(b"a \\\n  b\nc\n", 1).collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].raw, b"a \\\n  b");
        assert_eq!(lines[1].line, 3);
        assert_eq!(&*collapse_continuations(lines[0].raw), b"a b");
    }

    #[test]
    fn strips_comments() {
        assert_eq!(&*strip_comment(b"a # c"), b"a ");
        assert_eq!(&*strip_comment(b"a \\# c"), b"a # c");
        assert_eq!(&*strip_comment(b"a \\\\# c"), b"a \\");
        assert_eq!(&*strip_comment(b"$(x #) # c"), b"$(x #) ");
        assert_eq!(&*strip_comment(b"${x \\#} \\# c"), b"${x \\#} # c");
    }
}
