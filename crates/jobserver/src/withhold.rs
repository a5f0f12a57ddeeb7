//! The memory-aware server: withholding tokens while memory is short.
//!
//! Owns the decision "how many jobs may run in the whole tree now" and
//! keeps it the only way the protocol allows: the server takes free tokens
//! out of the pool, like any client, through its private non-blocking
//! description, holds them, and writes the very same bytes back when
//! memory allows more jobs, and on every way out (a [`Token`] writes its
//! byte back once, on release or drop). Every client — sub-makes, ninja,
//! cargo, `gcc -flto=jobserver` — follows without knowing, since they all
//! read from that pool. It never waits for a token and never takes one
//! that is not free; a make's implicit slot is never a token, so at least
//! one job always runs.
//!
//! The window (jobs allowed in the tree) follows what memory shows:
//! - **Slow start.** Until a job's memory has been seen — the build's
//!   memory has stopped growing for a settle interval — every job is
//!   assumed to need up to 2 GiB: the server starts by withholding the
//!   tokens of the slots that would not fit (none where 2 GiB per slot is
//!   available, so then the build starts as under GNU make; all but the
//!   implicit slot where less than 2 GiB is).
//!   The window then at most doubles per settle interval (300 ms), and
//!   only while the build's memory has not grown in it; at each look
//!   (20 ms) while the build has taken no memory at all.
//! - **Fit.** With `p` the most memory a job has used (the build's memory
//!   over the jobs running, at its highest), the window is the jobs running
//!   plus the jobs of size `p` that fit in what is available above the
//!   reserve, and at most the jobs of size `p` that fit in what the build
//!   uses plus what is available. It grows only while the build's memory
//!   is settled (a job admitted has shown its size); it shrinks at once.
//! - **Short.** Below the reserve, tokens that come back are kept: fewer
//!   jobs run until memory is available again.
//! - **Pressure.** While the kernel reports memory stalls (PSI) on more
//!   than a tenth of the time, no more jobs are admitted.
//!
//! The source is a [`MemorySource`], so tests inject what memory shows.

use std::collections::VecDeque;
use std::fmt;

use std::time::{Duration, Instant};

use crate::client::Client;
use crate::memory::{Bytes, MemorySample, MemorySource};
use crate::token::Token;

/// How much memory to keep free.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum Reserve {
    /// 5 % of the limit, at least 64 MiB and at most 1 GiB.
    #[default]
    Auto,
    /// So many bytes.
    Bytes(u64),
    /// A share of the limit, in percent.
    Percent(f64),
}

impl Reserve {
    /// The reserve in bytes, for a limit of `limit` bytes.
    pub fn bytes(&self, limit: u64) -> u64 {
        match *self {
            Reserve::Auto => (limit / 20).clamp(64 << 20, 1 << 30),
            Reserve::Bytes(b) => b,
            Reserve::Percent(p) => (limit as f64 * p / 100.0) as u64,
        }
    }

    /// `auto`, a size (`512M`, `2G`, bytes) or a percentage (`5%`).
    pub fn parse(text: &str) -> Option<Reserve> {
        if text == "auto" {
            return Some(Reserve::Auto);
        }
        if let Some(p) = text.strip_suffix('%') {
            let p: f64 = p.parse().ok()?;
            return (p.is_finite() && (0.0..=100.0).contains(&p)).then_some(Reserve::Percent(p));
        }
        crate::memory::parse_size(text).map(Reserve::Bytes)
    }
}

/// Why tokens are withheld.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// Nothing is withheld.
    Plenty,
    /// No job's memory has been seen yet.
    SlowStart,
    /// The jobs admitted have not shown their size yet: their memory grows.
    Growing,
    /// One more job of the size seen would leave less than the reserve,
    /// or less than the reserve is left.
    Short,
    /// The kernel reports tasks stalled on memory.
    Pressure,
    /// Memory cannot be read: nothing is withheld any more.
    Unreadable,
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Why::Plenty => "memory plentiful",
            Why::SlowStart => "slow start",
            Why::Growing => "memory growing",
            Why::Short => "memory short",
            Why::Pressure => "memory pressure",
            Why::Unreadable => "memory unreadable",
        })
    }
}

