//! The client side: joining a jobserver and taking tokens without blocking.
//!
//! Owns the acquire path. Tokens are read only from a *private*,
//! non-blocking open file description (a fifo opened by path; an inherited
//! pipe reopened through `/proc/self/fd/N`), so the O_NONBLOCK flag of the
//! description shared with other processes is never touched and the make
//! never sleeps in `read()`. The make's event loop polls [`Client::poll_fd`]
//! together with its child-exit source and calls [`Client::try_acquire`];
//! EAGAIN (another process won the race) just means "back to the loop".
//! Where no private description can be had, the helper thread of
//! `fallback.rs` does the blocking read instead.

use std::ffi::{CString, OsStr};
use std::fmt;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::auth::{self, Auth, Malformed, Named};
use crate::children::{Access, ChildFds, Numbers};
use crate::fallback::{Fallback, Taken};
use crate::sys::{self, ReadOne};
use crate::token::{Token, WriteSide};

/// GNU make's words when the jobserver handed down cannot be used.
pub const UNAVAILABLE_WARNING: &str =
    "warning: jobserver unavailable: using -j1.  Add '+' to parent make rule.";

/// Why a jobserver named in MAKEFLAGS cannot be joined.
#[derive(Debug)]
pub enum ClientError {
    /// The descriptors are closed, not pipes, or open the wrong way: the
    /// parent did not mean us to have them. The make prints
    /// [`UNAVAILABLE_WARNING`] and runs with `-j1`.
    Unavailable {
        /// The jobserver named.
        auth: Auth,
        /// What was wrong with its descriptors.
        reason: String,
    },
    /// The auth word does not follow the grammar.
    Malformed(Malformed),
    /// `fifo:PATH` names nothing.
    FifoMissing(PathBuf),
    /// `fifo:PATH` names something that is not a fifo.
    NotAFifo(PathBuf),
    /// The fifo exists but could not be opened (permissions, ...).
    Open {
        /// The fifo's path.
        path: PathBuf,
        /// Why it could not be opened.
        error: io::Error,
    },
    /// Setting up our own side failed (out of descriptors, ...).
    Io(io::Error),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Unavailable { auth, reason } => {
                write!(f, "jobserver {auth} unavailable: {reason}")
            }
            ClientError::Malformed(m) => m.fmt(f),
            ClientError::FifoMissing(p) => {
                write!(f, "jobserver fifo {} does not exist", p.display())
            }
            ClientError::NotAFifo(p) => write!(f, "jobserver path {} is not a fifo", p.display()),
            ClientError::Open { path, error } => {
                write!(f, "cannot open jobserver fifo {}: {error}", path.display())
            }
            ClientError::Io(e) => write!(f, "jobserver: {e}"),
        }
    }
}

impl std::error::Error for ClientError {}

impl From<Malformed> for ClientError {
    fn from(m: Malformed) -> Self {
        ClientError::Malformed(m)
    }
}

/// How tokens are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// A private non-blocking description if one can be had, else the
    /// helper thread.
    Auto,
    /// Always the helper thread (for platforms without `/proc`, and tests).
    HelperThread,
}

#[derive(Debug)]
enum Reader {
    /// Our own non-blocking description: read it directly.
    Private(OwnedFd),
    /// A thread blocks in read() on our behalf.
    Helper(Fallback),
}

/// A member of a jobserver. Each token taken is a [`Token`].
#[derive(Debug)]
pub struct Client {
    auth: Auth,
    reader: Reader,
    sink: Arc<WriteSide>,
    /// How this client's own children reach the jobserver: the inherited
    /// descriptor numbers (marked close-on-exec, never closed), and for a
    /// fifo its path plus descriptors opened on it, so that children that
    /// only understand `R,W` (GNU make < 4.4, GCC 12) can join too.
    access: Access,
}

