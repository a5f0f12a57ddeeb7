//! How children reach the jobserver: the MAKEFLAGS words they see and the
//! descriptors a recursive child inherits.
//!
//! Owns two decisions:
//!
//! - **The words.** A jobserver may be reachable by a fifo's path, by
//!   descriptor numbers, or both ([`Style::Both`](crate::Style::Both)). With
//!   both, children see `--jobserver-auth=R,W --jobserver-auth=fifo:PATH
//!   --jobserver-au=R,W`: GCC 12's lto-wrapper reads the first
//!   `--jobserver-auth=` and only the `R,W` form; ninja, the `jobserver`
//!   crate (cargo, rustc) and GCC 13 read the last `--jobserver-auth=`, so
//!   they join the fifo; GNU make reads its options with getopt, which takes
//!   the abbreviation as the last `--jobserver-auth`, so GNU make 4.2 and
//!   4.3, which cannot open a fifo, get the descriptors. `$(MAKEFLAGS)`
//!   itself shows GNU make 4.4.1's one word ([`Access::gnu_word`]).
//! - **A description per child.** A recursive child gets its *own* open file
//!   descriptions of the pipe (or fifo), put on the numbers MAKEFLAGS names
//!   by `dup2` in the child, so the `O_NONBLOCK` that GNU make 4.3 and 4.4
//!   set on the read end they inherit never reaches a sibling (GNU make
//!   4.2.1 then fails with "read jobs pipe: Resource temporarily
//!   unavailable"). The numbers stay open here, close-on-exec, so nothing
//!   else takes them. Where no description can be opened anew (no
//!   `/proc`), the shared one is passed by clearing close-on-exec around
//!   the spawn, as GNU does.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::auth::{self, Auth};
use crate::sys;

/// Descriptor numbers that name the jobserver to recursive children.
#[derive(Debug)]
pub(crate) struct Numbers {
    pub(crate) read: RawFd,
    pub(crate) write: RawFd,
    /// The descriptors behind the numbers when this process opened them
    /// (a server's pipe, or holders opened on a fifo); empty when they were
    /// inherited and are only borrowed.
    _owned: Vec<OwnedFd>,
}

impl Numbers {
    /// Numbers for descriptors this process owns.
    pub(crate) fn owned(read: OwnedFd, write: OwnedFd) -> Numbers {
        Numbers {
            read: read.as_raw_fd(),
            write: write.as_raw_fd(),
            _owned: vec![read, write],
        }
    }

    /// Inherited numbers, never closed by this crate.
    pub(crate) fn borrowed(read: RawFd, write: RawFd) -> Numbers {
        Numbers {
            read,
            write,
            _owned: Vec::new(),
        }
    }

    /// Opens a read end and a write end on a fifo, both blocking and
    /// close-on-exec, to stand for it as descriptor numbers.
    pub(crate) fn open_on_fifo(path: &Path) -> io::Result<Numbers> {
        let c = CString::new(path.as_os_str().as_bytes())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let read = open_blocking(&c, libc::O_RDONLY)?;
        let write = open_blocking(&c, libc::O_WRONLY)?;
        Ok(Numbers::owned(read, write))
    }
}

/// How this process hands its jobserver to children.
#[derive(Debug)]
pub(crate) struct Access {
    pub(crate) fifo: Option<PathBuf>,
    pub(crate) pipe: Option<Numbers>,
}

impl Access {
    /// The one `--jobserver-auth=` word GNU make 4.4.1 would show in
    /// `$(MAKEFLAGS)`: the fifo when there is one.
    pub(crate) fn gnu_word(&self) -> Vec<u8> {
        match (&self.fifo, &self.pipe) {
            (Some(path), _) => auth_word(b"auth", &Auth::Fifo(path.clone())),
            (None, Some(n)) => auth_word(b"auth", &pipe_auth(n)),
            (None, None) => Vec::new(),
        }
    }

    /// The words children see in their environment (see the module header).
    pub(crate) fn child_words(&self) -> Vec<Vec<u8>> {
        match (&self.fifo, &self.pipe) {
            (Some(path), Some(n)) => vec![
                auth_word(b"auth", &pipe_auth(n)),
                auth_word(b"auth", &Auth::Fifo(path.clone())),
                auth_word(b"au", &pipe_auth(n)),
            ],
            _ => vec![self.gnu_word()],
        }
    }

    /// The descriptors a child about to be spawned gets: for a recursive
    /// child, fresh descriptions of the jobserver on the numbers named in
    /// MAKEFLAGS; for others, nothing.
    pub(crate) fn prepare_child(&self, recursive: bool) -> io::Result<ChildFds> {
        let Some(n) = self.pipe.as_ref().filter(|_| recursive) else {
            return Ok(ChildFds::default());
        };
        match (
            reopen(n.read, libc::O_RDONLY),
            reopen(n.write, libc::O_WRONLY),
        ) {
            (Ok(read), Ok(write)) => Ok(ChildFds {
                fresh: vec![(read, n.read), (write, n.write)],
                shared: Vec::new(),
            }),
            // No /proc: pass the shared description, as GNU make does.
            _ => {
                let mut fds = ChildFds::default();
                for fd in [n.read, n.write] {
                    sys::set_cloexec(fd, false)?;
                    fds.shared.push(fd);
                }
                Ok(fds)
            }
        }
    }
}

fn pipe_auth(n: &Numbers) -> Auth {
    Auth::Pipe {
        read: n.read,
        write: n.write,
    }
}

/// `--jobserver-NAME=VALUE`, the value escaped for MAKEFLAGS.
fn auth_word(name: &[u8], auth: &Auth) -> Vec<u8> {
    let mut word = b"--jobserver-".to_vec();
    word.extend_from_slice(name);
    word.push(b'=');
    word.extend(auth::escape(&auth.to_bytes()));
    word
}

