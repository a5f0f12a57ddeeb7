//! Helpers for the end-to-end jobserver tests: a sandbox per test (with its
//! own `$TMPDIR`), bounded runs of a make in its own process group, and the
//! start/end job log from which concurrency is computed.

#![allow(dead_code)]

use std::fs;
use std::io::Write;
use std::os::unix::fs::FileTypeExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The fairmake binary under test: the one cargo built, or
/// `$FAIRMAKE_E2E_BIN` (to see a test fail on another build).
pub fn fairmake() -> PathBuf {
    std::env::var_os("FAIRMAKE_E2E_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_fairmake")))
}

/// A program a test needs: present, or the test fails under CI (whose
/// `.ci/run` installs it) and is skipped loudly elsewhere.
pub fn required(what: &str, found: Option<PathBuf>) -> Option<PathBuf> {
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{what} is missing: .ci/run installs it"
        );
        eprintln!("SKIPPED: {what} is not installed");
    }
    found
}

/// GNU make 4.3 from Debian, when installed.
pub fn gnu_make() -> Option<PathBuf> {
    let p = PathBuf::from("/usr/bin/make");
    let out = Command::new(&p).arg("--version").output().ok()?;
    String::from_utf8_lossy(&out.stdout)
        .starts_with("GNU Make")
        .then_some(p)
}

/// A fresh directory for one test: the makefiles live in it, `tmp/` is the
/// `$TMPDIR` of every make run there, so a fifo left behind is visible.
pub struct Sandbox {
    dir: Option<tempfile::TempDir>,
}

impl Drop for Sandbox {
    /// With `FAIRMAKE_E2E_KEEP=1`, the directory is kept for a post-mortem.
    fn drop(&mut self) {
        if std::env::var_os("FAIRMAKE_E2E_KEEP").is_some() {
            if let Some(dir) = self.dir.take() {
                eprintln!("kept {}", dir.keep().display());
            }
        }
    }
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::Builder::new()
            .prefix("fairmake-e2e.")
            .tempdir()
            .expect("temporary directory");
        fs::create_dir(dir.path().join("tmp")).expect("tmp dir");
        Sandbox { dir: Some(dir) }
    }

    pub fn path(&self) -> &Path {
        self.dir.as_ref().expect("sandbox directory").path()
    }

    pub fn tmpdir(&self) -> PathBuf {
        self.path().join("tmp")
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.path().join(name)
    }

    pub fn write(&self, name: &str, text: &str) {
        let p = self.join(name);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).expect("mkdir");
        }
        fs::write(p, text).expect("write file");
    }

    pub fn exists(&self, name: &str) -> bool {
        self.join(name).exists()
    }

    pub fn read(&self, name: &str) -> String {
        fs::read_to_string(self.join(name)).unwrap_or_default()
    }

    /// A command for `program` run in the sandbox with a minimal environment:
    /// no inherited MAKEFLAGS, `TMPDIR` = the sandbox's `tmp/`.
    pub fn command(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(self.path())
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("LC_ALL", "C")
            .env("TMPDIR", self.tmpdir())
            .stdin(Stdio::null());
        cmd
    }

    /// Everything left in `$TMPDIR` (fifos, directories); empty when clean.
    pub fn tmp_leftovers(&self) -> Vec<String> {
        let mut out = Vec::new();
        walk(&self.tmpdir(), &mut out);
        out
    }

    pub fn assert_no_fifo_left(&self) {
        let left = self.tmp_leftovers();
        assert!(left.is_empty(), "left behind in $TMPDIR: {left:?}");
    }
}

fn walk(dir: &Path, out: &mut Vec<String>) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let ft = e.file_type().ok();
        let kind = match ft {
            Some(t) if t.is_fifo() => "fifo",
            Some(t) if t.is_dir() => "dir",
            _ => "file",
        };
        out.push(format!("{kind} {}", e.path().display()));
        if kind == "dir" {
            walk(&e.path(), out);
        }
    }
}

/// What a finished run left: status, output, how long it took.
pub struct Outcome {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Outcome {
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// Panics with the whole output when `cond` is false.
    pub fn check(&self, cond: bool, what: &str) {
        assert!(cond, "{what}\n{self}");
    }