impl Client {
    /// Joins the jobserver named in a MAKEFLAGS or MFLAGS value.
    /// `Ok(None)`: no jobserver there. GNU make 4.4's "not for you" marker
    /// (`--jobserver-auth=-2,-2` last) is [`ClientError::Unavailable`], as
    /// GNU make treats it.
    pub fn from_makeflags(makeflags: &[u8]) -> Result<Option<Client>, ClientError> {
        match auth::find(makeflags)? {
            Named::Join(a) => {
                let client = Client::from_auth(&a, Strategy::Auto)?;
                if matches!(a, Auth::Fifo(_)) {
                    // Descriptors named beside the fifo are not for our
                    // non-recursive children.
                    for (read, write) in auth::pipe_numbers(makeflags) {
                        for fd in [read, write] {
                            if sys::fd_is_open(fd) && !crate::inherited::closed_at_start(fd) {
                                let _ = sys::set_cloexec(fd, true);
                            }
                        }
                    }
                }
                Ok(Some(client))
            }
            Named::Disabled => Err(ClientError::Unavailable {
                auth: Auth::Pipe {
                    read: -2,
                    write: -2,
                },
                reason: "the parent make gave this command no jobserver".into(),
            }),
            Named::Nothing => Ok(None),
        }
    }

    /// Joins the jobserver in `$MAKEFLAGS`, else in `$MFLAGS`.
    pub fn from_env() -> Result<Option<Client>, ClientError> {
        for var in ["MAKEFLAGS", "MFLAGS"] {
            if let Some(v) = std::env::var_os(var) {
                if let Some(c) = Client::from_makeflags(v.as_bytes())? {
                    return Ok(Some(c));
                }
            }
        }
        Ok(None)
    }

    /// Joins the jobserver at `auth`.
    ///
    /// For a pipe, the inherited descriptors are checked (open, pipes, the
    /// right access mode), marked close-on-exec (see
    /// [`prepare_child`](Client::prepare_child)) and never closed.
    pub fn from_auth(auth: &Auth, strategy: Strategy) -> Result<Client, ClientError> {
        match auth {
            Auth::Pipe { read, write } => Client::from_pipe(auth, *read, *write, strategy),
            Auth::Fifo(path) => Client::from_fifo(auth, path, strategy),
        }
    }

    fn from_pipe(
        auth: &Auth,
        read: RawFd,
        write: RawFd,
        strategy: Strategy,
    ) -> Result<Client, ClientError> {
        let unavailable = |reason: String| ClientError::Unavailable {
            auth: auth.clone(),
            reason,
        };
        let (r, w) = borrow_inherited(read, write).map_err(&unavailable)?;
        check_pipe_end(r, libc::O_WRONLY).map_err(|e| unavailable(format!("fd {read}: {e}")))?;
        check_pipe_end(w, libc::O_RDONLY).map_err(|e| unavailable(format!("fd {write}: {e}")))?;
        let sink = WriteSide::new(sys::dup(w).map_err(ClientError::Io)?);
        let reader = match strategy {
            Strategy::Auto => match reopen_private(read) {
                Ok(fd) => Reader::Private(fd),
                Err(_) => helper(r, &sink)?,
            },
            Strategy::HelperThread => helper(r, &sink)?,
        };
        // Non-recursive children must not inherit the jobserver; recursive
        // ones get it through `prepare_child`.
        for fd in [read, write] {
            sys::set_cloexec(fd, true).map_err(ClientError::Io)?;
        }
        Ok(Client {
            auth: auth.clone(),
            reader,
            sink,
            access: Access {
                fifo: None,
                pipe: Some(Numbers::borrowed(read, write)),
            },
        })
    }

