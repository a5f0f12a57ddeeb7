//! `--progress`: a ninja-style `[done/known] target` line: rewritten in
//! place on a terminal, one plain line per finished job otherwise. It goes to
//! stderr, so stdout stays what GNU make prints.

use std::io::{IsTerminal, Write};

/// The progress display.
pub struct Progress {
    done: usize,
    started: usize,
    terminal: bool,
}

impl Progress {
    pub fn new() -> Progress {
        Progress {
            done: 0,
            started: 0,
            terminal: std::io::stderr().is_terminal(),
        }
    }

    /// A job started.
    pub fn started(&mut self) {
        self.started += 1;
    }

    /// A job ended; shows the line.
    pub fn finished(&mut self, target: &str) {
        self.done += 1;
        let line = format!("[{}/{}] {}", self.done, self.started, target);
        let mut err = std::io::stderr().lock();
        let _ = if self.terminal {
            write!(err, "\r\x1b[K{line}")
        } else {
            writeln!(err, "{line}")
        };
        let _ = err.flush();
    }

    /// Ends the terminal line.
    pub fn finish(&mut self) {
        if self.terminal && self.done > 0 {
            let _ = writeln!(std::io::stderr().lock());
        }
    }
}

impl Default for Progress {
    fn default() -> Self {
        Progress::new()
    }
}
