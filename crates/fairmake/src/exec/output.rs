//! Output sync (`-O`/`--output-sync`): a job's output goes to private,
//! unnamed temporary files and reaches the terminal in one piece when the
//! job (or, with `-Oline`, each command) ends.
//!
//! Make's own words about a job (its errors, the `$(info)` and `$(shell)`
//! output of expanding its recipe) belong to the job's block too, and so does
//! what reading the makefiles prints: while such a block is being written,
//! file descriptors 1 and 2 themselves point into it ([`Captured::redirect`]),
//! so that `$(shell)` children write there as well.
//!
//! A make started with its standard output closed holds descriptor 1
//! with a placeholder ([`hold_closed_stdout`]), which no child inherits,
//! and collects no job's stdout: the jobs find it closed, as they do
//! without `-O` (GNU make 4.4.1).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::process::Stdio;
use std::sync::OnceLock;

/// Output held back for one block.
pub struct Captured {
    /// `None` when make's stdout was closed: nothing is collected for it.
    out: Option<File>,
    /// stderr's own file; `None` when stdout and stderr are one file (a
    /// terminal, a `2>&1` log), where their lines keep their order in one.
    err: Option<File>,
}

/// Make was started with descriptor 1 closed (see [`hold_closed_stdout`]).
static STDOUT_CLOSED: OnceLock<bool> = OnceLock::new();

/// Whether make was started with its standard output closed.
fn stdout_closed() -> bool {
    STDOUT_CLOSED.get().copied().unwrap_or(false)
}

/// To be called first thing, before anything opens a file: when make's
/// standard output is closed, descriptor 1 gets a placeholder, so that no
/// file make opens (a temporary file of `-O`, the jobserver's fifo) takes
/// its place and receives what make says on stdout. The placeholder is
/// `/dev/null` opened read-only, so make's own writes there still fail
/// (EBADF, as on a closed descriptor), and close-on-exec, so that every
/// child finds its stdout closed, as it would have.
pub fn hold_closed_stdout() {
    // SAFETY: fcntl, open, dup3 and close on descriptor numbers, before any
    // other part of make holds a descriptor.
    let held = unsafe {
        if libc::fcntl(libc::STDOUT_FILENO, libc::F_GETFD) != -1 {
            false
        } else {
            let fd = libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC);
            // (Not at 1 when stdin was closed too, which stays so.)
            if fd >= 0 && fd != libc::STDOUT_FILENO {
                libc::dup3(fd, libc::STDOUT_FILENO, libc::O_CLOEXEC);
                libc::close(fd);
            }
            fd >= 0
        }
    };
    let _ = STDOUT_CLOSED.set(held);
}

/// Whether fds 1 and 2 are the same open file, decided once at the start
/// (while they are still make's own).
fn stdout_is_stderr() -> bool {
    static SHARED: OnceLock<bool> = OnceLock::new();
    *SHARED.get_or_init(|| {
        let out = rustix::fs::fstat(rustix::stdio::stdout());
        let err = rustix::fs::fstat(rustix::stdio::stderr());
        match (out, err) {
            (Ok(o), Ok(e)) => o.st_dev == e.st_dev && o.st_ino == e.st_ino,
            _ => false,
        }
    })
}

impl Captured {
    /// Unnamed temporary files (never visible in a shared directory), in
    /// make's temporary directory.
    pub fn new() -> std::io::Result<Captured> {
        let dir = super::tmpdir::temp_dir();
        let out = match stdout_closed() {
            true => None,
            false => Some(tempfile::tempfile_in(&dir)?),
        };
        let err = if stdout_is_stderr() && out.is_some() {
            None
        } else {
            Some(tempfile::tempfile_in(&dir)?)
        };
        Ok(Captured { out, err })
    }

    /// Where stderr is collected: its own file, or stdout's (`new` makes
    /// one of the two).
    fn err_file(&self) -> Option<&File> {
        self.err.as_ref().or(self.out.as_ref())
    }

    /// A command echo, written where the job's output goes (where make's
    /// stdout is closed, nowhere).
    pub fn echo(&mut self, text: &[u8]) {
        if let Some(out) = &mut self.out {
            let _ = out.write_all(text);
            let _ = out.write_all(b"\n");
        }
    }

    /// Where the child's stdout and stderr go: make's own stdout (held,
    /// closed in the child) when it was closed.
    pub fn fds(&self) -> (BorrowedFd<'_>, BorrowedFd<'_>) {
        let out = match &self.out {
            Some(out) => out.as_fd(),
            None => rustix::stdio::stdout(),
        };
        let err = match self.err_file() {
            Some(err) => err.as_fd(),
            None => rustix::stdio::stderr(),
        };
        (out, err)
    }

    /// The child's stdout and stderr, for std's `Command`.
    pub fn stdio(&self) -> std::io::Result<(Stdio, Stdio)> {
        let out = match &self.out {
            Some(out) => Stdio::from(out.try_clone()?),
            None => Stdio::inherit(),
        };
        let err = match self.err_file() {
            Some(err) => Stdio::from(err.try_clone()?),
            None => Stdio::inherit(),
        };
        Ok((out, err))
    }

