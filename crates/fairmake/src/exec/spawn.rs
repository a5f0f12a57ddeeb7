//! Starting a job's process with `posix_spawn`, from an environment prepared
//! once and shared by the jobs that have the same one.
//!
//! std's `Command` copies the whole environment into a map and back into C
//! strings on every spawn: 70 000 instructions a job, most of what make
//! itself spends to start a `true` (and a Linux build starts tens of
//! thousands of jobs). Here the `NAME=value` strings are built once per
//! environment; a spawn only lays out the pointers.

use std::ffi::{c_char, CString};
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, BorrowedFd};

/// An environment in the form `execve` takes it: `NAME=value\0` strings
/// one after another.
#[derive(Debug)]
pub struct Envp {
    block: Vec<u8>,
    /// Where each string starts in `block`.
    starts: Vec<usize>,
}

impl Envp {
    pub fn new(pairs: &[(Vec<u8>, Vec<u8>)]) -> Envp {
        let size = pairs.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
        let mut block = Vec::with_capacity(size);
        let mut starts = Vec::with_capacity(pairs.len());
        // A NUL inside a name or value would end the string early; execve
        // cannot pass it either way.
        for (name, value) in pairs {
            starts.push(block.len());
            block.extend(name.iter().copied().filter(|&b| b != 0));
            block.push(b'=');
            block.extend(value.iter().copied().filter(|&b| b != 0));
            block.push(0);
        }
        Envp { block, starts }
    }

    /// The null-terminated pointer array, valid while `self` is.
    fn pointers(&self) -> Vec<*const c_char> {
        let base = self.block.as_ptr();
        let mut ptrs: Vec<*const c_char> = self
            .starts
            .iter()
            // SAFETY: every start is an offset inside `block`.
            .map(|&at| unsafe { base.add(at) }.cast())
            .collect();
        ptrs.push(std::ptr::null());
        ptrs
    }
}

/// Starts `program` (a path) with `argv` (`argv[0]` as it is to be seen)
/// and the environment `envp`; its stdout and stderr go to `output` when
/// given, and each `(from, to)` of `dup2s` is duplicated onto `to` (the
/// jobserver descriptors of a recursive child). The child starts with no
/// signal blocked and SIGPIPE at its default, as std would start it,
/// unless make's parent ignored it.
/// Returns its pid.
pub fn spawn(
    program: &[u8],
    argv: &[Vec<u8>],
    envp: &Envp,
    output: Option<(BorrowedFd<'_>, BorrowedFd<'_>)>,
    dup2s: &[(std::os::fd::RawFd, std::os::fd::RawFd)],
) -> io::Result<u32> {
    let nul = |_| io::Error::from_raw_os_error(libc::EINVAL);
    let program = CString::new(program).map_err(nul)?;
    let args: Vec<CString> = argv
        .iter()
        .map(|a| CString::new(a.as_slice()))
        .collect::<Result<_, _>>()
        .map_err(nul)?;
    let mut arg_ptrs: Vec<*const c_char> = args.iter().map(|a| a.as_ptr()).collect();
    arg_ptrs.push(std::ptr::null());
    let env_ptrs = envp.pointers();

    let actions = FileActions::new()?;
    if let Some((out, err)) = output {
        // (Make's own stdout, given as the job's, stays as it is: closed
        // in the child if it is close-on-exec, see `output`.)
        if out.as_raw_fd() != libc::STDOUT_FILENO {
            actions.dup2(out.as_raw_fd(), libc::STDOUT_FILENO)?;
        }
        actions.dup2(err.as_raw_fd(), libc::STDERR_FILENO)?;
    }
    for &(from, to) in dup2s {
        actions.dup2(from, to)?;
    }
    let attrs = Attributes::new()?;
    attrs.unblock_all_and_default_sigpipe()?;

    let mut pid: libc::pid_t = 0;
    // SAFETY: every pointer is valid and null-terminated where it must be,
    // and outlives the call; posix_spawn copies what it keeps.
    let ret = unsafe {
        libc::posix_spawn(
            &mut pid,
            program.as_ptr(),
            actions.as_ptr(),
            attrs.as_ptr(),
            arg_ptrs.as_ptr().cast(),
            env_ptrs.as_ptr().cast(),
        )
    };
    if ret != 0 {
        return Err(io::Error::from_raw_os_error(ret));
    }
    Ok(pid as u32)
}

/// `posix_spawn_file_actions_t`, destroyed when dropped.
struct FileActions(Box<MaybeUninit<libc::posix_spawn_file_actions_t>>);

impl FileActions {
    fn new() -> io::Result<FileActions> {
        let mut actions = FileActions(Box::new(MaybeUninit::uninit()));
        // SAFETY: initializes the object it is given.
        check(unsafe { libc::posix_spawn_file_actions_init(actions.0.as_mut_ptr()) })?;
        Ok(actions)
    }

