//! The planner's edges, as in ninja (`CommandRunner`, `DiskInterface`): it
//! starts and collects jobs only through [`Jobs`], and asks the file system
//! for times only through [`FileTimes`], so that tests can put fakes in
//! their place (see `tests`). The real ones are the executor's `Runner` and
//! [`Disk`]. The planner is generic over both: a build uses one pair, so
//! the calls cost what direct ones do.
//!
//! Not behind the seams yet: the directory cache the implicit-rule search
//! and vpath ask (`Evaluator::fs`), and archive members' times.

use super::mtime::{self, Mtime};
use crate::diag::Fatal;
use crate::diag::Result;
use crate::exec::output::Captured;
use crate::exec::{EnvSource, JobOutcome, JobRequest, Runner, ShellSource};
use crate::fscache::FsCache;

/// What the planner asks of the executor.
pub trait Jobs {
    /// Jobs started so far (a target touched under `-t` counts as one).
    fn started(&self) -> u64;
    /// A target was touched instead of made (`-t`).
    fn count_touched(&mut self);
    /// Jobs running (or finished and not yet collected).
    fn running(&self) -> u32;
    /// Jobs with a process running (not those whose command could not
    /// start): the ones make waits for when it stops.
    fn alive(&self) -> u32;
    /// Some job has finished and waits to be collected.
    fn has_outcomes(&self) -> bool;
    /// Collects, without waiting, the jobs that have ended (and those whose
    /// command could not start), as GNU does before it starts another job;
    /// returns the jobs that finished. `shells` settles the shell of each
    /// command a job goes on to (see `exec::ShellSource`), here and in the
    /// other calls that collect jobs.
    fn collect_ended(&mut self, shells: &mut ShellSource<'_>) -> Vec<JobOutcome>;
    /// The next job needs a jobserver token: one of this make's jobs holds
    /// the implicit slot.
    fn needs_token(&self) -> bool;
    /// One job at a time: the planner waits for each before going on.
    fn is_serial(&self) -> bool;
    /// A job may start now (a slot, a token, the load allows it).
    fn has_free_slot(&mut self) -> bool;
    /// Starts a job; its outcome comes from `wait_any` or `wait_for_slot`.
    /// `env` makes its environment, if a command runs, and `shells` the
    /// shell of each command (an error doing either ends the job and is
    /// returned).
    fn start(
        &mut self,
        req: JobRequest,
        env: &mut EnvSource<'_>,
        shells: &mut ShellSource<'_>,
    ) -> Result<()>;
    /// Waits for at least one job to finish.
    fn wait_any(&mut self, shells: &mut ShellSource<'_>) -> Vec<JobOutcome>;
    /// Waits until a slot may be free, with the jobs that finished.
    fn wait_for_slot(&mut self, shells: &mut ShellSource<'_>) -> Vec<JobOutcome>;
    /// Make stops: waits for the jobs running, returns those that ended.
    fn finish_running(&mut self, shells: &mut ShellSource<'_>) -> Vec<JobOutcome>;
    /// The error settling the shell of a job's later command, which stops
    /// make (once).
    fn take_fatal(&mut self) -> Option<Fatal>;
    /// Under `-O`: where expanding a recipe prints to.
    fn capture_for_recipe(&self) -> Option<Captured>;
    /// The goals are made: the jobserver is no longer needed.
    fn finish_jobserver(&mut self);
    /// A trace is recorded (jobs name the prerequisites they waited for).
    fn traced(&self) -> bool;
}

impl Jobs for Runner {
    fn started(&self) -> u64 {
        self.started - self.idle
    }
    fn count_touched(&mut self) {
        self.started += 1;
    }
    fn running(&self) -> u32 {
        Runner::running(self)
    }
    fn alive(&self) -> u32 {
        Runner::alive(self)
    }
    fn has_outcomes(&self) -> bool {
        Runner::has_outcomes(self)
    }
    fn collect_ended(&mut self, shells: &mut ShellSource<'_>) -> Vec<JobOutcome> {
        Runner::collect_ended(self, shells)
    }
    fn needs_token(&self) -> bool {
        Runner::needs_token(self)
    }
    fn is_serial(&self) -> bool {
        Runner::is_serial(self)
    }
    fn has_free_slot(&mut self) -> bool {
        Runner::has_free_slot(self)
    }
    fn start(
        &mut self,
        req: JobRequest,
        env: &mut EnvSource<'_>,
        shells: &mut ShellSource<'_>,
    ) -> Result<()> {
        Runner::start(self, req, env, shells)
    }
    fn wait_any(&mut self, shells: &mut ShellSource<'_>) -> Vec<JobOutcome> {
        Runner::wait_any(self, shells)
    }
    fn finish_running(&mut self, shells: &mut ShellSource<'_>) -> Vec<JobOutcome> {
        Runner::finish_running(self, shells)
    }
    fn wait_for_slot(&mut self, shells: &mut ShellSource<'_>) -> Vec<JobOutcome> {
        Runner::wait_for_slot(self, shells)
    }
    fn take_fatal(&mut self) -> Option<Fatal> {
        self.fatal.take()
    }
    fn capture_for_recipe(&self) -> Option<Captured> {
        Runner::capture_for_recipe(self)
    }
    fn finish_jobserver(&mut self) {
        Runner::finish_jobserver(self)
    }
    fn traced(&self) -> bool {
        self.trace.is_some()
    }
}

/// What the planner asks of the file system about the files it makes.
/// `fs` is the run's directory cache, which the real one consults and
/// keeps current.
pub trait FileTimes {
    /// The modification time of `path` now (`None`: missing).
    fn mtime(&mut self, fs: &mut FsCache, path: &[u8]) -> Option<Mtime>;
    /// `-L`: the newest time of the symlinks leading to `path` and of the
    /// file itself.
    fn newest_of_links(&mut self, path: &[u8]) -> Option<Mtime>;
    /// Whether `path` exists, when a current directory listing tells
    /// without a `stat`.
    fn exists_listed(&mut self, fs: &FsCache, path: &[u8]) -> Option<bool>;
    /// Whether `path` exists now (asked of the file system itself).
    fn exists_now(&mut self, path: &[u8]) -> bool;
    /// `-t`: brings `path`'s time to now, creating it if need be.
    fn touch(&mut self, fs: &mut FsCache, path: &[u8]) -> std::io::Result<()>;
}

/// The file system itself.
#[derive(Clone, Copy, Debug, Default)]
pub struct Disk;

impl FileTimes for Disk {
    fn mtime(&mut self, fs: &mut FsCache, path: &[u8]) -> Option<Mtime> {
        mtime::fresh(fs, path)
    }
    fn newest_of_links(&mut self, path: &[u8]) -> Option<Mtime> {
        mtime::newest_of_links(path)
    }
    fn exists_listed(&mut self, fs: &FsCache, path: &[u8]) -> Option<bool> {
        fs.exists_fresh(path)
    }
    fn exists_now(&mut self, path: &[u8]) -> bool {
        crate::fscache::mtime_now(path).is_some()
    }
    fn touch(&mut self, fs: &mut FsCache, path: &[u8]) -> std::io::Result<()> {
        let result = crate::exec::touch(path);
        fs.touched(path);
        result
    }
}
