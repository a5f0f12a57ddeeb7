//! Which of `--trace-json`, `--stats` and `--progress` a make serves, where
//! its trace goes, and what happens to it at the end: the summary of
//! `--stats` (printed once, by the top-level make, also after a fatal
//! signal) and the removal of a trace that existed only for it.
//!
//! The build's own time is measured from the start of this process: its
//! CPU time is what the children it waited for used since then, not what a
//! process that `exec`ed fairmake had collected before.

use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::sync::OnceLock;

use crate::diag;
use crate::eval::Evaluator;
use crate::options::Options;

/// Wall clock and children's CPU when this make started.
#[derive(Clone, Copy, Debug)]
struct Start {
    wall_us: u64,
    children: Cpu,
}

/// User and system CPU time, in microseconds.
#[derive(Clone, Copy, Debug, Default)]
pub struct Cpu {
    pub user_us: u64,
    pub sys_us: u64,
}

static START: OnceLock<Start> = OnceLock::new();

/// Notes the start of the build, as early as possible (before the
/// makefiles' `$(shell)`s run), when a summary will be printed. Costs
/// nothing otherwise: sub-makes start often.
pub fn note_start(opts: &Options, level: u32) {
    if wants_stats(opts, level) {
        let _ = START.set(Start {
            wall_us: now_us(),
            children: cpu(libc::RUSAGE_CHILDREN),
        });
    }
}

fn wants_stats(opts: &Options, level: u32) -> bool {
    opts.stats || (level == 0 && std::env::var_os("FAIRMAKE_STATS").is_some_and(|v| v == "1"))
}

fn now_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

/// `getrusage` for `who` (this process, or its waited-for children). The
/// one system call of the crate made through `libc` rather than `rustix`,
/// which (1.1) has no `getrusage`.
fn cpu(who: libc::c_int) -> Cpu {
    // SAFETY: getrusage fills the struct it is given, which is plain data
    // that all zeroes is a valid value of.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(who, &mut usage);
        usage
    };
    let us = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    Cpu {
        user_us: us(usage.ru_utime),
        sys_us: us(usage.ru_stime),
    }
}

/// What the end of the build does with the trace.
#[derive(Debug)]
pub struct Ending {
    pub path: Vec<u8>,
    /// Print the summary (the top-level make of `--stats`).
    stats: bool,
    /// The trace exists only for `--stats` or `--progress`: delete it.
    temporary: bool,
    /// `-jN` as the summary compares with it.
    jobs: u32,
    start: Option<Start>,
}

impl Ending {
    /// Prints the summary (said to be partial after `signal`) and removes
    /// a temporary trace.
    pub fn run(&self, signal: Option<i32>) {
        if self.stats {
            let end_us = now_us();
            let path = std::path::Path::new(std::ffi::OsStr::from_bytes(&self.path));
            let events = super::read_events(path).unwrap_or_default();
            let start = self.start.unwrap_or(Start {
                wall_us: end_us,
                children: Cpu::default(),
            });
            let summary = super::stats::summarize(&events, self.jobs, start.wall_us, end_us);
            let now = cpu(libc::RUSAGE_CHILDREN);
            let jobs_cpu = Cpu {
                user_us: now.user_us.saturating_sub(start.children.user_us),
                sys_us: now.sys_us.saturating_sub(start.children.sys_us),
            };
            let cpu = super::stats::CpuUse {
                jobs: jobs_cpu,
                make: cpu(libc::RUSAGE_SELF),
            };
            let text = super::stats::render(&summary, self.jobs, &cpu, signal);
            eprint!("{text}");
        }
        self.remove_temporary();
    }

    pub fn remove_temporary(&self) {
        if self.temporary {
            let _ = std::fs::remove_file(std::ffi::OsStr::from_bytes(&self.path));
        }
    }
}

/// Opens this make's trace, if any of the three options (or a parent's
/// trace, through the environment) asks for one.
pub fn recorder(ev: &mut Evaluator, opts: &Options) -> Option<super::Recorder> {
    let stats = wants_stats(opts, ev.invocation.level);
    // The progress line follows the trace to see the sub-makes' jobs.
    let progress = opts.progress && ev.invocation.level == 0;
    let inherited = std::env::var_os(super::TRACE_ENV).map(|v| v.into_vec());
    let (path, owner, temporary) = match (&opts.trace_json, inherited) {
        (Some(p), _) => (p.clone(), true, false),
        // Set by the user for the top-level make, the variable makes it
        // the owner; sub-makes (MAKELEVEL > 0) append.
        (None, Some(p)) if !stats => (p, ev.invocation.level == 0, false),
        _ if stats || progress => {
            let dir = std::env::var_os("TMPDIR")
                .map(|v| v.into_vec())
                .unwrap_or_else(|| b"/tmp".to_vec());
            let name = format!("/fairmake-stats-{}.json", std::process::id());
            ([dir.as_slice(), name.as_bytes()].concat(), true, true)
        }
        _ => return None,
    };
    ev.invocation.trace_path = Some(path.clone());
    let name = format!("{} {}", diag::prefix(), diag::show(&ev.invocation.cwd));
    let mut recorder = match super::Recorder::open(&path, owner, &name) {
        Ok(r) => r,
        Err(e) => {
            diag::warn(
                None,
                format_args!("warning: cannot write the trace {}: {e}", diag::show(&path)),
            );
            return None;
        }
    };
    let jobs = match opts.jobs {
        Some(Some(n)) => n,
        Some(None) => u32::MAX,
        None => 1,
    };
    if owner {
        recorder.build_slots(if jobs == u32::MAX { 0 } else { jobs });
    }
    recorder.set_ending(Ending {
        path,
        stats,
        temporary: temporary && owner,
        jobs,
        start: START.get().copied(),
    });
    Some(recorder)
}
