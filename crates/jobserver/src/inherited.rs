//! Which jobserver descriptors this process really inherited.
//!
//! Owns the start-up snapshot. A parent that does not mean a command to
//! use its jobserver closes the descriptors MAKEFLAGS names (GNU's usual
//! 3 and 4); the first files this process opens then take those very
//! numbers, and a later check would find "open pipes" that are its own.
//! [`note_inherited_fds`], called first thing in `main`, records which of
//! the named descriptors were open; a client then treats a descriptor that
//! was closed at start-up as closed.

use std::os::fd::RawFd;
use std::sync::OnceLock;

use crate::auth;
use crate::sys;

/// Descriptor numbers named in MAKEFLAGS at start-up, and whether each was open.
static AT_START: OnceLock<Vec<(RawFd, bool)>> = OnceLock::new();

/// Records which descriptors named in `$MAKEFLAGS` (or `$MFLAGS`) are open
/// now. Call it before the process opens any file; later calls do nothing.
pub fn note_inherited_fds() {
    AT_START.get_or_init(|| {
        let mut seen = Vec::new();
        for var in ["MAKEFLAGS", "MFLAGS"] {
            let Some(value) = std::env::var_os(var) else {
                continue;
            };
            use std::os::unix::ffi::OsStrExt;
            for (read, write) in auth::pipe_numbers(value.as_bytes()) {
                for fd in [read, write] {
                    seen.push((fd, sys::fd_is_open(fd)));
                }
            }
        }
        seen
    });
}

/// Whether `fd` was named in MAKEFLAGS and closed when the process started.
pub(crate) fn closed_at_start(fd: RawFd) -> bool {
    AT_START
        .get()
        .is_some_and(|seen| seen.iter().any(|&(n, open)| n == fd && !open))
}