/// What changed, for the trace and `--stats`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Change {
    /// Tokens held back now.
    pub withheld: usize,
    /// Jobs allowed in the whole tree now.
    pub window: u32,
    /// Why tokens are withheld (or not).
    pub why: Why,
    /// The last look at memory.
    pub sample: MemorySample,
    /// The most memory one job was seen to use.
    pub per_job: u64,
    /// The memory kept free, in bytes.
    pub reserve: u64,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} tokens withheld, {} jobs allowed; available {} of {}, reserve {}, a job up to {}",
            self.why,
            self.withheld,
            self.window,
            Bytes(self.sample.available),
            Bytes(self.sample.limit),
            Bytes(self.reserve),
            Bytes(self.per_job)
        )
    }
}

/// Timing of the governor.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// How long the build's memory must stop growing before more jobs
    /// are admitted: the time a new job has to show its size.
    pub settle: Duration,
    /// Samples while tokens are withheld.
    pub busy_period: Duration,
    /// Samples while nothing is withheld.
    pub idle_period: Duration,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            settle: Duration::from_millis(300),
            busy_period: Duration::from_millis(20),
            idle_period: Duration::from_millis(100),
        }
    }
}

/// Growth of the build's memory over the settle interval that still
/// counts as settled, whatever the jobs' size: page tables, a shell, a
/// make. (A job that grows at 30 MB/s or more is seen growing.)
const SETTLED_SLACK: u64 = 8 << 20;
/// The size assumed for every job until one has shown its size: a large
/// C++ compile or a small link. With this much available per slot, all
/// start at once, as under GNU make.
const FIRST_GUESS: u64 = 2 << 30;
/// The smallest size assumed for a job, so that jobs that use nothing
/// still divide the memory available into a finite number.
const MIN_JOB: u64 = 8 << 20;
/// The share of time stalled on memory (PSI) above which no more jobs
/// are admitted.
const STALL_SHARE: f64 = 0.10;

/// Withholds tokens of a server of `jobs` slots while memory is short.
pub struct Governor {
    source: Box<dyn MemorySource>,
    reserve: Reserve,
    timing: Timing,
    jobs: u32,
    /// Jobs allowed in the whole tree.
    window: u32,
    withheld: Vec<Token>,
    why: Why,
    /// Memory used (limit − available) at the first look, before any job.
    base: Option<u64>,
    /// The most memory one job was seen to use.
    per_job: u64,
    /// Memory used at each recent look, for "has it settled?".
    history: VecDeque<(Instant, u64)>,
    last: Option<(Instant, MemorySample)>,
    /// The PSI counter at the look before, to compute the stall share.
    stall_before: Option<(Instant, u64)>,
    stalled: bool,
    /// When the window last grew: the jobs it let in must show their size
    /// before it grows again.
    grown_at: Option<Instant>,
    /// At the last look, 2 GiB a slot was available above the reserve.
    roomy: bool,
}

impl fmt::Debug for Governor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Governor")
            .field("jobs", &self.jobs)
            .field("window", &self.window)
            .field("withheld", &self.withheld.len())
            .field("why", &self.why)
            .finish()
    }
}

impl Governor {
    /// A governor for a server of `jobs` slots. It starts in slow start:
    /// the first [`govern`](Governor::govern) holds every free token.
    pub fn new(jobs: u32, source: Box<dyn MemorySource>, reserve: Reserve) -> Governor {
        Governor::with_timing(jobs, source, reserve, Timing::default())
    }

    /// [`Governor::new`] with other timing (tests, experiments).
    pub fn with_timing(
        jobs: u32,
        source: Box<dyn MemorySource>,
        reserve: Reserve,
        timing: Timing,
    ) -> Governor {
        Governor {
            source,
            reserve,
            timing,
            jobs: jobs.max(1),
            window: 1,
            withheld: Vec::new(),
            why: Why::SlowStart,
            base: None,
            per_job: 0,
            history: VecDeque::new(),
            last: None,
            stall_before: None,
            stalled: false,
            grown_at: None,
            roomy: false,
        }
    }

