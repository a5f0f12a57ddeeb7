//! Running one case: a fresh directory, the setup files with fixed mtimes, and
//! `make ARGS` in a clean environment, with a time limit.

use std::fs::{self, FileTimes};
use std::io::Read;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::case::{Case, Setup, StdoutKind, MTIME_BASE};

/// What a run produced.
pub struct Outcome {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Exit status, or `128 + signal` when killed by a signal (as a shell says).
    pub status: i32,
    pub timed_out: bool,
}

/// The directory holding a `make` symlink to the make under test.  One per
/// process: every case shares it, and [`remove_bin_dir`] removes it once
/// all have run (a static is never dropped).
fn bin_dir(make: &Path) -> PathBuf {
    let mut dir = BIN_DIR.lock().unwrap_or_else(|e| e.into_inner());
    dir.get_or_insert_with(|| {
        let dir = tempfile::Builder::new()
            .prefix("fairmake-bin.")
            .tempdir()
            .expect("temp dir");
        symlink(make, dir.path().join("make")).expect("symlink make");
        dir
    })
    .path()
    .to_path_buf()
}

static BIN_DIR: Mutex<Option<tempfile::TempDir>> = Mutex::new(None);

/// Removes the `make` symlink's directory, after the last case.
pub fn remove_bin_dir() {
    let dir = BIN_DIR.lock().unwrap_or_else(|e| e.into_inner()).take();
    drop(dir);
}

fn mtime(offset: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs((MTIME_BASE + offset) as u64)
}

fn set_mtime(path: &Path, offset: i64) -> std::io::Result<()> {
    let t = mtime(offset);
    fs::File::open(path)?.set_times(FileTimes::new().set_accessed(t).set_modified(t))
}

/// Copies a directory case's files (all but `CASE`) into the sandbox.
fn copy_tree(from: &Path, to: &Path, top: bool) -> std::io::Result<()> {
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if top && name == "CASE" {
            continue;
        }
        let dest = to.join(&name);
        if entry.file_type()?.is_dir() {
            fs::create_dir_all(&dest)?;
            copy_tree(&entry.path(), &dest, false)?;
        } else {
            fs::copy(entry.path(), &dest)?;
        }
        set_mtime(&dest, 0)?;
    }
    Ok(())
}

/// Creates the case's files.  Mtimes are set after everything exists, because
/// creating a file changes its directory's mtime.
pub fn populate(case: &Case, root: &Path) -> std::io::Result<()> {
    if let Some(dir) = &case.dir {
        copy_tree(dir, root, true)?;
    }
    let mut times = Vec::new();
    for s in &case.setup {
        match s {
            Setup::File {
                name,
                content,
                mtime,
                mode,
            } => {
                let path = root.join(name);
                if let Some(parent) = path.parent() {
                    fs::create_dir_all(parent)?;
                }
                fs::write(&path, content)?;
                if let Some(mode) = mode {
                    fs::set_permissions(&path, fs::Permissions::from_mode(*mode))?;
                }
                times.push((path, *mtime));
            }
            Setup::Dir { name, mtime } => {
                fs::create_dir_all(root.join(name))?;
                times.push((root.join(name), *mtime));
            }
            Setup::Touch { name, mtime } => times.push((root.join(name), *mtime)),
        }
    }
    for (path, t) in times {
        set_mtime(&path, t)?;
    }
    Ok(())
}

/// Runs `make` in `root` with the case's arguments and environment.
pub fn run(case: &Case, make: &Path, root: &Path) -> std::io::Result<Outcome> {
    let bin = bin_dir(make);
    let cwd = match &case.cwd {
        Some(sub) => root.join(sub),
        None => root.to_owned(),
    };
    let mut cmd = Command::new(bin.join("make"));
    // argv[0] is plain `make`, as when a user types it: GNU make names itself
    // after argv[0] in messages and uses it for $(MAKE).
    cmd.arg0("make")
        .args(&case.args)
        .current_dir(&cwd)
        .env_clear()
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("LC_ALL", "C")
        .envs(case.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        // Its own process group, so that a hung run is killed with all its children.
        .process_group(0);
    set_stdout(&mut cmd, case.stdout_kind)?;
    let mut child = cmd.spawn()?;
    let out = match child.stdout.take() {
        Some(pipe) => reader(pipe),
        None => reader(std::io::empty()),
    };
    let err = reader(child.stderr.take().expect("piped"));
    let deadline = Instant::now() + Duration::from_secs(case.timeout_secs);
    let pgid = child.id() as i32;
    let (status, timed_out) = loop {
        if let Some(st) = child.try_wait()? {
            break (st, false);
        }
        if Instant::now() >= deadline {
            kill_group(pgid);
            break (child.wait()?, true);
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    // Stragglers (a recipe's background job) would keep the pipes open.
    kill_group(pgid);
    let status = status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
    Ok(Outcome {
        stdout: out.join().expect("reader"),
        stderr: err.join().expect("reader"),
        status,
        timed_out,
    })
}

/// Gives make the standard output `kind` says.
fn set_stdout(cmd: &mut Command, kind: StdoutKind) -> std::io::Result<()> {
    match kind {
        StdoutKind::Pipe => {
            cmd.stdout(Stdio::piped());
        }
        StdoutKind::Closed => {
            cmd.stdout(Stdio::null());
            // SAFETY: close(2) is async-signal-safe, as a pre_exec closure
            // must be; descriptor 1 is the child's own.
            unsafe {
                cmd.pre_exec(|| {
                    libc::close(1);
                    Ok(())
                });
            }
        }
        StdoutKind::BrokenPipe => {
            // The reader is gone before make starts; SIGPIPE is at its
            // default in make, as std leaves it in a child.
            let mut fds = [0; 2];
            // SAFETY: pipe2(2) fills in two new descriptors, owned at once
            // (close-on-exec: no other case's make inherits them).
            if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } == -1 {
                return Err(std::io::Error::last_os_error());
            }
            // SAFETY: each descriptor is new and owned only here.
            let (reader, writer) = unsafe {
                use std::os::fd::FromRawFd;
                (
                    std::os::fd::OwnedFd::from_raw_fd(fds[0]),
                    std::os::fd::OwnedFd::from_raw_fd(fds[1]),
                )
            };
            drop(reader);
            cmd.stdout(writer);
        }
        StdoutKind::Full => {
            cmd.stdout(fs::OpenOptions::new().write(true).open("/dev/full")?);
        }
    }
    Ok(())
}

fn kill_group(pgid: i32) {
    // SAFETY: kill(2) has no memory-safety preconditions.
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
}

fn reader(mut r: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        buf
    })
}

/// A fresh sandbox directory; its canonical path is what output is normalized
/// against.
pub fn sandbox() -> std::io::Result<(tempfile::TempDir, PathBuf)> {
    let dir = tempfile::Builder::new()
        .prefix("fairmake-case.")
        .tempdir()?;
    let canon = dir.path().canonicalize()?;
    Ok((dir, canon))
}
