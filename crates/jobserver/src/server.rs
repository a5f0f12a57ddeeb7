//! The server side: creating the jobserver, counting and healing tokens.
//!
//! Owns the pipe or fifo, the N−1 tokens put in it, the fifo's removal, and
//! the checks: how many tokens are back (FIONREAD, which takes none), GNU's
//! message at the end, and healing: taking out tokens some client wrote
//! twice, and restoring tokens lost with a killed client once no process
//! that could still give them back is alive ([`Server::heal_if_sound`]).
//! How children reach it (the MAKEFLAGS words, a description per recursive
//! child) is `children.rs`.

use std::ffi::{CString, OsString};
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use crate::auth::Auth;
use crate::children::{Access, ChildFds, Numbers};
use crate::cleanup::{self, FifoPaths};
use crate::client::{Client, ClientError, Strategy};
use crate::sys::{self, ReadOne};

/// The byte GNU make uses for the tokens it creates.
pub const TOKEN_BYTE: u8 = b'+';

/// How the jobserver is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Style {
    /// A named pipe in a private directory (`fifo:PATH`), GNU make 4.4's
    /// default. Clients open it by path; nothing is inherited. GNU make
    /// before 4.4 and GCC 12 cannot use it.
    Fifo,
    /// An anonymous pipe whose descriptors recursive children inherit
    /// (`R,W`). Understood by GNU make 4.2 to 4.4, GCC and the `jobserver`
    /// crate; not by upstream ninja 1.13, which speaks only `fifo:`.
    Pipe,
    /// One fifo, named both ways: by its path for every child, and as
    /// descriptors that recursive children inherit, so that each client
    /// finds the form it understands (see `children.rs` for the words).
    #[default]
    Both,
}

/// Job slots found at shutdown versus job slots expected, counted as GNU
/// make counts them: the tokens in the jobserver plus the implicit slot
/// of the make that created it, against `N` of `-jN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenCount {
    /// Job slots found: the tokens in the jobserver, plus one.
    pub available: usize,
    /// `N` of `-jN`.
    pub expected: usize,
}

impl TokenCount {
    /// All tokens are back, and no more.
    pub fn is_complete(&self) -> bool {
        self.available == self.expected
    }

    /// Slots missing (0 if none or a surplus).
    pub fn shortfall(&self) -> usize {
        self.expected.saturating_sub(self.available)
    }
}

impl fmt::Display for TokenCount {
    /// GNU make's wording (it prefixes `make: `).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "INTERNAL: Exiting with {} jobserver tokens available; should be {}!",
            self.available, self.expected
        )
    }
}

/// What [`Server::heal`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Healing {
    /// Tokens that were lost and have been written back.
    pub restored: usize,
    /// Surplus tokens (written twice by some client) taken out again.
    pub removed: usize,
}

/// What [`Server::heal_if_sound`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealCheck {
    /// Every token is where it should be.
    Whole,
    /// Tokens were missing and provably lost, and are back now; or tokens
    /// were written twice and are taken out.
    Healed(Healing),
    /// Tokens are out, and some live process may still give them back.
    Pending,
}

/// A jobserver for `jobs` parallel jobs: N−1 tokens plus the implicit one
/// each make has.
#[derive(Debug)]
pub struct Server {
    jobs: u32,
    style: Style,
    auth: Auth,
    /// Pipe: the shared read end. Fifo: our private O_RDWR description.
    read: OwnedFd,
    /// Pipe: the shared write end. Fifo: a duplicate of `read`.
    pub(crate) write: OwnedFd,
    /// A private non-blocking reader for taking surplus tokens out
    /// (always for a fifo; for a pipe when `/proc` allows a reopen).
    drain: Option<OwnedFd>,
    fifo: Option<&'static FifoPaths>,
    /// How children reach it.
    access: Access,
}