    /// Points fds 1 and 2 into this block until the guard is dropped.
    pub fn redirect(&self) -> Option<Redirected> {
        let _ = std::io::stdout().flush();
        let saved_out = rustix::io::fcntl_dupfd_cloexec(rustix::stdio::stdout(), 0).ok()?;
        let saved_err = rustix::io::fcntl_dupfd_cloexec(rustix::stdio::stderr(), 0).ok()?;
        let guard = Redirected {
            saved_out,
            saved_err,
        };
        if let Some(out) = &self.out {
            rustix::stdio::dup2_stdout(out.as_fd()).ok()?;
        }
        if let Some(err) = self.err_file() {
            rustix::stdio::dup2_stderr(err.as_fd()).ok()?;
        }
        Some(guard)
    }

    /// Drops what was captured unseen: the block of a job make never
    /// collects (GNU prints a block only when it reaps the job).
    pub fn discard(mut self) {
        if let Some(out) = &mut self.out {
            let _ = take_all(out);
        }
        if let Some(err) = &mut self.err {
            let _ = take_all(err);
        }
    }

    /// Copies what was captured to the real stdout and stderr, then empties
    /// the files for what comes next.
    pub fn flush(&mut self) {
        let out = self.out.as_mut().map(take_all).unwrap_or_default();
        let err = self.err.as_mut().map(take_all).unwrap_or_default();
        if out.is_empty() && err.is_empty() {
            return;
        }
        let dir = crate::diag::sync_directory();
        let line = |what| {
            dir.as_deref()
                .map(|d| format!("{}\n", crate::diag::directory_line(what, d)))
                .unwrap_or_default()
        };
        // As few writes as can be, under the lock all the makes of the
        // build share, so that parallel makes do not mix.
        let _held = super::sync_mutex::lock();
        let mut first = line("Entering").into_bytes();
        first.extend_from_slice(&out);
        let last = line("Leaving").into_bytes();
        // A block that begins with its directory line fails there first,
        // which GNU does not say (only at exit, `write error: stdout`).
        let say = dir.is_none();
        if err.is_empty() {
            first.extend_from_slice(&last);
            write_out(&first, say);
        } else {
            write_out(&first, say);
            let mut stderr = std::io::stderr().lock();
            let _ = stderr.write_all(&err);
            let _ = stderr.flush();
            write_out(&last, say);
        }
    }
}

impl Drop for Captured {
    /// Nothing captured is lost, whatever way the block ends.
    fn drop(&mut self) {
        self.flush();
    }
}

/// While alive, fds 1 and 2 point into a [`Captured`]; dropping it puts make's
/// own back.
pub struct Redirected {
    saved_out: OwnedFd,
    saved_err: OwnedFd,
}

impl Drop for Redirected {
    fn drop(&mut self) {
        let _ = std::io::stdout().flush();
        let _ = rustix::stdio::dup2_stdout(self.saved_out.as_fd());
        let _ = rustix::stdio::dup2_stderr(self.saved_err.as_fd());
        // dup2 clears close-on-exec: the placeholder of a closed stdout
        // must keep it, or every later job would find /dev/null there.
        if stdout_closed() {
            let stdout = rustix::stdio::stdout();
            let _ = rustix::io::fcntl_setfd(stdout, rustix::io::FdFlags::CLOEXEC);
        }
    }
}

/// Writes a block's stdout part; `say`: a failure is said at once
/// (`fwrite(): ...`), else only noted for the exit's message.
fn write_out(data: &[u8], say: bool) {
    if data.is_empty() {
        return;
    }
    let mut stdout = std::io::stdout().lock();
    let written = stdout.write_all(data).and_then(|()| stdout.flush());
    if let Err(e) = written {
        // A closed pipe raised SIGPIPE: make dies in this write, as GNU
        // make does, before the block's stderr part is written.
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            super::signals::end_now_if_pending();
        }
        // As GNU's copy of a block does (`fwrite(): No space left on
        // device`); make then ends with `write error: stdout`, status 1.
        // A closed pipe is SIGPIPE's business.
        // Said once: the stream stays in error (GNU's stdio does too).
        if say && e.kind() != std::io::ErrorKind::BrokenPipe && !crate::diag::stdout_failed() {
            eprintln!("fwrite(): {}", crate::diag::io_error_text(&e));
        }
        crate::diag::note_stdout_failed();
    }
}

/// What `file` holds; it is left empty for what comes next.
fn take_all(file: &mut File) -> Vec<u8> {
    let mut data = Vec::new();
    if file.seek(SeekFrom::Start(0)).is_ok() {
        let _ = file.read_to_end(&mut data);
    }
    let _ = file.set_len(0);
    let _ = file.seek(SeekFrom::Start(0));
    data
}