    /// What is read, for messages.
    pub fn describe(&self) -> String {
        self.source.describe()
    }

    /// Tokens held back now: count them as held by the server (healing,
    /// the end-of-build count).
    pub fn withheld(&self) -> usize {
        self.withheld.len()
    }

    /// Jobs allowed in the whole tree now.
    pub fn window(&self) -> u32 {
        self.window
    }

    /// Why tokens are withheld now (or not).
    pub fn why(&self) -> Why {
        self.why
    }

    /// Whether it wants tokens it could not take yet: the owner should
    /// wake when the pool becomes readable, and call `govern` again.
    pub fn hungry(&self) -> bool {
        self.why != Why::Unreadable && self.withheld.len() < self.target()
    }

    fn target(&self) -> usize {
        (self.jobs - self.window.min(self.jobs)) as usize
    }

    fn period(&self) -> Duration {
        if self.why == Why::SlowStart && self.per_job == 0 {
            // Nothing seen yet: jobs that take no memory double the window
            // at each look, so look often (a few looks in all).
            self.timing.busy_period / 4
        } else if self.window >= self.jobs && self.roomy {
            // 2 GiB a slot and more: no build fills that in half a second.
            self.timing.idle_period * 5
        } else if self.window < self.jobs {
            self.timing.busy_period
        } else {
            self.timing.idle_period
        }
    }

    /// How long until the next look is due (for the owner's poll timeout).
    pub fn next_due(&self, now: Instant) -> Duration {
        match self.last {
            _ if self.why == Why::Unreadable => Duration::from_secs(3600),
            Some((at, _)) => (at + self.period()).saturating_duration_since(now),
            None => Duration::ZERO,
        }
    }

    /// Looks at memory when a look is due, decides how many jobs the tree
    /// may run, and takes free tokens from `client` or gives withheld
    /// ones back to match. `free` is the tokens in the pool now (the
    /// server's count, which takes none); `running_here` the jobs the
    /// caller runs itself (one of them on its implicit slot). Never
    /// blocks. Returns what changed, if anything.
    pub fn govern(
        &mut self,
        client: &Client,
        free: impl FnOnce() -> usize,
        running_here: u32,
        now: Instant,
    ) -> Option<Change> {
        if self.why == Why::Unreadable {
            return None;
        }
        let before = (self.withheld.len(), self.why);
        let due = self
            .last
            .is_none_or(|(at, _)| now.saturating_duration_since(at) >= self.period());
        if due {
            match self.source.sample() {
                Ok(sample) => self.decide(sample, free(), running_here, now),
                Err(_) => {
                    // Blind, it cannot protect anything: give everything back.
                    self.why = Why::Unreadable;
                    self.window = self.jobs;
                    self.release_all();
                    return self.change();
                }
            }
        }
        self.adjust(client);
        (before != (self.withheld.len(), self.why))
            .then(|| self.change())
            .flatten()
    }

    fn change(&self) -> Option<Change> {
        let (_, sample) = self.last?;
        Some(Change {
            withheld: self.withheld.len(),
            window: self.window,
            why: self.why,
            sample,
            per_job: self.per_job,
            reserve: self.reserve.bytes(sample.limit),
        })
    }

    /// Jobs running in the whole tree: tokens out of the pool, plus the
    /// implicit slot of the make that owns the server when it runs a job.
    fn running(&self, free: usize, running_here: u32) -> u64 {
        let tokens = (self.jobs - 1) as usize;
        let out = tokens.saturating_sub(free + self.withheld.len()) as u64;
        out + u64::from(running_here.min(1))
    }

