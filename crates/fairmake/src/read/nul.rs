//! Makefiles with NUL bytes, read as GNU reads them: a line at a time, as
//! C strings, in pieces into one buffer. A piece ends at a newline or where
//! the buffer is full; a NUL ends the piece's text there and the rest of
//! the piece goes (the next piece is glued on); a piece that starts with a
//! NUL ends the line read so far, with "NUL character seen; rest of line
//! ignored". So where a long line is cut into pieces matters: the buffer
//! holds 200 bytes at first and doubles when a piece does not end the line
//! (as GNU 4.4.1's, found by running it on lines of every length). GNU
//! counts the lines by the newlines it kept (and one per such warning):
//! after a glued line, its numbers run behind the file's.

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

/// The bytes GNU's line buffer holds at first, and the room it wants
/// left before it reads the next physical line of a continued line.
const FIRST_BUFFER: usize = 200;
const CONTINUATION_ROOM: usize = 80;

/// The makefile's bytes, handed out as GNU's reads take them.
struct Pieces<'a> {
    text: &'a [u8],
    pos: usize,
    /// The size of the line buffer: it keeps its growth from line to line.
    buffer: usize,
}

impl<'a> Pieces<'a> {
    /// The next piece of at most `room` bytes, up to a newline.
    fn next(&mut self, room: usize) -> &'a [u8] {
        let rest = &self.text[self.pos..];
        let n = memchr::memchr(b'\n', rest)
            .map_or(rest.len(), |i| i + 1)
            .min(room);
        self.pos += n;
        &rest[..n]
    }
}

/// Reads `text`, which holds a NUL, as GNU does.
pub fn read(text: &[u8]) -> NulText {
    let mut out = NulText {
        text: Vec::with_capacity(text.len()),
        numbers: Vec::new(),
        warned: Vec::new(),
        end: 1,
    };
    let mut pieces = Pieces {
        text,
        pos: 0,
        buffer: FIRST_BUFFER,
    };
    while pieces.pos < text.len() {
        let (line, warned, counted) = read_line(&mut pieces);
        // A line a piece starting with a NUL ended may lack its newline.
        let lines =
            memchr::memchr_iter(b'\n', &line).count() + usize::from(line.last() != Some(&b'\n'));
        for k in 0..lines {
            out.numbers.push(out.end + k as u32);
            out.warned.push(warned && k == 0);
        }
        out.text.extend_from_slice(&line);
        // A line a NUL ended goes on no further; the last line of the
        // file ends there as one without a NUL does.
        if line.last() != Some(&b'\n') && (warned || pieces.pos < text.len()) {
            out.text.push(b'\n');
        }
        out.end += counted;
    }
    out
}

/// One line as GNU reads it (continuations included), whether a piece
/// starting with a NUL ended it, and how many lines GNU counts it for.
fn read_line(pieces: &mut Pieces) -> (Vec<u8>, bool, u32) {
    let mut line = Vec::new();
    loop {
        let piece = pieces.next(pieces.buffer - line.len() - 1);
        if piece.is_empty() {
            break;
        }
        if piece[0] == 0 {
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
        let text = memchr::memchr(0, piece).map_or(piece, |nul| &piece[..nul]);
        line.extend_from_slice(text);
        let Some(body) = line.strip_suffix(b"\n") else {
            // The buffer is full, or a NUL took the newline: the line
            // goes on in a buffer twice the size.
            pieces.buffer *= 2;
            continue;
        };
        let body = body.strip_suffix(b"\r").unwrap_or(body);
        if !super::lines::ends_with_odd_backslashes(body) {
            break;
        }
        if pieces.buffer - line.len() < CONTINUATION_ROOM {
            pieces.buffer *= 2;
        }
    }
    let counted = memchr::memchr_iter(b'\n', &line).count() as u32;
    (line, false, counted)
}