impl Server {
    /// Creates a jobserver for `jobs` jobs holding `jobs - 1` tokens.
    ///
    /// A fifo goes in a fresh directory (mode 0700) under `tmpdir`, else
    /// `$MAKE_TMPDIR`, else `$TMPDIR`, else `/tmp`; the fifo is mode 0600.
    pub fn create(jobs: u32, style: Style, tmpdir: Option<&Path>) -> io::Result<Server> {
        if jobs == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a jobserver needs at least one job",
            ));
        }
        let tokens = (jobs - 1) as usize;
        let server = match style {
            Style::Pipe => Server::create_pipe(jobs)?,
            Style::Fifo | Style::Both => {
                let mut server = Server::create_fifo(jobs, &choose_tmpdir(tmpdir))?;
                if style == Style::Both {
                    let path = server
                        .access
                        .fifo
                        .clone()
                        .expect("a fifo server has a path");
                    server.access.pipe = Some(Numbers::open_on_fifo(&path)?);
                    server.style = Style::Both;
                }
                server
            }
        };
        server.fill(tokens)?;
        Ok(server)
    }

    fn create_pipe(jobs: u32) -> io::Result<Server> {
        let (read, write) = sys::pipe()?;
        let auth = Auth::Pipe {
            read: read.as_raw_fd(),
            write: write.as_raw_fd(),
        };
        let drain = reopen_nonblocking(read.as_fd()).ok();
        let access = Access {
            fifo: None,
            pipe: Some(Numbers::borrowed(read.as_raw_fd(), write.as_raw_fd())),
        };
        Ok(Server {
            jobs,
            style: Style::Pipe,
            auth,
            read,
            write,
            drain,
            fifo: None,
            access,
        })
    }

    fn create_fifo(jobs: u32, tmpdir: &Path) -> io::Result<Server> {
        let dir = make_private_dir(tmpdir)?;
        // Named as GNU make 4.4 names its own (`GMfifoPID`): a makefile
        // that takes MAKEFLAGS apart sees the same file name.
        let fifo_path = dir.join(format!("GMfifo{}", std::process::id()));
        let paths: &'static FifoPaths = Box::leak(Box::new(FifoPaths {
            fifo: cstring(fifo_path.as_os_str().as_bytes())?,
            dir: cstring(dir.as_os_str().as_bytes())?,
        }));
        match open_new_fifo(paths) {
            Ok(fd) => {
                let write = sys::dup(fd.as_fd())?;
                let drain = Some(sys::dup(fd.as_fd())?);
                Ok(Server {
                    jobs,
                    style: Style::Fifo,
                    auth: Auth::Fifo(fifo_path.clone()),
                    read: fd,
                    write,
                    drain,
                    fifo: Some(paths),
                    access: Access {
                        fifo: Some(fifo_path),
                        pipe: None,
                    },
                })
            }
            Err(e) => {
                paths.remove();
                Err(e)
            }
        }
    }

    /// Puts the initial tokens in. The pipe is not shared with anyone yet,
    /// so making its write side non-blocking for a moment is safe, and it
    /// turns "more tokens than the pipe holds" into an error, not a hang.
    fn fill(&self, tokens: usize) -> io::Result<()> {
        if tokens == 0 {
            return Ok(());
        }
        let w = self.write.as_fd();
        let shared = self.style == Style::Pipe;
        if shared {
            sys::set_nonblocking(w, true)?;
        }
        if tokens > sys::bytes_capacity_hint() {
            // Best effort: a pipe can often be grown (Linux F_SETPIPE_SZ).
            sys::grow_pipe(w, tokens);
        }
        let result = self.put_tokens(tokens);
        if shared {
            sys::set_nonblocking(w, false)?;
        }
        result
    }

    fn put_tokens(&self, n: usize) -> io::Result<()> {
        let buf = [TOKEN_BYTE; 256];
        let mut left = n;
        while left > 0 {
            let chunk = left.min(buf.len());
            // SAFETY: writing from a buffer at least `chunk` long.
            let wrote = unsafe { libc::write(self.write.as_raw_fd(), buf.as_ptr().cast(), chunk) };
            if wrote < 0 {
                let e = io::Error::last_os_error();
                match e.kind() {
                    io::ErrorKind::Interrupted => continue,
                    io::ErrorKind::WouldBlock => {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidInput,
                            format!("the jobserver pipe cannot hold {n} tokens"),
                        ))
                    }
                    _ => return Err(e),
                }
            }
            left -= wrote as usize;
        }
        Ok(())
    }

    /// The number of jobs (`N` of `-jN`).
    pub fn jobs(&self) -> u32 {
        self.jobs
    }

    /// Tokens the pipe holds when all are back: N−1.
    pub fn tokens_total(&self) -> usize {
        (self.jobs - 1) as usize
    }

    /// Whether it is a fifo or an anonymous pipe.
    pub fn style(&self) -> Style {
        self.style
    }

    /// The auth value clients of this crate join by: `fifo:PATH` (fifo
    /// and both styles) or `R,W`.
    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    /// The fifo's path (fifo style only).
    pub fn fifo_path(&self) -> Option<&Path> {
        match &self.auth {
            Auth::Fifo(p) => Some(p),
            Auth::Pipe { .. } => None,
        }
    }

    /// The words GNU make 4.4.1 shows in `$(MAKEFLAGS)`: `-jN` and
    /// `--jobserver-auth=fifo:PATH` (or `=R,W`), blanks escaped.
    pub fn makeflags_words(&self) -> Vec<Vec<u8>> {
        vec![
            format!("-j{}", self.jobs).into_bytes(),
            self.access.gnu_word(),
        ]
    }

    /// The jobserver words children get in their environment's MAKEFLAGS:
    /// one word, or three in the both style (see `children.rs`).
    pub fn child_auth_words(&self) -> Vec<Vec<u8>> {
        self.access.child_words()
    }

    /// `-jN` and the children's words joined by a blank, ready for the
    /// `MAKEFLAGS` of a command run under this jobserver.
    pub fn makeflags(&self) -> OsString {
        let mut words = vec![format!("-j{}", self.jobs).into_bytes()];
        words.extend(self.child_auth_words());
        OsString::from_vec(words.join(&b' '))
    }

    /// A client of this very server: the top-level make takes tokens from
    /// its own jobserver like any other member.
    pub fn client(&self) -> Result<Client, ClientError> {
        Client::from_auth(&self.auth, Strategy::Auto)
    }

    /// Before spawning a child: what it inherits of the jobserver. A
    /// recursive child gets descriptions of its own on the numbers
    /// MAKEFLAGS names (pipe and both styles); others get nothing.
    pub fn prepare_child(&self, recursive: bool) -> io::Result<ChildFds> {
        self.access.prepare_child(recursive)
    }

    /// The read side, e.g. to poll it.
    pub fn read_fd(&self) -> BorrowedFd<'_> {
        self.read.as_fd()
    }

    /// The write side (tools and tests that put tokens in by hand).
    pub fn write_fd(&self) -> BorrowedFd<'_> {
        self.write.as_fd()
    }

    /// Tokens in the pipe right now (FIONREAD: takes none).
    pub fn tokens_available(&self) -> io::Result<usize> {
        sys::bytes_readable(self.read.as_fd())
    }

    /// Counts the tokens at the end of a run. If `!is_complete()`, print
    /// `make: {count}` as GNU make does.
    pub fn shutdown_check(&self) -> io::Result<TokenCount> {
        // The creating make's implicit slot counts, as in GNU make.
        Ok(TokenCount {
            available: self.tokens_available()? + 1,
            expected: self.jobs as usize,
        })
    }

    /// Whether process `pid`, or a process below it, has this jobserver
    /// open (Linux `/proc`): it may still give tokens back. GNU make, at
    /// the end, waits for every such process before it counts.
    pub fn open_below(&self, pid: i32) -> bool {
        let id = match sys::file_id(self.read.as_fd()) {
            Ok(id) => id,
            Err(_) => return true,
        };
        crate::tree::open_below(pid, id)
    }

    /// Heals the jobserver when that is sound. `held_by_me` is the number
    /// of tokens the caller holds; `live_children` its children that are
    /// still running, each with whether it was given the jobserver's
    /// descriptors (a recursive child).
    ///
    /// Tokens written twice are always taken out. Missing tokens are
    /// restored only when no live process could still give one back: no
    /// live child that can reach the jobserver (with a fifo any child can
    /// open it by its path; with a pipe, only recursive children have it),
    /// and no orphan below the caller (the jobs of a killed sub-make, which
    /// run on its tokens). Orphans are seen only by a caller that
    /// [adopts them](crate::adopt_orphans); without `/proc` nothing is
    /// restored.
    pub fn heal_if_sound(
        &self,
        held_by_me: usize,
        live_children: &[(i32, bool)],
    ) -> io::Result<HealCheck> {
        let want = self.tokens_total().saturating_sub(held_by_me);
        let have = self.tokens_available()?;
        if have > want {
            return self.heal(held_by_me).map(HealCheck::Healed);
        }
        if have == want {
            return Ok(HealCheck::Whole);
        }
        let reachable = |&(_, recursive): &(i32, bool)| recursive || self.style != Style::Pipe;
        if live_children.iter().any(reachable) || !crate::tree::adopts_orphans() {
            return Ok(HealCheck::Pending);
        }
        let orphans = crate::tree::children()?
            .into_iter()
            .any(|pid| !live_children.iter().any(|&(known, _)| known == pid));
        if orphans {
            return Ok(HealCheck::Pending);
        }
        self.heal(held_by_me).map(HealCheck::Healed)
    }

    /// Restores lost tokens. Call it only when no process can be holding a
    /// token except the `expected_outstanding` ones the owner knows of
    /// (see [`heal_if_sound`](Server::heal_if_sound)): then every other
    /// token must be in the pipe, and any missing one was lost. Surplus
    /// tokens are taken out again when a private reader exists.
    pub fn heal(&self, expected_outstanding: usize) -> io::Result<Healing> {
        let want = self.tokens_total().saturating_sub(expected_outstanding);
        let have = self.tokens_available()?;
        let mut healing = Healing::default();
        if have < want {
            for _ in have..want {
                sys::write_one(self.write.as_fd(), TOKEN_BYTE)?;
                healing.restored += 1;
            }
        } else if let Some(drain) = &self.drain {
            for _ in want..have {
                match sys::read_one(drain.as_fd())? {
                    ReadOne::Byte(_) => healing.removed += 1,
                    ReadOne::Empty | ReadOne::Eof => break,
                }
            }
        }
        Ok(healing)
    }

    /// Lets [`signal_cleanup`](crate::signal_cleanup) remove this server's
    /// fifo from a signal handler. One server at a time; no-op for pipes.
    pub fn register_signal_cleanup(&self) {
        if let Some(paths) = self.fifo {
            cleanup::register(paths);
        }
    }

    /// Removes the fifo and its directory now (clients that opened it keep
    /// working; new ones cannot join). Also done on drop.
    pub fn remove_fifo(&self) {
        if let Some(paths) = self.fifo {
            paths.remove();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(paths) = self.fifo {
            cleanup::unregister(paths);
            paths.remove();
        }
    }
}

