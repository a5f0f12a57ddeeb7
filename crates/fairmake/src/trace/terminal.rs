//! The status line on a terminal: the bottom row, kept out of the
//! terminal's scrolling region.
//!
//! Recipes and sub-makes write straight to the terminal, at any moment,
//! from processes this make cannot hold back; a line that make cleared and
//! redrew around its own writes would still be overwritten by theirs. So
//! the terminal itself keeps them apart: the scrolling region (DECSTBM) is
//! set to every row but the last, and all output, make's and the
//! recipes', scrolls above it. The status row is drawn in one `write`
//! that saves the cursor (DECSC: position and attributes), moves to the
//! bottom row, draws, and restores the cursor; the kernel does not mix the
//! bytes of one `write` to a terminal with another's, so a recipe's output
//! resumes exactly where it was. At the end the row is cleared and the
//! region reset, leaving on screen only what make and the recipes wrote.

use std::os::fd::AsFd;

/// The bottom row of the terminal on stderr.
pub struct StatusRow {
    rows: u16,
    cols: u16,
    /// The scrolling region is set (after the first draw).
    set_up: bool,
}

/// Whether stderr is a terminal that can keep a status row: a real
/// terminal type, and room for output above the row.
pub fn stderr_can_hold_status() -> bool {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return false;
    }
    let term = std::env::var_os("TERM").unwrap_or_default();
    if term.is_empty() || term == "dumb" {
        return false;
    }
    size().is_some_and(|(rows, cols)| rows >= 3 && cols >= 20)
}

/// The terminal's rows and columns.
fn size() -> Option<(u16, u16)> {
    let ws = rustix::termios::tcgetwinsize(std::io::stderr().as_fd()).ok()?;
    (ws.ws_row > 0 && ws.ws_col > 0).then_some((ws.ws_row, ws.ws_col))
}

/// Writes all of `bytes` to stderr, in one `write` when the terminal
/// takes it whole (it does for a line's worth).
fn put(bytes: &[u8]) {
    let stderr = std::io::stderr();
    let fd = stderr.as_fd();
    let mut rest = bytes;
    while !rest.is_empty() {
        match rustix::io::write(fd, rest) {
            Ok(0) => break,
            Ok(n) => rest = &rest[n..],
            Err(rustix::io::Errno::INTR) => continue,
            Err(_) => break,
        }
    }
}

impl StatusRow {
    pub fn new() -> StatusRow {
        let (rows, cols) = size().unwrap_or((24, 80));
        StatusRow {
            rows,
            cols,
            set_up: false,
        }
    }

    /// The columns the text may use (the last is left empty: writing it
    /// would leave some terminals waiting to wrap).
    pub fn width(&self) -> usize {
        usize::from(self.cols.saturating_sub(1))
    }

    /// Reserves the bottom row: a newline first, so that a cursor on the
    /// last row is not left outside the region (it moves up with the
    /// text), then the region, then the cursor back where the text ends.
    fn set_up(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"\n\x1b7");
        out.extend_from_slice(format!("\x1b[1;{}r", self.rows - 1).as_bytes());
        out.extend_from_slice(b"\x1b8\x1b[1A");
        self.set_up = true;
    }

    /// Follows a change of the terminal's size: the old row is cleared
    /// (when still on screen) and the region set anew.
    fn follow_resize(&mut self, out: &mut Vec<u8>) {
        let Some((rows, cols)) = size() else {
            return;
        };
        if (rows, cols) == (self.rows, self.cols) || rows < 3 {
            return;
        }
        if self.set_up {
            out.extend_from_slice(b"\x1b7");
            if self.rows < rows {
                out.extend_from_slice(format!("\x1b[{};1H\x1b[2K", self.rows).as_bytes());
            }
            out.extend_from_slice(format!("\x1b[1;{}r\x1b8", rows - 1).as_bytes());
        }
        self.rows = rows;
        self.cols = cols;
    }

    /// Draws `text` (at most [`width`](Self::width) characters; `bold` of
    /// them in bold) on the status row.
    pub fn draw(&mut self, text: &str, bold: usize) {
        let mut out = Vec::with_capacity(text.len() + 48);
        self.follow_resize(&mut out);
        if !self.set_up {
            self.set_up(&mut out);
        }
        let split = text.char_indices().nth(bold).map_or(text.len(), |(i, _)| i);
        out.extend_from_slice(b"\x1b7");
        out.extend_from_slice(format!("\x1b[{};1H\x1b[0m\x1b[2K\x1b[1m", self.rows).as_bytes());
        out.extend_from_slice(&text.as_bytes()[..split]);
        out.extend_from_slice(b"\x1b[0m");
        out.extend_from_slice(&text.as_bytes()[split..]);
        out.extend_from_slice(b"\x1b8");
        put(&out);
    }

    /// Gives the row back: cleared, and the region the whole screen again.
    pub fn clear(&mut self) {
        if !self.set_up {
            return;
        }
        let out = format!("\x1b7\x1b[{};1H\x1b[2K\x1b[r\x1b8", self.rows);
        put(out.as_bytes());
        self.set_up = false;
    }
}

impl Default for StatusRow {
    fn default() -> Self {
        StatusRow::new()
    }
}

impl Drop for StatusRow {
    fn drop(&mut self) {
        self.clear();
    }
}