    fn decide(&mut self, s: MemorySample, free: usize, running_here: u32, now: Instant) {
        let used = s.limit.saturating_sub(s.available);
        let first = self.base.is_none();
        let base = *self.base.get_or_insert(used);
        let running = self.running(free, running_here);
        if let Some(each) = used.saturating_sub(base).checked_div(running) {
            self.per_job = self.per_job.max(each);
        }
        // Settled: the build's memory has grown by less than a slack over
        // the settle interval (falling is settled too).
        self.history.push_back((now, used));
        while self
            .history
            .get(1)
            .is_some_and(|&(t, _)| now.saturating_duration_since(t) >= self.timing.settle)
        {
            self.history.pop_front();
        }
        let (oldest_at, _) = self.history[0];
        let lowest = self.history.iter().map(|&(_, u)| u).min().unwrap_or(used);
        let slack = SETTLED_SLACK.max(self.per_job / 32);
        // Jobs admitted last have had the settle interval to show their
        // size (a job may start slowly: exec, reading its input).
        let shown = self
            .grown_at
            .is_none_or(|at| now.saturating_duration_since(at) >= self.timing.settle);
        let settled = shown
            && now.saturating_duration_since(oldest_at) >= self.timing.settle
            && used.saturating_sub(lowest) <= slack;
        self.stalled = match (self.stall_before, s.stall_us) {
            (Some((at, before)), Some(total)) => {
                let span = now.saturating_duration_since(at).as_micros() as f64;
                let share = total.saturating_sub(before) as f64 / span.max(1.0);
                share >= STALL_SHARE
            }
            _ => false,
        };
        self.stall_before = s.stall_us.map(|t| (now, t));
        self.last = Some((now, s));

        let reserve = self.reserve.bytes(s.limit) as i64;
        let headroom = s.available as i64 - reserve;
        let size = self.per_job.max(MIN_JOB) as i64;
        // Jobs of the size seen: those running and those that fit in what
        // is available; and those that fit in what the build could have
        // (what it uses and what is available). The second does not count
        // a job that has freed its memory but not yet exited (its token
        // is still out) as both running and fitting.
        let by_tokens = running as i64 + headroom.div_euclid(size);
        let build = used.saturating_sub(base) as i64;
        let by_budget = (build + headroom).div_euclid(size);
        let jobs = i64::from(self.jobs);
        let fitting = by_tokens.min(by_budget).clamp(1, jobs) as u32;
        self.roomy = headroom >= jobs.saturating_mul(FIRST_GUESS as i64);
        if first {
            // Slow start: as many jobs as fit if each took FIRST_GUESS,
            // until one has shown its size.
            let w = headroom.div_euclid(FIRST_GUESS as i64).clamp(1, jobs) as u32;
            self.window = w;
            self.why = if w >= self.jobs {
                Why::Plenty
            } else {
                Why::SlowStart
            };
            return;
        }
        let seen = self.per_job > 0 || (settled && self.why != Why::SlowStart);
        // Nothing in the build has taken memory yet (jobs that use none:
        // shells, `true`, `sleep`): no reason to wait a settle interval
        // before each doubling; a look (20 ms) will do.
        let tiny = build <= SETTLED_SLACK as i64 && self.per_job <= SETTLED_SLACK;
        let (window, why) = if headroom < 0 {
            (fitting.min(self.window), Why::Short)
        } else if self.stalled {
            (self.window.min((running as u32).max(1)), Why::Pressure)
        } else if tiny && self.why == Why::SlowStart {
            let w = fitting.min(self.window.saturating_mul(2));
            (
                w,
                if w >= self.jobs {
                    Why::Plenty
                } else {
                    Why::SlowStart
                },
            )
        } else if settled {
            // At most doubling per settle interval: a job that paused while
            // growing may look settled, and then only as many again start.
            let doubled = self.window.saturating_mul(2);
            let w = fitting.min(doubled);
            let why = if w >= self.jobs {
                Why::Plenty
            } else if w < fitting {
                Why::SlowStart
            } else {
                Why::Short
            };
            (w, why)
        } else if !seen {
            (self.window, Why::SlowStart)
        } else {
            let w = self.window.min(fitting);
            (
                w,
                if w >= self.jobs {
                    Why::Plenty
                } else {
                    Why::Growing
                },
            )
        };
        let window = window.clamp(1, self.jobs);
        if window > self.window {
            self.grown_at = Some(now);
        }
        self.window = window;
        self.why = if self.window >= self.jobs {
            Why::Plenty
        } else {
            why
        };
    }