/// What one child inherits of the jobserver. Keep it alive until the child
/// is spawned, then drop it.
///
/// Spawners with `posix_spawn` add a `dup2` file action for each of
/// [`dup2_pairs`](ChildFds::dup2_pairs); a `std::process::Command` gets them
/// through [`apply`](ChildFds::apply). In the fallback (no `/proc`), the
/// shared descriptors are inheritable while this lives: spawn from one
/// thread only meanwhile.
#[must_use = "the child inherits the jobserver only while this lives"]
#[derive(Debug, Default)]
pub struct ChildFds {
    /// A fresh description (close-on-exec here) and the number it must
    /// have in the child.
    fresh: Vec<(OwnedFd, RawFd)>,
    /// Shared descriptors made inheritable until drop (the fallback).
    shared: Vec<RawFd>,
}

impl ChildFds {
    /// `(from, to)`: in the child, `dup2(from, to)` before exec. `dup2`
    /// clears close-on-exec on `to`, so the child keeps it.
    pub fn dup2_pairs(&self) -> Vec<(RawFd, RawFd)> {
        self.fresh
            .iter()
            .map(|(fd, to)| (fd.as_raw_fd(), *to))
            .collect()
    }

    /// Whether the child gets any jobserver descriptor.
    pub fn is_empty(&self) -> bool {
        self.fresh.is_empty() && self.shared.is_empty()
    }

    /// Makes `cmd`'s child get these descriptors (a `pre_exec` hook, so
    /// std forks instead of using `posix_spawn` for this command).
    pub fn apply(&self, cmd: &mut Command) {
        let pairs = self.dup2_pairs();
        if pairs.is_empty() {
            return;
        }
        // SAFETY: the hook runs in the forked child before exec and calls
        // only dup2, which is async-signal-safe; `pairs` is moved in.
        unsafe {
            cmd.pre_exec(move || {
                for &(from, to) in &pairs {
                    if libc::dup2(from, to) == -1 {
                        return Err(io::Error::last_os_error());
                    }
                }
                Ok(())
            });
        }
    }
}

impl Drop for ChildFds {
    fn drop(&mut self) {
        for fd in self.shared.drain(..) {
            let _ = sys::set_cloexec(fd, true);
        }
    }
}

/// A new open file description of what `fd` refers to (Linux:
/// `/proc/self/fd/N`), blocking, close-on-exec.
fn reopen(fd: RawFd, access: libc::c_int) -> io::Result<OwnedFd> {
    let path = CString::new(format!("/proc/self/fd/{fd}"))
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let new = open_blocking(&path, access)?;
    if !sys::is_fifo(sys::fd_mode(std::os::fd::AsFd::as_fd(&new))?) {
        return Err(io::Error::other("reopened descriptor is not a pipe"));
    }
    Ok(new)
}

/// Opens a pipe or fifo without waiting for the other side (`O_NONBLOCK`
/// for the open), then makes the new description blocking, as a pipe's
/// ends are: it is ours alone until a child inherits it.
fn open_blocking(path: &std::ffi::CStr, access: libc::c_int) -> io::Result<OwnedFd> {
    let fd = sys::open(path, access | libc::O_NONBLOCK | libc::O_CLOEXEC)?;
    sys::set_nonblocking(std::os::fd::AsFd::as_fd(&fd), false)?;
    Ok(fd)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    fn flags(fd: RawFd) -> libc::c_int {
        // SAFETY: F_GETFL on a descriptor number.
        unsafe { libc::fcntl(fd, libc::F_GETFL) }
    }

    #[test]
    fn each_recursive_child_gets_its_own_description() {
        let (r, w) = sys::pipe().unwrap();
        let access = Access {
            fifo: None,
            pipe: Some(Numbers::owned(r, w)),
        };
        let n = access.pipe.as_ref().unwrap();
        let (read, write) = (n.read, n.write);
        let a = access.prepare_child(true).unwrap();
        let b = access.prepare_child(true).unwrap();
        let pa = a.dup2_pairs();
        assert_eq!(pa.iter().map(|p| p.1).collect::<Vec<_>>(), [read, write]);
        // What one child sets on its read end, no other sees.
        sys::set_nonblocking(a.fresh[0].0.as_fd(), true).unwrap();
        assert_eq!(flags(b.dup2_pairs()[0].0) & libc::O_NONBLOCK, 0);
        assert_eq!(flags(read) & libc::O_NONBLOCK, 0);
        // Same pipe: a byte written through one end reaches the other.
        sys::write_one(b.fresh[1].0.as_fd(), b'+').unwrap();
        assert_eq!(sys::bytes_readable(a.fresh[0].0.as_fd()).unwrap(), 1);
        assert!(access.prepare_child(false).unwrap().is_empty());
    }

    #[test]
    fn words_for_both_ways_of_reaching_one_fifo() {
        let access = Access {
            fifo: Some("/t/x y".into()),
            pipe: Some(Numbers::borrowed(3, 4)),
        };
        assert_eq!(access.gnu_word(), b"--jobserver-auth=fifo:/t/x\\ y");
        let words: Vec<String> = access
            .child_words()
            .iter()
            .map(|w| String::from_utf8_lossy(w).into_owned())
            .collect();
        assert_eq!(
            words,
            [
                "--jobserver-auth=3,4",
                "--jobserver-auth=fifo:/t/x\\ y",
                "--jobserver-au=3,4"
            ]
        );
        let joined = access.child_words().join(&b' ');
        assert_eq!(
            crate::find(&joined),
            Ok(crate::Named::Join(Auth::Fifo("/t/x y".into())))
        );
    }
}
