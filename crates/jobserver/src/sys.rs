//! Thin, safe wrappers over the few POSIX calls the protocol needs.
//!
//! Every other module talks to the kernel through here, so the `unsafe`
//! blocks, the `-1`/`errno` convention and the EINTR policy live in one place.
//! Nothing here knows about tokens or MAKEFLAGS.

use std::ffi::CStr;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

/// Turns a libc `-1` return into the thread's `errno` as an `io::Error`.
fn cvt(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// Is `fd` an open descriptor in this process?
pub fn fd_is_open(fd: RawFd) -> bool {
    // SAFETY: F_GETFD only inspects the descriptor table; any integer is fine.
    fd >= 0 && unsafe { libc::fcntl(fd, libc::F_GETFD) } != -1
}

/// The `fstat` mode bits of an open descriptor.
pub fn fd_mode(fd: BorrowedFd<'_>) -> io::Result<libc::mode_t> {
    // SAFETY: `st` is plain data; fstat fills it or fails.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: a borrowed, open fd and a `stat` to fill.
    cvt(unsafe { libc::fstat(fd.as_raw_fd(), &mut st) })?;
    Ok(st.st_mode)
}

/// `(st_dev, st_ino)` of an open descriptor: what it refers to.
pub fn file_id(fd: BorrowedFd<'_>) -> io::Result<(u64, u64)> {
    // SAFETY: `st` is plain data; fstat fills it or fails.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: a borrowed, open fd and a `stat` to fill.
    cvt(unsafe { libc::fstat(fd.as_raw_fd(), &mut st) })?;
    Ok((st.st_dev, st.st_ino))
}

/// The access mode (`O_RDONLY`, `O_WRONLY`, `O_RDWR`) of an open description.
pub fn access_mode(fd: BorrowedFd<'_>) -> io::Result<libc::c_int> {
    // SAFETY: F_GETFL on a borrowed, open fd.
    let fl = cvt(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) })?;
    Ok(fl & libc::O_ACCMODE)
}

/// Whether a mode is a fifo (named or anonymous pipe).
pub fn is_fifo(mode: libc::mode_t) -> bool {
    mode & libc::S_IFMT == libc::S_IFIFO
}

/// Sets or clears FD_CLOEXEC. This is a per-descriptor flag, not a property
/// of the shared open file description, so other processes never see it.
pub fn set_cloexec(fd: RawFd, on: bool) -> io::Result<()> {
    // SAFETY: fcntl on an fd number; an invalid one gives EBADF.
    let flags = cvt(unsafe { libc::fcntl(fd, libc::F_GETFD) })?;
    let new = if on {
        flags | libc::FD_CLOEXEC
    } else {
        flags & !libc::FD_CLOEXEC
    };
    if new != flags {
        // SAFETY: as for F_GETFD above.
        cvt(unsafe { libc::fcntl(fd, libc::F_SETFD, new) })?;
    }
    Ok(())
}

/// Sets or clears O_NONBLOCK on a description. Only ever called on
/// descriptions this process created and has not shared yet.
pub fn set_nonblocking(fd: BorrowedFd<'_>, on: bool) -> io::Result<()> {
    let raw = fd.as_raw_fd();
    // SAFETY: fcntl on a borrowed, open fd.
    let flags = cvt(unsafe { libc::fcntl(raw, libc::F_GETFL) })?;
    let new = if on {
        flags | libc::O_NONBLOCK
    } else {
        flags & !libc::O_NONBLOCK
    };
    // SAFETY: as for F_GETFL above.
    cvt(unsafe { libc::fcntl(raw, libc::F_SETFL, new) })?;
    Ok(())
}

