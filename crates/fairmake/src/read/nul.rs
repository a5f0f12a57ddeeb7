//! Makefiles with NUL bytes, read as GNU reads them: a line at a time, as
//! C strings. A NUL ends the text of its physical line there and the rest
//! of that line goes, its newline too, so the next physical line is glued
//! on; a physical line that starts with a NUL ends the line read so far,
//! with "NUL character seen; rest of line ignored". GNU counts the lines
//! by the newlines it kept (and one per such warning): after a glued
//! line, its numbers run behind the file's.

/// The text as GNU reads it, NUL-free, with the numbers GNU gives its
/// physical lines.
pub struct NulText {
    pub text: Vec<u8>,
    /// The number of each physical line of `text`.
    pub numbers: Vec<u32>,
    /// Whether each physical line of `text` begins a line whose reading
    /// saw a NUL at the start of a physical line (the warning is said as
    /// that line is read).
    pub warned: Vec<bool>,
    /// The number after the last line.
    pub end: u32,
}

/// Reads `text`, which holds a NUL, as GNU does.
pub fn read(text: &[u8]) -> NulText {
    let mut out = NulText {
        text: Vec::with_capacity(text.len()),
        numbers: Vec::new(),
        warned: Vec::new(),
        end: 1,
    };
    let mut chunks = text.split_inclusive(|&b| b == b'\n').peekable();
    while chunks.peek().is_some() {
        let (line, warned, counted) = read_line(&mut chunks);
        let pieces = memchr::memchr_iter(b'\n', &line).count().max(1);
        for k in 0..pieces {
            out.numbers.push(out.end + k as u32);
            out.warned.push(warned && k == 0);
        }
        out.text.extend_from_slice(&line);
        if line.last() != Some(&b'\n') {
            out.text.push(b'\n');
        }
        out.end += counted;
    }
    out
}

/// One line as GNU reads it (continuations included), whether a NUL at
/// the start of a physical line ended it, and how many lines GNU counts
/// it for.
fn read_line<'a>(chunks: &mut impl Iterator<Item = &'a [u8]>) -> (Vec<u8>, bool, u32) {
    let mut line = Vec::new();
    for chunk in chunks {
        if chunk.first() == Some(&0) {
            let counted = memchr::memchr_iter(b'\n', &line).count() as u32 + 1;
            // A continuation left open here continues nothing: its
            // backslash-newline is the blank it would have become.
            if line.ends_with(b"\n") {
                line.pop();
                if super::lines::ends_with_odd_backslashes(&line) {
                    line.pop();
                    line.push(b' ');
                }
            }
            return (line, true, counted);
        }
        let text = memchr::memchr(0, chunk).map_or(chunk, |nul| &chunk[..nul]);
        line.extend_from_slice(text);
        if text.len() < chunk.len() {
            // The NUL took the newline: the next line is glued on.
            continue;
        }
        let Some(body) = line.strip_suffix(b"\n") else {
            break;
        };
        let body = body.strip_suffix(b"\r").unwrap_or(body);
        if !super::lines::ends_with_odd_backslashes(body) {
            break;
        }
    }
    let counted = memchr::memchr_iter(b'\n', &line).count() as u32;
    (line, false, counted)
}