    fn from_fifo(auth: &Auth, path: &Path, strategy: Strategy) -> Result<Client, ClientError> {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(ClientError::FifoMissing(path.to_owned()))
            }
            Err(error) => {
                return Err(ClientError::Open {
                    path: path.to_owned(),
                    error,
                })
            }
        };
        if !std::os::unix::fs::FileTypeExt::is_fifo(&meta.file_type()) {
            return Err(ClientError::NotAFifo(path.to_owned()));
        }
        let open_err = |error| ClientError::Open {
            path: path.to_owned(),
            error,
        };
        let cpath = CString::new(path.as_os_str().as_bytes())
            .map_err(|e| open_err(io::Error::new(io::ErrorKind::InvalidInput, e)))?;
        // O_RDWR: opening never blocks, we are never at end of file, and a
        // write can never raise SIGPIPE. The description is ours alone, so
        // it may be non-blocking.
        let fd = sys::open(&cpath, libc::O_RDWR | libc::O_NONBLOCK).map_err(open_err)?;
        if !sys::is_fifo(sys::fd_mode(fd.as_fd()).map_err(ClientError::Io)?) {
            // Swapped for something else between stat and open.
            return Err(ClientError::NotAFifo(path.to_owned()));
        }
        let sink = WriteSide::new(sys::dup(fd.as_fd()).map_err(ClientError::Io)?);
        let reader = match strategy {
            Strategy::Auto => Reader::Private(fd),
            Strategy::HelperThread => {
                // The helper wants a blocking description of its own.
                let blocking = sys::open(&cpath, libc::O_RDWR).map_err(open_err)?;
                helper(blocking.as_fd(), &sink)?
            }
        };
        // Descriptors on the fifo for recursive children that only speak
        // `R,W`; without them, children get the fifo's path alone.
        let pipe = Numbers::open_on_fifo(path).ok();
        Ok(Client {
            auth: auth.clone(),
            reader,
            sink,
            access: Access {
                fifo: Some(path.to_owned()),
                pipe,
            },
        })
    }

    /// Where this jobserver lives (`R,W` or `fifo:PATH`).
    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    /// The `--jobserver-auth=` word GNU make 4.4.1 would show in
    /// `$(MAKEFLAGS)`: the fifo's path if there is one, else `R,W`.
    pub fn auth_word(&self) -> Vec<u8> {
        self.access.gnu_word()
    }

    /// The jobserver words this client's children get in their
    /// environment's MAKEFLAGS (see [`Server::child_auth_words`](crate::Server::child_auth_words)).
    pub fn child_auth_words(&self) -> Vec<Vec<u8>> {
        self.access.child_words()
    }

    /// Readable means "a token may be available": poll it in the same
    /// `poll()` as child exits, then call [`try_acquire`](Client::try_acquire).
    pub fn poll_fd(&self) -> BorrowedFd<'_> {
        match &self.reader {
            Reader::Private(fd) => fd.as_fd(),
            Reader::Helper(h) => h.poll_fd(),
        }
    }

    /// Takes a token if one is there right now. Never blocks.
    ///
    /// `Ok(None)`: none yet (another process may have won the race); go
    /// back to the event loop. An `UnexpectedEof` error means the jobserver
    /// is gone (no writer is left).
    pub fn try_acquire(&self) -> io::Result<Option<Token>> {
        let got = match &self.reader {
            Reader::Private(fd) => sys::read_one(fd.as_fd())?,
            Reader::Helper(h) => match h.take() {
                Taken::Byte(b) => ReadOne::Byte(b),
                Taken::Nothing => ReadOne::Empty,
                Taken::Eof => ReadOne::Eof,
            },
        };
        match got {
            ReadOne::Byte(b) => Ok(Some(Token::new(b, Arc::clone(&self.sink)))),
            ReadOne::Empty => Ok(None),
            ReadOne::Eof => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "jobserver pipe closed",
            )),
        }
    }

    /// Waits (in `poll`, never in `read`) up to `timeout` for a token.
    /// For simple tools; a make uses its own event loop instead.
    pub fn acquire_timeout(&self, timeout: Duration) -> io::Result<Option<Token>> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(t) = self.try_acquire()? {
                return Ok(Some(t));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                self.withdraw()?;
                return Ok(None);
            }
            sys::poll_one(self.poll_fd(), libc::POLLIN, Some(left))?;
        }
    }

    /// The make no longer wants a token (nothing left to start). With the
    /// helper thread, hands back a token it may have read meanwhile.
    pub fn withdraw(&self) -> io::Result<()> {
        match &self.reader {
            Reader::Private(_) => Ok(()),
            Reader::Helper(h) => h.withdraw(),
        }
    }

    /// Writes a token back (the same byte). Same as dropping it, but
    /// reports failure.
    pub fn release(&self, token: Token) -> io::Result<()> {
        token.release()
    }

    /// Whether tokens go through the helper thread.
    pub fn uses_helper_thread(&self) -> bool {
        matches!(self.reader, Reader::Helper(_))
    }

    /// Before spawning a child: what it inherits of the jobserver (see
    /// [`Server::prepare_child`](crate::Server::prepare_child)).
    pub fn prepare_child(&self, recursive: bool) -> io::Result<ChildFds> {
        self.access.prepare_child(recursive)
    }
}

