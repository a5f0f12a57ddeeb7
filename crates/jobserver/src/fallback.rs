//! The helper thread, for when no private description of the pipe exists.
//!
//! Owns the one place where a blocking `read()` on the token pipe is allowed:
//! a thread of its own, so the event loop never sleeps in it. The loop says
//! "I want a token" (`want`); the thread reads one, parks it and makes the
//! loop's poll fd readable. A token that arrives when nobody wants it any
//! more (the loop withdrew, or the client is gone) is written back at once,
//! so a waiting helper never sits on a slot another make could use.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;

use crate::sys::{self, ReadOne};
use crate::token::WriteSide;

#[derive(Debug, Default)]
struct State {
    /// The loop asked for a token and has not got one yet.
    wanted: bool,
    /// A token read for the loop, not yet taken.
    ready: Option<u8>,
    /// The client is gone: the thread must hand back anything it reads.
    stopping: bool,
    /// The pipe reached end of file: the jobserver is gone.
    eof: bool,
}

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<State>,
    wake: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A poisoned lock only means the other side panicked; the state is
        // still consistent (every update is a single assignment).
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What a non-blocking attempt on the helper produced.
pub(crate) enum Taken {
    Byte(u8),
    Nothing,
    Eof,
}

/// The loop's side of the helper thread.
#[derive(Debug)]
pub(crate) struct Fallback {
    shared: Arc<Shared>,
    /// Readable while a token is parked for the loop.
    ready_r: OwnedFd,
    /// Written on shutdown to wake the thread out of `poll`.
    stop_w: OwnedFd,
    sink: Arc<WriteSide>,
}

impl Fallback {
    /// Starts the thread reading from `source` (a descriptor for the shared,
    /// blocking read side; its flags are left alone).
    pub(crate) fn start(source: OwnedFd, sink: Arc<WriteSide>) -> io::Result<Fallback> {
        let (ready_r, ready_w) = sys::pipe()?;
        // Both ends of this pipe are ours alone, so non-blocking is safe.
        sys::set_nonblocking(ready_r.as_fd(), true)?;
        let (stop_r, stop_w) = sys::pipe()?;
        let shared = Arc::new(Shared::default());
        let helper = Helper {
            shared: Arc::clone(&shared),
            source,
            sink: Arc::clone(&sink),
            ready_w,
            stop_r,
        };
        thread::Builder::new()
            .name("jobserver-helper".into())
            .spawn(move || helper.run())?;
        Ok(Fallback {
            shared,
            ready_r,
            stop_w,
            sink,
        })
    }

    pub(crate) fn poll_fd(&self) -> BorrowedFd<'_> {
        self.ready_r.as_fd()
    }

    /// Takes a parked token, or registers the wish for one. Never blocks.
    pub(crate) fn take(&self) -> Taken {
        let mut st = self.shared.lock();
        if let Some(byte) = st.ready.take() {
            drain(self.ready_r.as_fd());
            return Taken::Byte(byte);
        }
        if st.eof {
            return Taken::Eof;
        }
        if !st.wanted {
            st.wanted = true;
            self.shared.wake.notify_one();
        }
        Taken::Nothing
    }

    /// The loop no longer wants a token: give back any parked one.
    pub(crate) fn withdraw(&self) -> io::Result<()> {
        let mut st = self.shared.lock();
        st.wanted = false;
        if let Some(byte) = st.ready.take() {
            drain(self.ready_r.as_fd());
            return self.sink.put(byte);
        }
        Ok(())
    }
}

impl Drop for Fallback {
    fn drop(&mut self) {
        let mut st = self.shared.lock();
        st.stopping = true;
        st.wanted = false;
        if let Some(byte) = st.ready.take() {
            let _ = self.sink.put(byte);
        }
        self.shared.wake.notify_one();
        drop(st);
        // Wakes the thread if it waits in poll. If it is inside read() it
        // cannot be woken; it then hands back what it reads and exits. It is
        // not joined, because that read may never return.
        let _ = sys::write_one(self.stop_w.as_fd(), 0);
    }
}

/// Empties the (private, non-blocking) ready pipe.
fn drain(fd: BorrowedFd<'_>) {
    while let Ok(ReadOne::Byte(_)) = sys::read_one(fd) {}
}

/// The thread's side.
struct Helper {
    shared: Arc<Shared>,
    source: OwnedFd,
    sink: Arc<WriteSide>,
    ready_w: OwnedFd,
    stop_r: OwnedFd,
}

impl Helper {
    fn run(self) {
        while self.wait_until_wanted() {
            match self.wait_readable() {
                Ok(true) => {}
                Ok(false) | Err(_) => break,
            }
            // The only blocking read in the crate, on a thread of its own.
            match sys::read_one(self.source.as_fd()) {
                Ok(ReadOne::Byte(byte)) => self.deliver(byte),
                Ok(ReadOne::Empty) => {}
                Ok(ReadOne::Eof) | Err(_) => {
                    self.shared.lock().eof = true;
                    let _ = sys::write_one(self.ready_w.as_fd(), 0);
                    break;
                }
            }
        }
    }

    /// Sleeps until the loop wants a token; false when shutting down.
    fn wait_until_wanted(&self) -> bool {
        let mut st = self.shared.lock();
        // Sleep while not stopping and there is nothing to fetch.
        while !(st.stopping || (st.wanted && st.ready.is_none())) {
            st = self.shared.wake.wait(st).unwrap_or_else(|e| e.into_inner());
        }
        !st.stopping
    }

    /// Waits for the token pipe or the stop pipe; true if a token may be
    /// readable.
    fn wait_readable(&self) -> io::Result<bool> {
        loop {
            let mut fds = [
                libc::pollfd {
                    fd: std::os::fd::AsRawFd::as_raw_fd(&self.source),
                    events: libc::POLLIN,
                    revents: 0,
                },
                libc::pollfd {
                    fd: std::os::fd::AsRawFd::as_raw_fd(&self.stop_r),
                    events: libc::POLLIN,
                    revents: 0,
                },
            ];
            sys::poll(&mut fds, None)?;
            if fds[1].revents != 0 {
                return Ok(false);
            }
            if fds[0].revents != 0 {
                return Ok(true);
            }
        }
    }

    /// Parks a token for the loop, or hands it straight back if nobody
    /// wants it any more.
    fn deliver(&self, byte: u8) {
        let mut st = self.shared.lock();
        if st.wanted && !st.stopping && st.ready.is_none() {
            st.ready = Some(byte);
            st.wanted = false;
            let _ = sys::write_one(self.ready_w.as_fd(), 0);
        } else {
            drop(st);
            let _ = self.sink.put(byte);
        }
    }
}