fn cstring(bytes: &[u8]) -> io::Result<CString> {
    CString::new(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
}

fn choose_tmpdir(explicit: Option<&Path>) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_owned();
    }
    for var in ["MAKE_TMPDIR", "TMPDIR"] {
        match std::env::var_os(var) {
            Some(v) if !v.is_empty() => return PathBuf::from(v),
            _ => {}
        }
    }
    PathBuf::from("/tmp")
}

/// `mkdtemp`: a fresh directory only we can enter (0700).
fn make_private_dir(tmpdir: &Path) -> io::Result<PathBuf> {
    let mut template = tmpdir.as_os_str().as_bytes().to_vec();
    template.extend_from_slice(b"/fairmake-js.XXXXXX\0");
    // SAFETY: a writable, NUL-terminated template ending in XXXXXX.
    let p = unsafe { libc::mkdtemp(template.as_mut_ptr().cast()) };
    if p.is_null() {
        return Err(io::Error::last_os_error());
    }
    template.pop();
    Ok(PathBuf::from(OsString::from_vec(template)))
}

/// Makes the fifo (0600 whatever the umask) and opens it O_RDWR, which
/// never blocks and keeps it alive; the description is ours alone.
fn open_new_fifo(paths: &FifoPaths) -> io::Result<OwnedFd> {
    // SAFETY: NUL-terminated path.
    if unsafe { libc::mkfifo(paths.fifo.as_ptr(), 0o600) } == -1 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the same NUL-terminated path.
    if unsafe { libc::chmod(paths.fifo.as_ptr(), 0o600) } == -1 {
        return Err(io::Error::last_os_error());
    }
    // O_NOFOLLOW: what we open is the fifo we made, never a symlink put in
    // its place (the directory is private, so this is belt and braces).
    sys::open(
        &paths.fifo,
        libc::O_RDWR | libc::O_NONBLOCK | libc::O_NOFOLLOW,
    )
}