    /// No `INTERNAL` (tokens missing at exit) and no panic; `context` says
    /// which run this was.
    pub fn check_no_lost_token_or_panic(&self, context: &str) {
        self.check(
            !self.stderr.contains("INTERNAL") && !self.stderr.contains("panicked"),
            &format!("tokens missing at exit or a panic {context}"),
        );
    }

    /// No `INTERNAL` (tokens missing at exit) and no warning of any kind.
    pub fn assert_clean_stderr(&self) {
        self.check(
            !self.stderr.contains("INTERNAL") && !self.stderr.contains("warning"),
            "stderr has INTERNAL or a warning",
        );
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "status: {:?} after {:?}\n--- stdout ---\n{}--- stderr ---\n{}--------------",
            self.status, self.elapsed, self.stdout, self.stderr
        )
    }
}

/// A running make in its own process group, stdout and stderr going to
/// files (so that an orphaned grandchild holding them cannot block us).
pub struct Running {
    pub child: Child,
    started: Instant,
    out: PathBuf,
    err: PathBuf,
}

static RUN_ID: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

pub fn spawn(sb: &Sandbox, mut cmd: Command) -> Running {
    let id = RUN_ID.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let out = sb.path().join(format!(".run{id}.stdout"));
    let err = sb.path().join(format!(".run{id}.stderr"));
    cmd.stdout(fs::File::create(&out).expect("stdout file"))
        .stderr(fs::File::create(&err).expect("stderr file"))
        .process_group(0);
    let child = cmd.spawn().expect("spawn make");
    Running {
        child,
        started: Instant::now(),
        out,
        err,
    }
}

