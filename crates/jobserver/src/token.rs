//! A token: one job slot taken from the jobserver, as a value.
//!
//! Owns the "released exactly once, with the same byte" rule. A `Token`
//! remembers the byte it was read as and holds a shared handle to the
//! jobserver's write side, so a single-threaded event loop can keep tokens in
//! its job table with no lifetimes. Releasing consumes the token; dropping
//! one releases it too, so an early return or a panic cannot lose a slot.

use std::fmt;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;

use crate::sys;

/// The descriptor tokens are written back to, shared by a client and all
/// the tokens it handed out (it must outlive them).
#[derive(Debug)]
pub(crate) struct WriteSide {
    fd: OwnedFd,
}

impl WriteSide {
    pub(crate) fn new(fd: OwnedFd) -> Arc<WriteSide> {
        Arc::new(WriteSide { fd })
    }

    pub(crate) fn put(&self, byte: u8) -> io::Result<()> {
        sys::write_one(self.fd.as_fd(), byte)
    }
}

/// One job slot. Give it back with [`Token::release`] or by dropping it.
#[must_use = "a token is a job slot: dropping it gives the slot back at once"]
pub struct Token {
    byte: u8,
    home: Option<Arc<WriteSide>>,
}

impl Token {
    pub(crate) fn new(byte: u8, home: Arc<WriteSide>) -> Token {
        Token {
            byte,
            home: Some(home),
        }
    }

    /// The byte this token was read as; it is the byte written back.
    pub fn byte(&self) -> u8 {
        self.byte
    }

    /// Writes the token back, reporting a failure (dropping cannot).
    pub fn release(mut self) -> io::Result<()> {
        match self.home.take() {
            Some(home) => home.put(self.byte),
            None => Ok(()),
        }
    }

    /// Loses the token on purpose, as a process killed with SIGKILL would.
    /// Only for tests and for a make that knows better; the server's
    /// [`heal`](crate::Server::heal) restores such tokens.
    pub fn leak(mut self) {
        self.home = None;
    }
}

impl Drop for Token {
    fn drop(&mut self) {
        if let Some(home) = self.home.take() {
            // Nowhere to report from a destructor; a write to a pipe we still
            // hold a reader for can only fail if the jobserver is gone.
            let _ = home.put(self.byte);
        }
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token").field("byte", &self.byte).finish()
    }
}