    /// Takes free tokens, or gives withheld ones back, until the count
    /// withheld is the target. Never waits.
    fn adjust(&mut self, client: &Client) {
        let target = self.target();
        while self.withheld.len() > target {
            if let Some(t) = self.withheld.pop() {
                let _ = t.release();
            }
        }
        while self.withheld.len() < target {
            match client.try_acquire() {
                Ok(Some(t)) => self.withheld.push(t),
                _ => break,
            }
        }
    }

    /// Gives every withheld token back (the end of the build, an error, a
    /// signal). Dropping the governor does too.
    pub fn release_all(&mut self) {
        for t in self.withheld.drain(..) {
            let _ = t.release();
        }
    }

    /// Stops withholding for good (the build is over).
    pub fn stop(&mut self) {
        self.release_all();
        self.why = Why::Unreadable;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Server, Style};
    use std::cell::RefCell;
    use std::io;
    use std::rc::Rc;

    /// A sample with figures in MiB.
    fn mib(available: u64, limit: u64) -> io::Result<MemorySample> {
        Ok(MemorySample {
            available: available << 20,
            limit: limit << 20,
            stall_us: None,
        })
    }

    /// What a scripted source shows next: available and limit, in MiB.
    type Shown = Rc<RefCell<(u64, u64)>>;

    /// A source whose next sample the test sets.
    fn scripted(start: (u64, u64)) -> (Box<dyn MemorySource>, Shown) {
        let state = Rc::new(RefCell::new(start));
        let s = state.clone();
        let source = move || {
            let (a, l) = *s.borrow();
            mib(a, l)
        };
        (Box::new(source), state)
    }

    /// A governor that settles in 100 ms.
    fn governor(jobs: u32, source: Box<dyn MemorySource>, reserve: Reserve) -> Governor {
        let timing = Timing {
            settle: Duration::from_millis(100),
            ..Timing::default()
        };
        Governor::with_timing(jobs, source, reserve, timing)
    }

    fn at(t0: Instant, ms: u64) -> Instant {
        t0 + Duration::from_millis(ms)
    }

    #[test]
    fn slow_start_then_fit_then_recover() {
        let server = Server::create(8, Style::Fifo, None).unwrap();
        let client = server.client().unwrap();
        let free = || server.tokens_available().unwrap();
        let (source, mem) = scripted((6000, 6000));
        let mut g = governor(8, source, Reserve::Bytes(200 << 20));
        let t0 = Instant::now();
        // Slow start: (6000 - 200) MiB hold two jobs of 2 GiB: the make's
        // implicit slot and one token; six are held.
        let c = g.govern(&client, free, 1, t0).unwrap();
        assert_eq!((c.withheld, c.window, c.why), (6, 2, Why::SlowStart));
        assert_eq!(server.tokens_available().unwrap(), 1);
        // The first job grows to 1.5 GB: not settled, nothing admitted.
        *mem.borrow_mut() = (4500, 6000);
        let c = g.govern(&client, free, 1, at(t0, 50)).unwrap();
        assert_eq!((c.window, c.withheld, c.why), (2, 6, Why::Growing));
        // Settled at 1.5 GB: (4500 - 200) / 1500 = 2 more fit.
        let c = g.govern(&client, free, 1, at(t0, 160)).unwrap();
        assert_eq!((c.window, c.withheld, c.why), (3, 5, Why::Short));
        assert_eq!(c.per_job, 1500 << 20);
        let t1 = client.try_acquire().unwrap().unwrap();
        let t2 = client.try_acquire().unwrap().unwrap();
        assert!(
            client.try_acquire().unwrap().is_none(),
            "only two were given back"
        );
        // Both grow: 4.5 GB used, 1.5 GB left: no more fit.
        *mem.borrow_mut() = (1500, 6000);
        let c = g.govern(&client, free, 1, at(t0, 200)).unwrap();
        assert_eq!((c.window, c.withheld, c.why), (3, 5, Why::Growing));
        let c = g.govern(&client, free, 1, at(t0, 320)).unwrap();
        assert_eq!((c.window, c.withheld, c.why), (3, 5, Why::Short));
        // The three jobs grow on to 1.97 GB each: below the reserve, one
        // job fewer.
        *mem.borrow_mut() = (100, 6000);
        let c = g.govern(&client, free, 1, at(t0, 400));
        assert_eq!(g.window(), 2, "{c:?}");
        assert_eq!(g.why(), Why::Short);
        // A job ends: its token is kept, not handed out.
        drop(t2);
        g.govern(&client, free, 1, at(t0, 410));
        assert_eq!(g.withheld(), 6);
        assert_eq!(server.tokens_available().unwrap(), 0);
        // Memory frees (the jobs end): parallelism comes back.
        drop(t1);
        *mem.borrow_mut() = (6000, 6000);
        for ms in (500..800).step_by(25) {
            g.govern(&client, free, 0, at(t0, ms));
        }
        // Jobs of the largest size seen, 5900 / 3: (6000 - 200) / 1966 = 2.
        assert_eq!(g.window(), 2);
        assert_eq!(g.per_job, (5900 << 20) / 3);
        assert_eq!(g.why(), Why::Short);
        // Conservation: every token is in the pool or held by the governor.
        assert_eq!(server.tokens_available().unwrap() + g.withheld(), 7);
        g.release_all();
        assert!(server.shutdown_check().unwrap().is_complete());
    }

