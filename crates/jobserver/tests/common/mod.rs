//! Shared pieces of the multi-process tests: a counter board in shared
//! memory, a tiny PRNG, bounded waits, and re-running this test binary as a
//! helper process (`FMJS_HELPER=<mode>`).
#![allow(dead_code)]

use std::fs::OpenOptions;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Counters shared by every process of one test through a mapped file:
/// jobs running now, the most ever running, errors seen, rounds done, and
/// one "held" flag per token byte to catch a token held twice.
pub struct Board {
    base: *mut AtomicU32,
}

// SAFETY: the mapping is shared memory accessed only through atomics.
unsafe impl Send for Board {}
// SAFETY: as for Send.
unsafe impl Sync for Board {}

const CUR: usize = 0;
const MAX: usize = 1;
const ERRORS: usize = 2;
const ROUNDS: usize = 3;
const HELD: usize = 16;
const WORDS: usize = HELD + 256;

impl Board {
    pub fn create(path: &Path) -> Board {
        let f = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .unwrap();
        f.set_len((WORDS * 4) as u64).unwrap();
        Board::map(&f)
    }

    pub fn open(path: &Path) -> Board {
        let f = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .unwrap();
        Board::map(&f)
    }

    fn map(f: &std::fs::File) -> Board {
        // SAFETY: a fresh shared mapping of an open file of the size given.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                WORDS * 4,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                f.as_raw_fd(),
                0,
            )
        };
        assert_ne!(p, libc::MAP_FAILED);
        Board { base: p.cast() }
    }

    fn at(&self, i: usize) -> &AtomicU32 {
        assert!(i < WORDS);
        // SAFETY: `i` is within the mapping (asserted), which lives as long as `self`.
        unsafe { &*self.base.add(i) }
    }

    /// A job starts, holding `byte`'s token (or only an implicit slot).
    pub fn enter(&self, byte: Option<u8>) {
        if let Some(b) = byte {
            if self.at(HELD + b as usize).swap(1, Ordering::SeqCst) != 0 {
                // The same token is held twice: it was duplicated.
                self.at(ERRORS).fetch_add(1, Ordering::SeqCst);
            }
        }
        let now = self.at(CUR).fetch_add(1, Ordering::SeqCst) + 1;
        self.at(MAX).fetch_max(now, Ordering::SeqCst);
    }

    /// The job ends; call before the token goes back.
    pub fn leave(&self, byte: Option<u8>) {
        self.at(CUR).fetch_sub(1, Ordering::SeqCst);
        if let Some(b) = byte {
            self.at(HELD + b as usize).store(0, Ordering::SeqCst);
        }
        self.at(ROUNDS).fetch_add(1, Ordering::SeqCst);
    }

    pub fn error(&self) {
        self.at(ERRORS).fetch_add(1, Ordering::SeqCst);
    }

    pub fn max(&self) -> u32 {
        self.at(MAX).load(Ordering::SeqCst)
    }
    pub fn current(&self) -> u32 {
        self.at(CUR).load(Ordering::SeqCst)
    }
    pub fn errors(&self) -> u32 {
        self.at(ERRORS).load(Ordering::SeqCst)
    }
    pub fn rounds(&self) -> u32 {
        self.at(ROUNDS).load(Ordering::SeqCst)
    }
}

/// xorshift: enough randomness for timing jitter, no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn seeded() -> Rng {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        Rng(t ^ (u64::from(std::process::id()) << 32) | 1)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// A fresh scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    // A counter, not a clock: tests running at once in one process (the
    // pipe and fifo variants share names) must never share a directory.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("fmjs-test-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// This test binary run as a helper in `mode`.
pub fn helper(mode: &str, board: &Path) -> Command {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args([
        "helper_entry",
        "--exact",
        "--nocapture",
        "--test-threads=1",
        "-q",
    ])
    .env("FMJS_HELPER", mode)
    .env("FMJS_BOARD", board)
    .env_remove("CARGO_MAKEFLAGS")
    .env_remove("MFLAGS")
    .env_remove("MAKEFLAGS");
    c
}

/// The command line that runs this binary as a helper, for a makefile.
pub fn helper_cmdline() -> String {
    format!(
        "{} helper_entry --exact --nocapture --test-threads=1 -q",
        std::env::current_exe().unwrap().display()
    )
}

/// Waits for every child, killing all of them if `limit` passes.
pub fn wait_all(children: &mut [Child], limit: Duration) -> Vec<ExitStatus> {
    let deadline = Instant::now() + limit;
    let mut done: Vec<Option<ExitStatus>> = vec![None; children.len()];
    while done.iter().any(Option::is_none) {
        for (i, c) in children.iter_mut().enumerate() {
            if done[i].is_none() {
                done[i] = c.try_wait().unwrap();
            }
        }
        if Instant::now() > deadline {
            for c in children.iter_mut() {
                let _ = c.kill();
                let _ = c.wait();
            }
            panic!("helpers did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    done.into_iter().map(Option::unwrap).collect()
}

/// Polls `cond` every few ms for up to 10 s.
pub fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}
