//! The lock that keeps `-O` output blocks whole across every make of a
//! recursive build.
//!
//! A block is written with as few writes as can be, but a block larger
//! than PIPE_BUF written to a pipe (`make -O -j8 | tee log`) is not one
//! atomic write: without a lock, the blocks of parallel sub-makes
//! interleave in the log. Each make therefore holds a lock while it writes
//! a block.
//!
//! The lock is GNU make 4.4's, so that GNU sub-makes and fairmake ones
//! exclude each other: the top-level make of a parallel `-O` build creates
//! an empty file in `$MAKE_TMPDIR` or `$TMPDIR` and names it in MAKEFLAGS
//! as `--sync-mutex=fnm:PATH`; every make opens that file and takes a POSIX
//! record lock (`fcntl(F_SETLKW)`) on its first byte around each block;
//! the top-level make removes the file at exit (also when a fatal signal
//! ends it). A file named in MAKEFLAGS rather than stdout alone: it is the
//! same object for every make of the build whatever stdout is (a terminal,
//! a pipe, a file each sub-make reopened), it needs nothing from the
//! device, and GNU 4.4's sub-makes take it. Stdout is locked too, the same
//! way, after the file: that is GNU make 4.3's lock, so 4.3 sub-makes are
//! excluded as well, and the only one left when no file could be had. The
//! order (file, then stdout) is the same in every fairmake and GNU's makes
//! take only one of the two, so no two makes can wait for each other.

use std::fs::File;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The file every make of the build locks.
static MUTEX: OnceLock<File> = OnceLock::new();

/// The file this make created for its sub-makes; removed when dropped.
pub struct Owned {
    path: PathBuf,
}

impl Owned {
    /// Its path, as a file to remove if a fatal signal ends make.
    pub fn path(&self) -> Vec<u8> {
        self.path.as_os_str().as_bytes().to_vec()
    }
}

impl Drop for Owned {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Sets up the lock: opens the file named by an inherited
/// `--sync-mutex=fnm:PATH`, or, with none and `create`, creates one.
/// Returns the value for `--sync-mutex=` that children get, and the file
/// to remove at exit when this make made it; an error when it could not
/// be made (see [`say_suppressed`]).
pub fn setup(
    inherited: Option<&[u8]>,
    create: bool,
) -> std::io::Result<(Option<Vec<u8>>, Option<Owned>)> {
    if let Some(value) = inherited {
        if let Some(path) = value.strip_prefix(b"fnm:") {
            let path = std::ffi::OsStr::from_bytes(path);
            if let Ok(file) = std::fs::OpenOptions::new().write(true).open(path) {
                let _ = MUTEX.set(file);
            }
        }
        // (Passed on as it came, even when it cannot be opened here.)
        return Ok((Some(value.to_vec()), None));
    }
    if !create {
        return Ok((None, None));
    }
    let (file, path) = create_file(&super::tmpdir::temp_dir())?;
    let value = [&b"fnm:"[..], path.as_os_str().as_bytes()].concat();
    let _ = MUTEX.set(file);
    Ok((Some(value), Some(Owned { path })))
}

const PREFIX: &str = "fairmake-sync.";

/// `mkostemp` in `dir`: a new file only we can read (0600), closed on exec;
/// its error is the system's own, for GNU's message.
fn create_file(dir: &std::path::Path) -> std::io::Result<(std::fs::File, PathBuf)> {
    use std::os::fd::FromRawFd;
    use std::os::unix::ffi::OsStringExt;
    let mut template = dir.as_os_str().as_bytes().to_vec();
    template.push(b'/');
    template.extend_from_slice(PREFIX.as_bytes());
    template.extend_from_slice(b"XXXXXX\0");
    // SAFETY: a writable, NUL-terminated template ending in XXXXXX.
    let fd = unsafe { libc::mkostemp(template.as_mut_ptr().cast(), libc::O_CLOEXEC) };
    if fd == -1 {
        return Err(std::io::Error::last_os_error());
    }
    template.pop();
    // SAFETY: mkostemp returned a new descriptor that nothing else owns.
    let file = unsafe { std::fs::File::from_raw_fd(fd) };
    Ok((file, PathBuf::from(std::ffi::OsString::from_vec(template))))
}

/// Says, in GNU make 4.4.1's words, that the lock file could not be made,
/// so that output is not synchronized in this run.
pub fn say_suppressed(error: &std::io::Error) {
    crate::diag::warn(
        None,
        format_args!(
            "cannot create temporary file {}/{PREFIX}XXXXXX: {}",
            super::tmpdir::temp_dir().display(),
            crate::diag::io_error_text(error)
        ),
    );
    crate::diag::warn(
        None,
        "cannot open output-sync lock file, suppressing output-sync.",
    );
}

/// Held while a block is written; released when dropped.
pub struct Held {
    fds: [Option<RawFd>; 2],
}

/// Takes the lock (the file, then stdout), waiting for other makes. A lock
/// that cannot be taken (stdout closed, a file system without locks) is
/// done without.
pub fn lock() -> Held {
    let file = MUTEX.get().map(AsRawFd::as_raw_fd);
    let fds = [file, Some(libc::STDOUT_FILENO)].map(|fd| fd.filter(|&fd| set_lock(fd, true)));
    Held { fds }
}

impl Drop for Held {
    fn drop(&mut self) {
        for fd in self.fds.iter().rev().flatten() {
            set_lock(*fd, false);
        }
    }
}

/// A write lock on the first byte of `fd` (or its release), as GNU takes
/// it; retried when a signal interrupts the wait. Returns whether it held.
fn set_lock(fd: RawFd, lock: bool) -> bool {
    // SAFETY: flock is plain data; fcntl only reads it.
    let mut region: libc::flock = unsafe { std::mem::zeroed() };
    region.l_type = if lock { libc::F_WRLCK } else { libc::F_UNLCK } as libc::c_short;
    region.l_whence = libc::SEEK_SET as libc::c_short;
    region.l_start = 0;
    region.l_len = 1;
    loop {
        // SAFETY: fcntl on a descriptor number with a valid flock pointer.
        let r = unsafe { libc::fcntl(fd, libc::F_SETLKW, &region) };
        if r == 0 {
            return true;
        }
        if std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return false;
        }
    }
}
