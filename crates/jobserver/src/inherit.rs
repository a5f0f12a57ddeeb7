//! Which children see the jobserver's descriptors.
//!
//! Owns the FD_CLOEXEC dance for pipe-style jobservers: the descriptors stay
//! close-on-exec, and are opened up only around the spawn of a *recursive*
//! child. This lets a single-threaded make keep using std's posix_spawn path
//! with no `pre_exec` closure. FD_CLOEXEC is a per-descriptor flag, so the
//! shared open file description (and every other process) is untouched.

use std::io;
use std::marker::PhantomData;
use std::os::fd::RawFd;

use crate::sys;

/// Keeps the jobserver's descriptors inheritable until dropped (or
/// [`finish`](SpawnGuard::finish)ed); spawn the recursive child meanwhile.
///
/// Another thread spawning a process while a guard is alive would leak the
/// descriptors to it: hold guards only in a single-threaded spawner.
#[must_use = "the descriptors stay inheritable only while the guard lives"]
#[derive(Debug)]
pub struct SpawnGuard<'a> {
    fds: Vec<RawFd>,
    _owner: PhantomData<&'a ()>,
}

impl<'a> SpawnGuard<'a> {
    /// Opens `fds` up to exec when `recursive`, else does nothing.
    pub(crate) fn open(fds: &[RawFd], recursive: bool) -> io::Result<SpawnGuard<'a>> {
        let mut guard = SpawnGuard {
            fds: Vec::new(),
            _owner: PhantomData,
        };
        if recursive {
            for &fd in fds {
                sys::set_cloexec(fd, false)?;
                guard.fds.push(fd);
            }
        }
        Ok(guard)
    }

    /// Makes the descriptors close-on-exec again, reporting failure.
    pub fn finish(mut self) -> io::Result<()> {
        self.close_all()
    }

    fn close_all(&mut self) -> io::Result<()> {
        let mut result = Ok(());
        for fd in self.fds.drain(..) {
            if let Err(e) = sys::set_cloexec(fd, true) {
                result = Err(e);
            }
        }
        result
    }
}

impl Drop for SpawnGuard<'_> {
    fn drop(&mut self) {
        let _ = self.close_all();
    }
}