impl Running {
    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Waits at most `limit`; on timeout kills the whole process group and
    /// panics with what the run printed so far.
    pub fn wait(mut self, limit: Duration) -> Outcome {
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return self.outcome(status);
            }
            if self.started.elapsed() > limit {
                let pgid = self.pid();
                // SAFETY: signalling a process group we created.
                unsafe { libc::kill(-pgid, libc::SIGKILL) };
                let status = self.child.wait().expect("wait after kill");
                let o = self.outcome(status);
                panic!("make did not finish within {limit:?} (killed)\n{o}");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn outcome(&self, status: ExitStatus) -> Outcome {
        Outcome {
            status,
            stdout: fs::read_to_string(&self.out).unwrap_or_default(),
            stderr: fs::read_to_string(&self.err).unwrap_or_default(),
            elapsed: self.started.elapsed(),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // A panicking test must not leave its make running.
        if let Ok(None) = self.child.try_wait() {
            // SAFETY: signalling a process group we created.
            unsafe { libc::kill(-(self.child.id() as i32), libc::SIGKILL) };
            let _ = self.child.wait();
        }
    }
}

/// Runs `cmd` in the sandbox and waits at most `limit`.
pub fn run(sb: &Sandbox, cmd: Command, limit: Duration) -> Outcome {
    spawn(sb, cmd).wait(limit)
}

/// Polls `cond` every 10 ms for at most `limit`; returns whether it held.
pub fn wait_until(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let t = Instant::now();
    loop {
        if cond() {
            return true;
        }
        if t.elapsed() > limit {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A recipe that logs `start NAME` / `end NAME` (appends, O_APPEND) around a
/// sleep of `ms` milliseconds. `log` is an absolute path.
pub fn logged_recipe(log: &Path, name: &str, ms: u32) -> String {
    let log = log.display();
    format!(
        "\t@echo 'start {name}' >> {log}; sleep {}.{:03}; echo 'end {name}' >> {log}\n",
        ms / 1000,
        ms % 1000
    )
}

/// The job log: `start X` / `end X` lines in the order they were appended.
pub struct JobLog {
    pub lines: Vec<(bool, String)>,
}

impl JobLog {
    pub fn read(path: &Path) -> JobLog {
        let text = fs::read_to_string(path).unwrap_or_default();
        let lines = text
            .lines()
            .filter_map(|l| {
                if let Some(n) = l.strip_prefix("start ") {
                    Some((true, n.to_string()))
                } else {
                    l.strip_prefix("end ").map(|n| (false, n.to_string()))
                }
            })
            .collect();
        JobLog { lines }
    }

    /// The largest number of jobs between their start and end lines.
    pub fn max_concurrency(&self) -> usize {
        let mut cur = 0usize;
        let mut max = 0usize;
        for (start, _) in &self.lines {
            if *start {
                cur += 1;
                max = max.max(cur);
            } else {
                cur = cur.saturating_sub(1);
            }
        }
        max
    }

    pub fn started(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .lines
            .iter()
            .filter(|(s, _)| *s)
            .map(|(_, n)| n.clone())
            .collect();
        v.sort();
        v
    }

    pub fn ended(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .lines
            .iter()
            .filter(|(s, _)| !*s)
            .map(|(_, n)| n.clone())
            .collect();
        v.sort();
        v
    }

    /// Every job in `names` started and ended exactly once.
    pub fn assert_all_ran(&self, names: &[String], o: &Outcome) {
        let mut want = names.to_vec();
        want.sort();
        o.check(
            self.started() == want && self.ended() == want,
            &format!(
                "jobs that ran differ from the expected {} jobs: started {:?}, ended {:?}",
                want.len(),
                self.started(),
                self.ended()
            ),
        );
    }
}

/// Whether process `pid` still exists and is not a zombie.
pub fn process_alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks for existence.
    if unsafe { libc::kill(pid, 0) } != 0 {
        return false;
    }
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            // "pid (comm) S ..." — the state follows the last ')'.
            let state = stat
                .rfind(')')
                .and_then(|i| stat[i + 1..].trim_start().chars().next());
            !matches!(state, Some('Z') | Some('X'))
        }
        Err(_) => false,
    }
}

/// A small deterministic generator (xorshift64*) for random-but-reproducible
/// makefiles; the seed is printed by the tests that use it.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The seed: `FAIRMAKE_E2E_SEED` if set, else from the clock.
pub fn seed() -> u64 {
    if let Some(s) = std::env::var("FAIRMAKE_E2E_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        return s;
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1)
}

// The jobserver-crate client --------------------------------------------------

/// Call from a `#[test] fn zz_client_entry()`. When run with `FM_CLIENT="NAME COUNT MS LOG"`: a jobserver client built
/// on the `jobserver` crate, as cargo is. It runs COUNT jobs of MS
/// milliseconds, one on its implicit slot and the others each on a token,
/// logging them to LOG, and exits 3 if MAKEFLAGS gave it no jobserver.
pub fn client_main() {
    let Ok(spec) = std::env::var("FM_CLIENT") else {
        return;
    };
    let parts: Vec<&str> = spec.split(' ').collect();
    let (name, count, ms, log) = (
        parts[0].to_string(),
        parts[1].parse::<usize>().unwrap(),
        parts[2].parse::<u64>().unwrap(),
        parts[3].to_string(),
    );
    // SAFETY: called once, before any thread, as the crate asks.
    let from_env = unsafe { jobserver::Client::from_env_ext(true) };
    let client = match from_env.client {
        Ok(c) => c,
        Err(e) => {
            eprintln!("client {name}: no jobserver: {e}");
            std::process::exit(3);
        }
    };
    let implicit_free = Arc::new(AtomicBool::new(true));
    let mut workers = Vec::new();
    for i in 1..=count {
        let token = loop {
            if implicit_free.swap(false, Ordering::SeqCst) {
                break None;
            }
            if let Ok(Some(t)) = client.try_acquire() {
                break Some(t);
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let (job, log, free) = (format!("{name}{i}"), log.clone(), implicit_free.clone());
        workers.push(std::thread::spawn(move || {
            append(&log, &format!("start {job}"));
            std::thread::sleep(Duration::from_millis(ms));
            append(&log, &format!("end {job}"));
            match token {
                Some(t) => drop(t),
                None => free.store(true, Ordering::SeqCst),
            }
        }));
    }
    for w in workers {
        w.join().unwrap();
    }
    std::process::exit(0);
}

fn append(log: &str, line: &str) {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(log)
        .unwrap();
    f.write_all(format!("{line}\n").as_bytes()).unwrap();
}

/// A recipe line that runs the client (the variable `CLIENT` holds the
/// test binary's path).
pub fn client_line(name: &str, count: usize, ms: u32, log: &Path) -> String {
    format!(
        "FM_CLIENT='{name} {count} {ms} {}' $(CLIENT) --exact zz_client_entry -q >/dev/null",
        log.display()
    )
}

/// `CLIENT=` this test binary, for a make's command line.
pub fn client_var() -> String {
    format!("CLIENT={}", std::env::current_exe().unwrap().display())
}