    #[test]
    fn plentiful_memory_withholds_nothing() {
        let server = Server::create(8, Style::Pipe, None).unwrap();
        let client = server.client().unwrap();
        let (source, _) = scripted((20000, 24000));
        let mut g = governor(8, source, Reserve::Auto);
        let t0 = Instant::now();
        g.govern(&client, || server.tokens_available().unwrap(), 0, t0);
        assert_eq!((g.withheld(), g.why()), (0, Why::Plenty));
        assert_eq!(server.tokens_available().unwrap(), 7);
    }

    #[test]
    fn slow_start_opens_the_window_after_one_settle() {
        let server = Server::create(16, Style::Pipe, None).unwrap();
        let client = server.client().unwrap();
        let free = || server.tokens_available().unwrap();
        let (source, _) = scripted((20000, 24000));
        let mut g = governor(16, source, Reserve::Auto);
        let t0 = Instant::now();
        g.govern(&client, free, 1, t0);
        // (20000 - 1024) MiB / 2 GiB: 9 jobs until one is seen.
        assert_eq!((g.withheld(), g.why()), (7, Why::SlowStart));
        let c = g.govern(&client, free, 1, at(t0, 120)).unwrap();
        assert_eq!((c.withheld, c.window, c.why), (0, 16, Why::Plenty));
        assert_eq!(server.tokens_available().unwrap(), 15);
    }

    #[test]
    fn a_job_that_pauses_while_growing_lets_in_only_as_many_again() {
        let server = Server::create(16, Style::Fifo, None).unwrap();
        let client = server.client().unwrap();
        let free = || server.tokens_available().unwrap();
        let (source, mem) = scripted((1000, 1024));
        let mut g = governor(16, source, Reserve::Auto);
        let t0 = Instant::now();
        g.govern(&client, free, 1, t0);
        assert_eq!(g.window(), 1);
        // 24 MiB, then a pause: it looks settled, but only one more starts.
        *mem.borrow_mut() = (976, 1024);
        g.govern(&client, free, 1, at(t0, 30));
        let c = g.govern(&client, free, 1, at(t0, 140)).unwrap();
        assert_eq!((c.window, c.why), (2, Why::SlowStart));
        // Both grow on: no more.
        *mem.borrow_mut() = (700, 1024);
        g.govern(&client, free, 1, at(t0, 260));
        assert_eq!((g.window(), g.why()), (2, Why::Growing));
    }