/// A private non-blocking description of our own pipe's read end.
fn reopen_nonblocking(fd: BorrowedFd<'_>) -> io::Result<OwnedFd> {
    let path = format!("/proc/self/fd/{}\0", fd.as_raw_fd());
    let c = CString::from_vec_with_nul(path.into_bytes())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    sys::open(&c, libc::O_RDONLY | libc::O_NONBLOCK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn scratch() -> PathBuf {
        make_private_dir(&std::env::temp_dir()).expect("scratch dir")
    }

    #[test]
    fn fifo_server_is_private_and_full() {
        let tmp = scratch();
        let s = Server::create(5, Style::Fifo, Some(&tmp)).unwrap();
        let fifo = s.fifo_path().unwrap().to_owned();
        let dir = fifo.parent().unwrap().to_owned();
        assert_eq!(dir.parent().unwrap(), tmp);
        let fm = std::fs::metadata(&fifo).unwrap();
        assert!(std::os::unix::fs::FileTypeExt::is_fifo(&fm.file_type()));
        assert_eq!(fm.permissions().mode() & 0o777, 0o600);
        let dm = std::fs::metadata(&dir).unwrap();
        assert_eq!(dm.permissions().mode() & 0o777, 0o700);
        assert_eq!(s.tokens_available().unwrap(), 4);
        let words = s.makeflags_words();
        assert_eq!(words[0], b"-j5");
        let mut want = b"--jobserver-auth=fifo:".to_vec();
        want.extend_from_slice(fifo.as_os_str().as_bytes());
        assert_eq!(words[1], want);
        drop(s);
        assert!(!fifo.exists(), "fifo removed on drop");
        assert!(!dir.exists(), "private dir removed on drop");
        std::fs::remove_dir(tmp).unwrap();
    }

    #[test]
    fn pipe_server_words_and_cloexec() {
        let s = Server::create(4, Style::Pipe, None).unwrap();
        let (r, w) = match s.auth() {
            Auth::Pipe { read, write } => (*read, *write),
            a => panic!("{a:?}"),
        };
        assert_eq!(
            s.makeflags(),
            OsString::from(format!("-j4 --jobserver-auth={r},{w}"))
        );
        assert_eq!(s.tokens_available().unwrap(), 3);
        // SAFETY: F_GETFD only reads the descriptor flags.
        let cloexec = |fd| unsafe { libc::fcntl(fd, libc::F_GETFD) } & libc::FD_CLOEXEC != 0;
        assert!(cloexec(r) && cloexec(w), "not inherited by default");
        assert!(
            s.prepare_child(false).unwrap().is_empty(),
            "non-recursive child gets nothing"
        );
        let child = s.prepare_child(true).unwrap();
        let pairs = child.dup2_pairs();
        assert_eq!(pairs.iter().map(|p| p.1).collect::<Vec<_>>(), [r, w]);
        assert!(
            pairs.iter().all(|p| p.0 != r && p.0 != w),
            "fresh descriptions"
        );
        assert!(
            cloexec(r) && cloexec(w),
            "the shared ones stay close-on-exec"
        );
        // The shared descriptions stay blocking for other clients.
        // SAFETY: F_GETFL only reads the description's flags.
        let fl = unsafe { libc::fcntl(r, libc::F_GETFL) };
        assert_eq!(fl & libc::O_NONBLOCK, 0);
        // SAFETY: as above.
        let fl = unsafe { libc::fcntl(w, libc::F_GETFL) };
        assert_eq!(fl & libc::O_NONBLOCK, 0);
    }

    #[test]
    fn both_style_names_one_fifo_two_ways() {
        let s = Server::create(3, Style::Both, None).unwrap();
        assert_eq!(s.style(), Style::Both);
        let fifo = s.fifo_path().unwrap().to_owned();
        let words: Vec<String> = s
            .child_auth_words()
            .iter()
            .map(|w| String::from_utf8_lossy(w).into_owned())
            .collect();
        assert_eq!(words.len(), 3, "{words:?}");
        assert_eq!(
            words[1],
            format!("--jobserver-auth=fifo:{}", fifo.display())
        );
        let numbers = words[0].strip_prefix("--jobserver-auth=").unwrap();
        assert_eq!(words[2], format!("--jobserver-au={numbers}"));
        // $(MAKEFLAGS) shows GNU 4.4.1's one word.
        assert_eq!(s.makeflags_words()[1], words[1].as_bytes());
        // A token written through the descriptors lands in the fifo.
        let child = s.prepare_child(true).unwrap();
        let (from, _) = child.dup2_pairs()[1];
        let c = s.client().unwrap();
        let t = c.try_acquire().unwrap().unwrap();
        t.leak();
        assert_eq!(s.tokens_available().unwrap(), 1);
        // SAFETY: `from` is a descriptor `child` holds open.
        sys::write_one(unsafe { BorrowedFd::borrow_raw(from) }, TOKEN_BYTE).unwrap();
        assert_eq!(s.tokens_available().unwrap(), 2);
    }

    #[test]
    fn job_counts_at_the_edges() {
        assert!(Server::create(0, Style::Pipe, None).is_err());
        let s = Server::create(1, Style::Pipe, None).unwrap();
        assert_eq!(s.tokens_available().unwrap(), 0);
        let s = Server::create(5000, Style::Pipe, None).unwrap();
        assert_eq!(s.tokens_available().unwrap(), 4999);
    }

    #[test]
    fn shutdown_check_reports_gnu_wording() {
        let s = Server::create(4, Style::Pipe, None).unwrap();
        let c = s.client().unwrap();
        let ok = s.shutdown_check().unwrap();
        assert!(ok.is_complete());
        let t = c.try_acquire().unwrap().unwrap();
        let short = s.shutdown_check().unwrap();
        assert_eq!(short.shortfall(), 1);
        assert_eq!(
            short.to_string(),
            "INTERNAL: Exiting with 3 jobserver tokens available; should be 4!"
        );
        drop(t);
        assert!(s.shutdown_check().unwrap().is_complete());
    }

    #[test]
    fn heal_restores_lost_and_removes_surplus() {
        for style in [Style::Pipe, Style::Fifo] {
            let s = Server::create(6, style, None).unwrap();
            let c = s.client().unwrap();
            let held = c.try_acquire().unwrap().unwrap();
            c.try_acquire().unwrap().unwrap().leak();
            c.try_acquire().unwrap().unwrap().leak();
            assert_eq!(s.tokens_available().unwrap(), 2);
            // One token is legitimately out: only the two leaked are lost.
            assert_eq!(
                s.heal(1).unwrap(),
                Healing {
                    restored: 2,
                    removed: 0
                }
            );
            assert_eq!(s.tokens_available().unwrap(), 4);
            drop(held);
            assert_eq!(s.heal(0).unwrap(), Healing::default());
            // A buggy client writes one back twice.
            sys::write_one(s.write.as_fd(), TOKEN_BYTE).unwrap();
            assert_eq!(
                s.heal(0).unwrap(),
                Healing {
                    restored: 0,
                    removed: 1
                }
            );
            assert!(s.shutdown_check().unwrap().is_complete());
        }
    }

    #[test]
    fn signal_cleanup_removes_registered_fifo() {
        let s = Server::create(2, Style::Fifo, None).unwrap();
        let fifo = s.fifo_path().unwrap().to_owned();
        s.register_signal_cleanup();
        crate::signal_cleanup();
        assert!(!fifo.exists());
        assert!(!fifo.parent().unwrap().exists());
        drop(s);
        // Unregistered on drop: a later call touches nothing.
        crate::signal_cleanup();
    }
}