/// Borrows inherited descriptor numbers after checking they are open.
fn borrow_inherited(
    read: RawFd,
    write: RawFd,
) -> Result<(BorrowedFd<'static>, BorrowedFd<'static>), String> {
    for fd in [read, write] {
        // A number closed when the process started may have been taken
        // since by a file of its own.
        if !sys::fd_is_open(fd) || crate::inherited::closed_at_start(fd) {
            return Err(format!("fd {fd} is not open"));
        }
    }
    // SAFETY: both are open; we only inspect and dup them, and they are
    // never closed by this crate, so the borrow cannot dangle while we use it.
    Ok(unsafe { (BorrowedFd::borrow_raw(read), BorrowedFd::borrow_raw(write)) })
}

/// A pipe end must be a fifo and not open the wrong way round.
fn check_pipe_end(fd: BorrowedFd<'_>, wrong_mode: libc::c_int) -> Result<(), String> {
    let mode = sys::fd_mode(fd).map_err(|e| e.to_string())?;
    if !sys::is_fifo(mode) {
        return Err("not a pipe".into());
    }
    if sys::access_mode(fd).map_err(|e| e.to_string())? == wrong_mode {
        return Err("open in the wrong direction".into());
    }
    Ok(())
}

/// A new, private, non-blocking description of an inherited pipe (Linux).
fn reopen_private(fd: RawFd) -> io::Result<OwnedFd> {
    let path = format!("/proc/self/fd/{fd}");
    let c = CString::new(OsStr::new(&path).as_bytes())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let new = sys::open(&c, libc::O_RDONLY | libc::O_NONBLOCK)?;
    // Make sure the reopen gave the same pipe, not something else.
    if !sys::is_fifo(sys::fd_mode(new.as_fd())?) {
        return Err(io::Error::other("reopened fd is not a pipe"));
    }
    Ok(new)
}