    #[test]
    fn takes_only_free_tokens_and_never_waits() {
        let server = Server::create(4, Style::Fifo, None).unwrap();
        let client = server.client().unwrap();
        // Clients hold every token.
        let held: Vec<Token> = (0..3)
            .map(|_| client.try_acquire().unwrap().unwrap())
            .collect();
        let (source, _) = scripted((100, 6000));
        let mut g = governor(4, source, Reserve::Bytes(1 << 30));
        let start = Instant::now();
        g.govern(&client, || server.tokens_available().unwrap(), 1, start);
        assert!(start.elapsed() < Duration::from_millis(100), "never waits");
        assert_eq!(g.withheld(), 0);
        assert!(g.hungry());
        // A token comes back: the governor keeps it (memory is short).
        drop(held);
        g.govern(&client, || server.tokens_available().unwrap(), 1, start);
        assert_eq!(g.withheld(), 3);
        assert_eq!(server.tokens_available().unwrap(), 0);
        // Healing counts them as held by the server: nothing to heal.
        assert_eq!(
            server.heal_if_sound(g.withheld(), &[]).unwrap(),
            crate::HealCheck::Whole
        );
        drop(g);
        assert!(
            server.shutdown_check().unwrap().is_complete(),
            "dropping gives them back"
        );
    }

    #[test]
    fn pressure_stops_admission() {
        let server = Server::create(4, Style::Fifo, None).unwrap();
        let client = server.client().unwrap();
        let stall = Rc::new(RefCell::new(0u64));
        let s = stall.clone();
        let source = move || {
            Ok(MemorySample {
                available: 20 << 30,
                limit: 24 << 30,
                stall_us: Some(*s.borrow()),
            })
        };
        let mut g = governor(4, Box::new(source), Reserve::Auto);
        let t0 = Instant::now();
        let free = || server.tokens_available().unwrap();
        g.govern(&client, free, 1, t0);
        g.govern(&client, free, 1, at(t0, 600));
        assert_eq!(g.window(), 4);
        // Stalled 300 ms of the next 600 (with 2 GiB a slot, looks are
        // 500 ms apart).
        *stall.borrow_mut() = 300_000;
        let c = g.govern(&client, free, 1, at(t0, 1200)).unwrap();
        assert_eq!(c.why, Why::Pressure);
        assert_eq!(c.window, 1);
        // The stall stops: admission resumes, doubling.
        g.govern(&client, free, 0, at(t0, 1300));
        assert_eq!((g.window(), g.why()), (2, Why::SlowStart));
        g.govern(&client, free, 0, at(t0, 1410));
        assert_eq!((g.window(), g.why()), (4, Why::Plenty));
    }

    #[test]
    fn unreadable_memory_gives_everything_back() {
        let server = Server::create(4, Style::Fifo, None).unwrap();
        let client = server.client().unwrap();
        let fail = Rc::new(RefCell::new(false));
        let f = fail.clone();
        let source = move || {
            if *f.borrow() {
                Err(io::Error::other("gone"))
            } else {
                mib(1000, 6000)
            }
        };
        let mut g = governor(4, Box::new(source), Reserve::Auto);
        let t0 = Instant::now();
        g.govern(&client, || server.tokens_available().unwrap(), 1, t0);
        assert_eq!(g.withheld(), 3);
        *fail.borrow_mut() = true;
        let c = g
            .govern(
                &client,
                || server.tokens_available().unwrap(),
                1,
                at(t0, 50),
            )
            .unwrap();
        assert_eq!((c.why, c.withheld), (Why::Unreadable, 0));
        assert!(server.shutdown_check().unwrap().is_complete());
    }

    #[test]
    fn reserve_values() {
        assert_eq!(Reserve::parse("auto"), Some(Reserve::Auto));
        assert_eq!(Reserve::parse("512M"), Some(Reserve::Bytes(512 << 20)));
        assert_eq!(Reserve::parse("5%"), Some(Reserve::Percent(5.0)));
        assert_eq!(Reserve::parse("150%"), None);
        assert_eq!(Reserve::parse("lots"), None);
        assert_eq!(Reserve::Auto.bytes(6 << 30), (6u64 << 30) / 20);
        assert_eq!(Reserve::Auto.bytes(100 << 20), 64 << 20);
        assert_eq!(Reserve::Auto.bytes(64 << 30), 1 << 30);
        assert_eq!(Reserve::Percent(10.0).bytes(1000), 100);
    }
}