    fn dup2(&self, from: libc::c_int, to: libc::c_int) -> io::Result<()> {
        // SAFETY: the object was initialized by `new`; glibc's functions
        // take it by pointer and synchronize nothing, as here.
        check(unsafe { libc::posix_spawn_file_actions_adddup2(self.as_ptr().cast_mut(), from, to) })
    }

    fn as_ptr(&self) -> *const libc::posix_spawn_file_actions_t {
        self.0.as_ptr()
    }
}

impl Drop for FileActions {
    fn drop(&mut self) {
        // SAFETY: initialized by `new`, destroyed once.
        unsafe { libc::posix_spawn_file_actions_destroy(self.0.as_mut_ptr()) };
    }
}

/// `posix_spawnattr_t`, destroyed when dropped.
struct Attributes(Box<MaybeUninit<libc::posix_spawnattr_t>>);

impl Attributes {
    fn new() -> io::Result<Attributes> {
        let mut attrs = Attributes(Box::new(MaybeUninit::uninit()));
        // SAFETY: initializes the object it is given.
        check(unsafe { libc::posix_spawnattr_init(attrs.0.as_mut_ptr()) })?;
        Ok(attrs)
    }

    /// No signal blocked in the child, whatever the thread starting it
    /// blocks, and SIGPIPE at its default disposition, as std starts
    /// children (or ignored, as make's parent left it).
    fn unblock_all_and_default_sigpipe(&self) -> io::Result<()> {
        let attrs = self.as_ptr().cast_mut();
        // SAFETY: sigset_t is plain data, initialized by sigemptyset; the
        // attribute object was initialized by `new`.
        unsafe {
            let mut set = MaybeUninit::<libc::sigset_t>::uninit();
            libc::sigemptyset(set.as_mut_ptr());
            check(libc::posix_spawnattr_setsigmask(attrs, set.as_ptr()))?;
            // (Left ignored when make's parent ignored it: see `signals`.)
            if super::signals::sigpipe_default_in_children() {
                libc::sigaddset(set.as_mut_ptr(), libc::SIGPIPE);
            }
            check(libc::posix_spawnattr_setsigdefault(attrs, set.as_ptr()))?;
            let flags = libc::POSIX_SPAWN_SETSIGMASK | libc::POSIX_SPAWN_SETSIGDEF;
            check(libc::posix_spawnattr_setflags(
                attrs,
                flags as libc::c_short,
            ))
        }
    }

    fn as_ptr(&self) -> *const libc::posix_spawnattr_t {
        self.0.as_ptr()
    }
}

impl Drop for Attributes {
    fn drop(&mut self) {
        // SAFETY: initialized by `new`, destroyed once.
        unsafe { libc::posix_spawnattr_destroy(self.0.as_mut_ptr()) };
    }
}

/// posix_spawn's functions return an error number, not -1 and errno.
fn check(ret: libc::c_int) -> io::Result<()> {
    match ret {
        0 => Ok(()),
        e => Err(io::Error::from_raw_os_error(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    fn wait(pid: u32) -> i32 {
        let pid = rustix::process::Pid::from_raw(pid as i32).expect("a child");
        let (_, status) =
            rustix::process::waitpid(Some(pid), rustix::process::WaitOptions::empty())
                .expect("waitpid")
                .expect("it exited");
        status.exit_status().expect("it exited")
    }

    #[test]
    fn the_child_sees_its_argv_environment_and_output() {
        let out = tempfile::tempfile().expect("tempfile");
        let envp = Envp::new(&[
            (b"A".to_vec(), b"one two".to_vec()),
            (b"B".to_vec(), Vec::new()),
        ]);
        let argv = [
            b"sh".to_vec(),
            b"-c".to_vec(),
            b"echo \"$0|$A|${B-unset}|${HOME-none}\"; echo err >&2".to_vec(),
            b"zero".to_vec(),
        ];
        let pid = spawn(
            b"/bin/sh",
            &argv,
            &envp,
            Some((out.as_fd(), out.as_fd())),
            &[],
        )
        .expect("spawned");
        assert_eq!(wait(pid), 0);
        let text = std::fs::read(format!("/proc/self/fd/{}", out.as_raw_fd())).expect("read");
        assert_eq!(String::from_utf8_lossy(&text), "zero|one two||none\nerr\n");
    }

    #[test]
    fn a_missing_program_is_an_error_not_a_child() {
        let envp = Envp::new(&[]);
        let err = spawn(b"/nonexistent/prog", &[b"prog".to_vec()], &envp, None, &[])
            .expect_err("no such program");
        assert_eq!(err.raw_os_error(), Some(libc::ENOENT));
    }
}