fn helper(source: BorrowedFd<'_>, sink: &Arc<WriteSide>) -> Result<Reader, ClientError> {
    let src = sys::dup(source).map_err(ClientError::Io)?;
    Fallback::start(src, Arc::clone(sink))
        .map(Reader::Helper)
        .map_err(ClientError::Io)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Server, Style};
    use std::os::fd::AsRawFd;

    fn flags_of(fd: RawFd) -> libc::c_int {
        // SAFETY: F_GETFL only reads the flags of a descriptor number.
        unsafe { libc::fcntl(fd, libc::F_GETFL) }
    }

    #[test]
    fn try_acquire_never_blocks_on_empty_pipe() {
        for style in [Style::Pipe, Style::Fifo] {
            let s = Server::create(2, style, None).unwrap();
            let c = s.client().unwrap();
            assert!(!c.uses_helper_thread());
            let t = c.try_acquire().unwrap().expect("one token");
            let start = Instant::now();
            assert!(c.try_acquire().unwrap().is_none());
            assert!(start.elapsed() < Duration::from_secs(1));
            drop(t);
            assert_eq!(s.tokens_available().unwrap(), 1);
        }
    }

    #[test]
    fn shared_description_stays_blocking() {
        let s = Server::create(3, Style::Pipe, None).unwrap();
        let Auth::Pipe { read, write } = *s.auth() else {
            panic!()
        };
        let c = s.client().unwrap();
        let a = c.try_acquire().unwrap();
        let b = c.try_acquire().unwrap();
        assert!(c.try_acquire().unwrap().is_none());
        assert_eq!(flags_of(read) & libc::O_NONBLOCK, 0);
        assert_eq!(flags_of(write) & libc::O_NONBLOCK, 0);
        // Our reader is a different, non-blocking description.
        assert_ne!(flags_of(c.poll_fd().as_raw_fd()) & libc::O_NONBLOCK, 0);
        drop((a, b));
    }

    #[test]
    fn token_writes_back_the_byte_it_read() {
        let s = Server::create(1, Style::Fifo, None).unwrap();
        let c = s.client().unwrap();
        sys::write_one(s.write.as_fd(), b'x').unwrap();
        let t = c.try_acquire().unwrap().unwrap();
        assert_eq!(t.byte(), b'x');
        c.release(t).unwrap();
        let t = c.try_acquire().unwrap().unwrap();
        assert_eq!(t.byte(), b'x', "same byte came back");
        drop(t);
        assert_eq!(s.tokens_available().unwrap(), 1);
    }

    #[test]
    fn from_makeflags_none_forms() {
        assert!(Client::from_makeflags(b"-j4").unwrap().is_none());
        assert!(Client::from_makeflags(b"").unwrap().is_none());
        // GNU 4.4's marker for a command that is not recursive: the make
        // says the jobserver is unavailable and runs -j1.
        let e = Client::from_makeflags(b"--jobserver-auth=3,4 --jobserver-auth=-2,-2").unwrap_err();
        assert!(matches!(e, ClientError::Unavailable { .. }), "{e}");
    }

    #[test]
    fn closed_fds_are_unavailable() {
        // High numbers no other test in this process comes near.
        let ra = (900..1000).find(|&fd| !sys::fd_is_open(fd)).unwrap();
        let rb = ra + 1;
        let flags = format!("-j4 --jobserver-auth={ra},{rb}");
        let e = Client::from_makeflags(flags.as_bytes()).unwrap_err();
        assert!(matches!(e, ClientError::Unavailable { .. }), "{e}");
    }

    #[test]
    fn regular_file_fds_are_unavailable() {
        let f = std::fs::File::open("/proc/self/status")
            .or_else(|_| std::fs::File::open("/etc/passwd"))
            .unwrap();
        let fd = f.as_raw_fd();
        let e =
            Client::from_makeflags(format!("--jobserver-auth={fd},{fd}").as_bytes()).unwrap_err();
        assert!(matches!(e, ClientError::Unavailable { .. }), "{e}");
    }

    #[test]
    fn swapped_pipe_ends_are_unavailable() {
        let (r, w) = sys::pipe().unwrap();
        let flags = format!("--jobserver-auth={},{}", w.as_raw_fd(), r.as_raw_fd());
        let e = Client::from_makeflags(flags.as_bytes()).unwrap_err();
        assert!(matches!(e, ClientError::Unavailable { .. }), "{e}");
    }

    #[test]
    fn fifo_path_errors() {
        let e = Client::from_makeflags(b"--jobserver-auth=fifo:/nonexistent/fairmake/fifo")
            .unwrap_err();
        assert!(matches!(e, ClientError::FifoMissing(_)), "{e}");
        let e = Client::from_makeflags(b"--jobserver-auth=fifo:/etc/passwd").unwrap_err();
        assert!(matches!(e, ClientError::NotAFifo(_)), "{e}");
        let e = Client::from_makeflags(b"--jobserver-auth=fifo:/").unwrap_err();
        assert!(matches!(e, ClientError::NotAFifo(_)), "{e}");
        let e = Client::from_makeflags(b"--jobserver-auth=nonsense").unwrap_err();
        assert!(matches!(e, ClientError::Malformed(_)), "{e}");
    }

    #[test]
    fn helper_thread_acquires_and_releases() {
        for style in [Style::Pipe, Style::Fifo] {
            let s = Server::create(3, style, None).unwrap();
            let c = Client::from_auth(s.auth(), Strategy::HelperThread).unwrap();
            assert!(c.uses_helper_thread());
            let a = c.acquire_timeout(Duration::from_secs(10)).unwrap().unwrap();
            let b = c.acquire_timeout(Duration::from_secs(10)).unwrap().unwrap();
            assert!(c
                .acquire_timeout(Duration::from_millis(50))
                .unwrap()
                .is_none());
            assert_eq!(s.tokens_available().unwrap(), 0);
            drop((a, b));
            wait_for(|| s.tokens_available().unwrap() == 2);
        }
    }

    #[test]
    fn helper_hands_back_a_token_nobody_wants() {
        let s = Server::create(1, Style::Pipe, None).unwrap();
        let helped = Client::from_auth(s.auth(), Strategy::HelperThread).unwrap();
        let other = s.client().unwrap();
        // The helper starts waiting for a token, then the make withdraws.
        assert!(helped.try_acquire().unwrap().is_none());
        helped.withdraw().unwrap();
        sys::write_one(s.write.as_fd(), crate::TOKEN_BYTE).unwrap();
        // Whether the helper's read won or not, the token must reach the
        // other client: it is not parked where nobody wants it.
        let t = other
            .acquire_timeout(Duration::from_secs(10))
            .unwrap()
            .expect("token handed back");
        drop(t);
        assert!(helped.try_acquire().unwrap().is_none() || s.tokens_available().unwrap() == 0);
        drop(helped);
        wait_for(|| s.tokens_available().unwrap() == 1);
    }

    fn wait_for(mut cond: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !cond() {
            assert!(Instant::now() < deadline, "condition not met in 10s");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}
