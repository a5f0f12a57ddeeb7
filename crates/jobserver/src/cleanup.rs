//! Removing the fifo and its private directory, also from a signal handler.
//!
//! Owns the precomputed C paths and a one-slot registry that a make's
//! SIGINT/SIGTERM handler can reach with no allocation, no locks and only
//! async-signal-safe calls (`unlink`, `rmdir`).

use std::ffi::CString;
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};

/// The fifo and the directory made for it, as C strings computed up front.
#[derive(Debug)]
pub(crate) struct FifoPaths {
    pub(crate) fifo: CString,
    pub(crate) dir: CString,
}

impl FifoPaths {
    /// Unlinks the fifo, then removes its directory. Only async-signal-safe
    /// syscalls; errors (already gone) are ignored on purpose.
    pub(crate) fn remove(&self) {
        // SAFETY: both are valid NUL-terminated strings that live forever.
        unsafe {
            libc::unlink(self.fifo.as_ptr());
            libc::rmdir(self.dir.as_ptr());
        }
    }
}

/// The fifo the signal handler should remove, if any. The pointee is leaked
/// on purpose so that a handler running concurrently with `Server::drop`
/// never reads freed memory.
static REGISTERED: AtomicPtr<FifoPaths> = AtomicPtr::new(ptr::null_mut());

pub(crate) fn register(paths: &'static FifoPaths) {
    REGISTERED.store(ptr::from_ref(paths).cast_mut(), Ordering::SeqCst);
}

pub(crate) fn unregister(paths: &'static FifoPaths) {
    let _ = REGISTERED.compare_exchange(
        ptr::from_ref(paths).cast_mut(),
        ptr::null_mut(),
        Ordering::SeqCst,
        Ordering::SeqCst,
    );
}

/// Removes the registered server's fifo and directory.
///
/// Async-signal-safe: call it from the make's SIGINT/SIGTERM/SIGHUP handler
/// before re-raising the signal. A no-op when nothing is registered (see
/// [`Server::register_signal_cleanup`](crate::Server::register_signal_cleanup)).
pub fn signal_cleanup() {
    let p = REGISTERED.load(Ordering::SeqCst);
    if !p.is_null() {
        // SAFETY: only pointers to leaked ('static) FifoPaths are stored.
        unsafe { (*p).remove() };
    }
}