/// `open(2)` with O_CLOEXEC always added, retried on EINTR.
pub fn open(path: &CStr, flags: libc::c_int) -> io::Result<OwnedFd> {
    loop {
        // SAFETY: `path` is NUL-terminated; the mode argument is unused
        // without O_CREAT.
        let fd = unsafe { libc::open(path.as_ptr(), flags | libc::O_CLOEXEC) };
        match cvt(fd) {
            // SAFETY: a fresh descriptor that nobody else owns.
            Ok(fd) => return Ok(unsafe { OwnedFd::from_raw_fd(fd) }),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

/// A new pipe, both ends close-on-exec.
pub fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [-1; 2];
    // SAFETY: `fds` has room for the two descriptors.
    cvt(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) })?;
    // SAFETY: both are fresh descriptors owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// `F_DUPFD_CLOEXEC`: a second descriptor for the same description.
pub fn dup(fd: BorrowedFd<'_>) -> io::Result<OwnedFd> {
    fd.try_clone_to_owned()
}

/// Bytes waiting in a pipe (FIONREAD). Reading nothing, it takes no token.
pub fn bytes_readable(fd: BorrowedFd<'_>) -> io::Result<usize> {
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD writes one int.
    cvt(unsafe { libc::ioctl(fd.as_raw_fd(), libc::FIONREAD, &mut n) })?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Outcome of one non-blocking read attempt of a single byte.
#[derive(Debug, PartialEq, Eq)]
pub enum ReadOne {
    Byte(u8),
    /// EAGAIN: nothing there (another reader may have won the race).
    Empty,
    /// End of file: no writer is left on the pipe.
    Eof,
}

/// Reads at most one byte. EINTR is retried; EAGAIN becomes `Empty`.
pub fn read_one(fd: BorrowedFd<'_>) -> io::Result<ReadOne> {
    let mut byte = 0u8;
    loop {
        // SAFETY: reading one byte into a one-byte buffer.
        let n = unsafe { libc::read(fd.as_raw_fd(), (&mut byte as *mut u8).cast(), 1) };
        match n {
            1 => return Ok(ReadOne::Byte(byte)),
            0 => return Ok(ReadOne::Eof),
            _ => {
                let e = io::Error::last_os_error();
                match e.kind() {
                    io::ErrorKind::Interrupted => continue,
                    io::ErrorKind::WouldBlock => return Ok(ReadOne::Empty),
                    _ => return Err(e),
                }
            }
        }
    }
}

/// Writes one byte, retrying EINTR, and waiting (bounded) for room if the
/// description happens to be non-blocking and the pipe is full. A shared
/// description's flags are never changed to do this.
pub fn write_one(fd: BorrowedFd<'_>, byte: u8) -> io::Result<()> {
    let mut waited = Duration::ZERO;
    loop {
        // SAFETY: writing one byte from a one-byte buffer.
        let n = unsafe { libc::write(fd.as_raw_fd(), (&byte as *const u8).cast(), 1) };
        if n == 1 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        match e.kind() {
            io::ErrorKind::Interrupted => continue,
            io::ErrorKind::WouldBlock if waited < Duration::from_secs(10) => {
                poll_one(fd, libc::POLLOUT, Some(Duration::from_millis(100)))?;
                waited += Duration::from_millis(100);
            }
            _ => return Err(e),
        }
    }
}

/// Polls one descriptor for `events`; returns the revents (0 on timeout).
/// EINTR counts as a timeout: callers loop anyway.
pub fn poll_one(
    fd: BorrowedFd<'_>,
    events: libc::c_short,
    timeout: Option<Duration>,
) -> io::Result<libc::c_short> {
    let mut pfd = [libc::pollfd {
        fd: fd.as_raw_fd(),
        events,
        revents: 0,
    }];
    poll(&mut pfd, timeout)?;
    Ok(pfd[0].revents)
}

/// `poll(2)` over a set; EINTR returns `Ok(0)` so callers re-check state.
pub fn poll(fds: &mut [libc::pollfd], timeout: Option<Duration>) -> io::Result<usize> {
    let ms = match timeout {
        None => -1,
        Some(d) => libc::c_int::try_from(d.as_millis()).unwrap_or(libc::c_int::MAX),
    };
    // SAFETY: `fds` is a valid slice of pollfd for its length.
    let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
    match cvt(n) {
        Ok(n) => Ok(n as usize),
        Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(0),
        Err(e) => Err(e),
    }
}

/// The pipe capacity POSIX guarantees everywhere (PIPE_BUF).
pub fn bytes_capacity_hint() -> usize {
    libc::PIPE_BUF
}

/// Tries to make a pipe hold at least `bytes` (Linux); failure is fine,
/// the caller finds out when a write would block.
pub fn grow_pipe(fd: BorrowedFd<'_>, bytes: usize) {
    #[cfg(target_os = "linux")]
    {
        let size = libc::c_int::try_from(bytes).unwrap_or(libc::c_int::MAX);
        // SAFETY: F_SETPIPE_SZ on a pipe we own.
        unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETPIPE_SZ, size) };
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (fd, bytes);
}
