//! Jobs: running a recipe's lines one after another (shell or direct
//! exec) and reporting errors in GNU's wording. Making a recipe's lines
//! ready is `recipe`; the event loop and reaping children is `reap`.

pub mod env;
pub mod output;
mod reap;
mod recipe;
pub mod shell;
pub mod signals;
pub mod slots;
pub mod spawn;
pub mod sync_mutex;
pub mod tmpdir;

use recipe::recipe_place;
pub use recipe::{prepare_lines, settle_shell, written_recursive, PreparedLine, PreparedRecipe};
pub use signals::SignalWatch;

use std::collections::VecDeque;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use crate::diag;
use crate::rules::FileId;
use crate::trace::debug;

/// A child's environment: (name, value) pairs.
pub type Environment = Vec<(Vec<u8>, Vec<u8>)>;

/// Makes a job's environment. GNU expands the exported variables once per
/// job, when its first command that runs a process is about to (after it is
/// echoed): what they print, and their errors, come there. A job that runs
/// nothing (every line empty, `:`, or only shown under `-n`) never asks.
pub type EnvSource<'a> = dyn FnMut() -> diag::Result<Rc<Environment>> + 'a;

/// Settles a command's SHELL and .SHELLFLAGS, expanded in the scope of the
/// job's target (see [`recipe::settle_shell`]). GNU expands them for each
/// command as it reaches it, so what they print comes between the output
/// of the commands before and the echo of this one.
pub type ShellSource<'a> = dyn FnMut(FileId, &mut PreparedLine) -> diag::Result<()> + 'a;

/// What the planner hands over: a target's expanded recipe.
pub struct JobRequest {
    pub file: FileId,
    pub name: Vec<u8>,
    pub lines: Vec<PreparedLine>,
    pub precious: bool,
    /// The other targets its recipe makes (grouped peers, a pattern
    /// rule's other targets): deleted with it when the recipe is cut short.
    pub also_made: Vec<AlsoMade>,
    pub delete_on_error: bool,
    /// A failure is said by nobody (a prerequisite of an optional makefile).
    pub quiet_failure: bool,
    /// Under `-O`: the block what expanding the recipe printed is already
    /// in; the job's output and make's words about it follow.
    pub capture: Option<output::Captured>,
    /// For the trace: the prerequisites made by jobs of this run, which
    /// this job waited for (empty when nothing is traced).
    pub waited_for: Vec<Vec<u8>>,
    /// Its commands are only shown, as under -n, though -n is off: a
    /// makefile that is also a goal, remade under -n.
    pub dry_run: bool,
    /// Only its recursive commands run, as under -t though -t is off: a
    /// makefile that is also a goal, or what is made for it, remade
    /// under -t.
    pub touch: bool,
    /// -t touches its target as the job passes over its last line (which
    /// is not run), before the output held under -O goes out: the job
    /// hands that output back (`JobOutcome::held`) instead of writing it.
    pub touched_before_output: bool,
}

/// Another target a job's recipe makes (see [`JobRequest::also_made`]).
pub struct AlsoMade {
    pub name: Vec<u8>,
    pub precious: bool,
}

/// A finished job.
pub struct JobOutcome {
    pub file: FileId,
    pub ok: bool,
    /// Under `-q`: how the job found its target out of date (`ok` is false).
    pub out_of_date: Option<OutOfDate>,
    /// The recipe line whose command failed the job.
    pub failed_at: Option<diag::Loc>,
    /// The job's output held under -O, for the planner to write (see
    /// `JobRequest::touched_before_output`).
    pub held: Option<output::Captured>,
}

/// How a job under `-q`, which runs only recursive commands, learns that
/// its target is out of date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutOfDate {
    /// It reached a command that is not recursive: that one would run.
    Command,
    /// A recursive command exited with status 1: a sub-make under `-q`
    /// found its goals out of date. Make says nothing and stops.
    SubMake,
}

struct Job {
    req: JobRequest,
    /// Made when its first command runs (see [`EnvSource`]).
    env: Option<Rc<Environment>>,
    next_line: usize,
    pid: Option<u32>,
    /// `--debug=j`: the job is on the chain, its last child this one.
    chained: Option<u32>,
    mtime_before: Option<crate::fscache::Mtime>,
    /// The times of `req.also_made` as the job started.
    also_made_before: Vec<Option<crate::fscache::Mtime>>,
    /// Output being held back under `-O`.
    capture: Option<output::Captured>,
    /// The block set aside while a recursive line runs (see
    /// [`Runner::unsynced_line`]).
    set_aside: Option<output::Captured>,
    /// When it started (trace clock), for `--trace-json` and `--stats`.
    start_us: u64,
    token_wait_us: u64,
    /// The processes of its recursive lines (the trace ties sub-makes to it).
    child_pids: Vec<u32>,
    /// Its place in the order jobs were started (`Runner::started`).
    seq: u64,
    /// One of its commands was more than an empty one (see
    /// [`PreparedLine::has_no_words`]).
    commanded: bool,
}

/// A running process of a job.
#[derive(Clone, Copy)]
struct Child {
    /// The job's place in `jobs`.
    slot: usize,
    /// A recursive command: it got the jobserver's descriptors.
    recursive: bool,
    /// When it was started ([`fairmake_jobserver::now_ticks`], read just
    /// before the fork), when this make adopts orphans: every process it
    /// starts has a start time (`/proc`, same clock) at least this, and
    /// orphans older than it are not its own.
    started: u64,
    /// Its place among the processes this make has started: the exited
    /// ones are reaped oldest first, as `wait` gives them to GNU make.
    forked: u64,
}

/// Execution switches from the options.
#[derive(Clone, Debug, Default)]
pub struct Mode {
    pub dry_run: bool,
    pub touch: bool,
    pub question: bool,
    /// `-k`: a failed job does not stop make.
    pub keep_going: bool,
    /// `-l N`.
    pub max_load: Option<f64>,
    /// `-O`: how job output is grouped.
    pub output_sync: crate::options::OutputSync,
    /// `--debug=j`: say when children start and end.
    pub debug_jobs: bool,
    /// `--shuffle`'s name, which GNU 4.4 appends to a failed command's
    /// line (` shuffle=reverse`), so a failure can be reproduced.
    pub shuffle: Option<String>,
}

/// Runs jobs and reaps their children.
pub struct Runner {
    jobs: Vec<Option<Job>>,
    children: FxHashMap<u32, Child>,
    /// Jobs whose command could not be started (its program missing): the
    /// failure is said at once, as GNU says it, but the job is collected
    /// like a child that exited with status 127, at the next reap, which
    /// comes before another job starts (see `collect_ended`). Their
    /// slots stay taken until then.
    unstarted: Vec<usize>,
    finished: VecDeque<JobOutcome>,
    pub slots: slots::Slots,
    running: u32,
    /// As the jobserver's server, orphans below this make are its children
    /// (see `fairmake_jobserver::adopt_orphans`): reap any child.
    adopting: bool,
    /// The last job killed by a signal while it could reach the jobserver,
    /// said when tokens it held are restored.
    casualty: Option<String>,
    /// The orphans of each job killed by a signal (adopted, see
    /// `adopting`): they run on that job's slot, so the slot stays taken
    /// until the last of them is gone. Groups may share a process (see
    /// `note_orphans_of_killed_job`).
    orphan_groups: Vec<Vec<u32>>,
    /// The build is over: tokens are counted, as GNU counts them, and no
    /// longer healed.
    finishing: bool,
    /// A fatal signal (see `signals::FATAL`) that arrived, or 0.
    fatal_signal: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    /// Once a fatal signal has arrived: the commands that ended since, in
    /// the order they were reaped, said only after every target is deleted.
    dying: Option<Vec<Ended>>,
    pub mode: Mode,
    sigchld: OwnedFd,
    /// How many jobs have been started: the planner tells from it whether a
    /// goal needed any commands.
    pub started: u64,
    /// How many of those jobs ended having met only commands without words
    /// (see [`PreparedLine::has_no_words`]): as for an empty recipe, GNU
    /// then says the goal is up to date.
    pub idle: u64,
    /// How many processes jobs have started (see `Child::forked`).
    forks: u64,
    /// When jobs were started in the last second (for `-l`).
    recent_starts: Vec<std::time::Instant>,
    /// The last slot request was refused for load: do not wait on tokens.
    load_limited: bool,
    /// `--trace-json` (or `--stats`): where job events go.
    pub trace: Option<crate::trace::Recorder>,
    /// `--progress`.
    pub progress: Option<crate::trace::progress::Progress>,
    /// A job has been waiting for a slot since then (trace clock).
    waiting_since: Option<u64>,
    last_token_wait_us: u64,
    /// Files to remove when a fatal signal ends make (the copy of a
    /// makefile read from standard input).
    pub remove_on_signal: Vec<Vec<u8>>,
    /// The last environment jobs were started with, ready for `execve`:
    /// the planner hands the same one to every job while nothing exported
    /// differs between them.
    envp: Option<(Rc<Environment>, Rc<spawn::Envp>)>,
    /// The error expanding the shell of a job's later command (one not run
    /// as the job started): make stops, as it would have then.
    pub fatal: Option<diag::Fatal>,
}

impl Runner {
    /// `env` ready for `execve`, built once for all the jobs that share it.
    fn envp_for(&mut self, env: &Rc<Environment>) -> Rc<spawn::Envp> {
        match &self.envp {
            Some((known, envp)) if Rc::ptr_eq(known, env) => envp.clone(),
            _ => {
                let envp = Rc::new(spawn::Envp::new(env));
                self.envp = Some((env.clone(), envp.clone()));
                envp
            }
        }
    }

    pub fn new(slots: slots::Slots, mode: Mode, signals: SignalWatch) -> Runner {
        let SignalWatch { read, fatal_signal } = signals;
        Runner {
            jobs: Vec::new(),
            children: FxHashMap::default(),
            unstarted: Vec::new(),
            finished: VecDeque::new(),
            adopting: slots.adopts_orphans(),
            casualty: None,
            orphan_groups: Vec::new(),
            finishing: false,
            slots,
            running: 0,
            fatal_signal,
            dying: None,
            mode,
            sigchld: read,
            started: 0,
            idle: 0,
            forks: 0,
            recent_starts: Vec::new(),
            load_limited: false,
            trace: None,
            progress: None,
            waiting_since: None,
            last_token_wait_us: 0,
            remove_on_signal: Vec::new(),
            envp: None,
            fatal: None,
        }
    }

    pub fn running(&self) -> u32 {
        self.running
    }

    /// Jobs with a process running: make stopping waits for these, and not
    /// for a job whose command could not start, which GNU never collects
    /// then.
    pub fn alive(&self) -> u32 {
        self.children.len() as u32
    }

    /// Whether finished jobs wait to be collected: a job whose commands
    /// all run in-process (`:`) finishes as it starts.
    pub fn has_outcomes(&self) -> bool {
        !self.finished.is_empty()
    }

    pub fn is_serial(&self) -> bool {
        self.slots.is_serial()
    }

    /// Whether a job may start now (taking a jobserver token if needed).
    pub fn has_free_slot(&mut self) -> bool {
        self.govern();
        self.load_limited = self.over_load_limit();
        let free = !self.load_limited && self.slots.try_reserve(self.slots_in_use());
        self.note_token_wait(free);
        free
    }

    /// Records, for the trace, how long a ready job waited for a slot.
    fn note_token_wait(&mut self, free: bool) {
        let Some(trace) = &mut self.trace else {
            return;
        };
        match (free, self.waiting_since) {
            (false, None) => self.waiting_since = Some(trace.now_us()),
            (true, Some(since)) => {
                let now = trace.now_us();
                trace.token_wait(since, now);
                self.last_token_wait_us = now - since;
                self.waiting_since = None;
            }
            _ => {}
        }
    }

    /// `-l N`: while jobs run, start no more when the load average is N or
    /// more. The one-minute average lags, so the jobs started in the last
    /// second count as load too (GNU's back-off does the same).
    fn over_load_limit(&mut self) -> bool {
        let Some(limit) = self.mode.max_load else {
            return false;
        };
        if self.running == 0 {
            return false;
        }
        let mut avg = [0f64; 1];
        // SAFETY: getloadavg writes at most one value into the array.
        if unsafe { libc::getloadavg(avg.as_mut_ptr(), 1) } != 1 {
            return false;
        }
        let now = std::time::Instant::now();
        self.recent_starts
            .retain(|t| now.duration_since(*t).as_secs_f64() < 1.0);
        avg[0] + self.recent_starts.len() as f64 >= limit
    }

    /// Starts a job; its first command runs now, in the environment `env`
    /// makes then, with the shell `shells` settles. An error making either
    /// ends the job (unmade) and is returned. (None once a fatal signal has
    /// arrived: make ends instead.)
    pub fn start(
        &mut self,
        mut req: JobRequest,
        env: &mut EnvSource<'_>,
        shells: &mut ShellSource<'_>,
    ) -> diag::Result<()> {
        self.die_if_signalled();
        let mtime_before = crate::fscache::mtime_now(&req.name);
        let also_made_before = req
            .also_made
            .iter()
            .map(|a| crate::fscache::mtime_now(&a.name))
            .collect();
        let slot = self
            .jobs
            .iter()
            .position(Option::is_none)
            .unwrap_or_else(|| {
                self.jobs.push(None);
                self.jobs.len() - 1
            });
        let capture = self.job_capture(&mut req);
        // (A block not kept is written out as it is dropped.)
        req.capture = None;
        let start_us = self.trace.as_ref().map_or(0, |t| t.now_us());
        let token_wait_us = self.last_token_wait_us;
        self.last_token_wait_us = 0;
        self.observe_start(slot, &req);
        self.jobs[slot] = Some(Job {
            capture,
            set_aside: None,
            start_us,
            token_wait_us,
            child_pids: Vec::new(),
            req,
            env: None,
            next_line: 0,
            pid: None,
            chained: None,
            mtime_before,
            also_made_before,
            seq: self.started,
            commanded: false,
        });
        self.running += 1;
        self.started += 1;
        if self.mode.max_load.is_some() {
            self.recent_starts.push(std::time::Instant::now());
        }
        self.advance(slot, Some(env), shells)
    }

    /// Trace and progress for a job that starts.
    fn observe_start(&mut self, slot: usize, req: &JobRequest) {
        if self.progress.is_none() && self.trace.is_none() {
            return;
        }
        let recursive = req.lines.iter().any(|l| l.recursive);
        if let Some(p) = &mut self.progress {
            p.job_started(slot, &req.name, recursive);
        }
        if let Some(trace) = &mut self.trace {
            trace.job_start(slot, &req.name, recursive);
        }
    }

    /// Trace and progress for a job that ended.
    fn record_job(&mut self, slot: usize, job: &Job, ok: bool) {
        if let Some(p) = &mut self.progress {
            p.job_finished(slot);
        }
        let target = String::from_utf8_lossy(&job.req.name).into_owned();
        let Some(trace) = &mut self.trace else {
            return;
        };
        let command = job
            .req
            .lines
            .first()
            .map(|l| String::from_utf8_lossy(&l.command).into_owned())
            .unwrap_or_default();
        let record = crate::trace::JobRecord {
            target,
            command,
            start_us: job.start_us,
            status: if ok { 0 } else { 1 },
            recursive: job.req.lines.iter().any(|l| l.recursive),
            token_wait_us: job.token_wait_us,
            waited_for: job
                .req
                .waited_for
                .iter()
                .map(|n| String::from_utf8_lossy(n).into_owned())
                .collect(),
            child_pids: job.child_pids.clone(),
        };
        let end = trace.now_us();
        trace.job(slot, &record, end);
        let free = self.slots.tokens_free();
        trace.counters(self.running, free);
    }

    /// Under `-O`, the block a target's output goes to, from the expansion
    /// of its recipe on (see [`JobRequest::capture`]).
    pub fn capture_for_recipe(&self) -> Option<output::Captured> {
        if self.mode.output_sync == crate::options::OutputSync::None {
            return None;
        }
        output::Captured::new().ok()
    }

    /// The job's block under `-O`, holding what its expansion printed.
    fn job_capture(&self, req: &mut JobRequest) -> Option<output::Captured> {
        match self.mode.output_sync {
            crate::options::OutputSync::None => None,
            _ => req.capture.take(),
        }
    }

    /// Before each line: under `-Oline` and `-Otarget` a recursive line's
    /// sub-make syncs its own output, so make does not hold back that line
    /// (its echo, its output, make's words about its failure), as the
    /// manual says; what the recipe printed before it goes out first as a
    /// block, and the lines after it make a block again (GNU 4.4.1, 4.3).
    fn unsynced_line(&mut self, slot: usize, recursive: bool) {
        use crate::options::OutputSync;
        let job = self.jobs[slot].as_mut().expect("advancing a live job");
        if let Some(block) = job.set_aside.take() {
            job.capture = Some(block);
        }
        if recursive && matches!(self.mode.output_sync, OutputSync::Line | OutputSync::Target) {
            job.set_aside = job.capture.take().map(|mut block| {
                block.flush();
                block
            });
        }
    }

    /// Runs the job's next commands until one is running in a child or the
    /// job ends. `env` is there when the job starts: its first command to
    /// run a process runs then, so later calls find the environment made.
    fn advance(
        &mut self,
        slot: usize,
        mut env: Option<&mut EnvSource<'_>>,
        shells: &mut ShellSource<'_>,
    ) -> diag::Result<()> {
        let starting = env.is_some();
        loop {
            let job = self.jobs[slot].as_mut().expect("advancing a live job");
            if job.next_line >= job.req.lines.len() {
                if !job.commanded {
                    self.idle += 1;
                }
                self.finish(slot, true);
                return Ok(());
            }
            job.next_line += 1;
            let recursive = job.req.lines[job.next_line - 1].recursive;
            self.unsynced_line(slot, recursive);
            let line = match self.settle_line_shell(slot, starting, shells) {
                Ok(line) => line,
                Err(e) if starting => return Err(e),
                Err(e) => {
                    self.fatal.get_or_insert(e);
                    return Ok(());
                }
            };
            let job = self.jobs[slot].as_mut().expect("advancing a live job");
            if line.has_no_words() {
                // Not shown, not run, and not out of date for -q.
                continue;
            }
            job.commanded = true;
            if self.mode.question && !line.recursive {
                // -q runs recursive commands only: the target is out of
                // date. What the recursive ones before changed of it goes,
                // as for a recipe cut short (GNU 4.4.1 and 4.3).
                if job.next_line > 1 {
                    self.delete_cut_short(slot);
                }
                self.finish_as(slot, false, Some(OutOfDate::Command));
                return Ok(());
            }
            if (self.mode.touch || job.req.touch) && !line.recursive {
                // -t runs only recursive commands, and does not show the
                // others (the planner touches the target afterwards).
                continue;
            }
            let dry_run = self.mode.dry_run || job.req.dry_run;
            let runs = !(dry_run || self.mode.question) || line.recursive;
            let blank = line.command.iter().all(|b| crate::words::is_space(*b));
            let spawns = runs && !blank && !is_no_op(&line);
            let shown = !line.silent || dry_run;
            // A line shown or a command run makes `Entering directory` due;
            // a silent `:` (which runs nothing) does not.
            if shown || spawns {
                diag::say_deferred_directory();
            }
            if shown {
                match &mut job.capture {
                    Some(c) => c.echo(&line.command),
                    None => diag::flushed_line(&line.command),
                }
                // A write to a stdout without a reader raised SIGPIPE just
                // now: make ends here, before running the line, as GNU
                // make (which does not catch SIGPIPE) dies in that write.
                self.die_if_signalled();
            }
            if !spawns {
                continue;
            }
            let env = self.job_env(slot, env.as_deref_mut())?;
            // Expanding the exported variables may write (`$(info)`) to a
            // stdout without a reader: make dies of that SIGPIPE before
            // the command runs, as GNU does in that write.
            self.die_if_signalled();
            let envp = self.envp_for(&env);
            let job = self.jobs[slot].as_mut().expect("advancing a live job");
            let inherit = self.slots.prepare_child(line.recursive);
            // Read before the fork, not after: `spawn` returns only once the
            // child has run `exec`, and on a loaded machine this make may
            // then wait for a CPU while the child (a sub-make, a shell)
            // already starts processes of its own, which would seem older
            // than their job (see `note_orphans_of_killed_job`).
            let started = if self.adopting {
                fairmake_jobserver::now_ticks()
            } else {
                0
            };
            let spawned = spawn(&line, &env, &envp, job.capture.as_ref(), inherit.as_ref());
            drop(inherit);
            match spawned {
                Ok(pid) => {
                    let job = self.jobs[slot].as_mut().expect("advancing a live job");
                    job.pid = Some(pid);
                    if self.mode.debug_jobs {
                        let id = job_id(job);
                        let name = diag::show(&job.req.name).to_string();
                        if job.chained.is_none() {
                            debug::jobs::putting(id, &name, pid);
                        }
                        job.chained = Some(pid);
                        debug::jobs::live(id, &name, pid);
                    }
                    if line.recursive {
                        job.child_pids.push(pid);
                    }
                    self.forks += 1;
                    self.children.insert(
                        pid,
                        Child {
                            slot,
                            recursive: line.recursive,
                            started,
                            forked: self.forks,
                        },
                    );
                    return Ok(());
                }
                Err(e) => {
                    let inv = line.invocation();
                    let program = inv.program();
                    self.in_job_block(slot, || {
                        diag::warn(
                            None,
                            format_args!("{}: {}", diag::show(program), diag::io_error_text(&e)),
                        )
                    });
                    // Under -j1 the planner waits for it at once.
                    self.unstarted.push(slot);
                    return Ok(());
                }
            }
        }
    }

    /// The job's command just reached, its shell settled (see
    /// [`ShellSource`]). What that prints goes into the job's `-O` block
    /// as the job starts, and straight out for a later command, which
    /// starts as another ends (GNU 4.4.1). An error ends the job, unmade.
    fn settle_line_shell(
        &mut self,
        slot: usize,
        starting: bool,
        shells: &mut ShellSource<'_>,
    ) -> diag::Result<PreparedLine> {
        let job = self.jobs[slot].as_ref().expect("advancing a live job");
        let file = job.req.file;
        let mut line = job.req.lines[job.next_line - 1].clone();
        if line.oneshell {
            // (Settled as the script was read.)
            return Ok(line);
        }
        let settled = if starting {
            self.in_job_block(slot, || shells(file, &mut line))
        } else {
            shells(file, &mut line)
        };
        if let Err(e) = settled {
            self.finish(slot, false);
            return Err(e);
        }
        let job = self.jobs[slot].as_mut().expect("advancing a live job");
        job.req.lines[job.next_line - 1] = line.clone();
        Ok(line)
    }

    /// Runs a job's next commands after one ended. An error settling a
    /// command's shell is left in `fatal` for the planner.
    fn go_on(&mut self, slot: usize, shells: &mut ShellSource<'_>) {
        // Making the environment cannot fail: a job whose command ended had
        // it made as it started.
        let _ = self.advance(slot, None, shells);
    }

    /// The job's environment, made (into its `-O` block) the first time
    /// one of its commands runs. An error making it ends the job, unmade.
    fn job_env(
        &mut self,
        slot: usize,
        source: Option<&mut EnvSource<'_>>,
    ) -> diag::Result<Rc<Environment>> {
        let job = self.jobs[slot].as_ref().expect("live job");
        if let Some(env) = &job.env {
            return Ok(env.clone());
        }
        let source = source.expect("a job's first command runs as it starts");
        match self.in_job_block(slot, source) {
            Ok(env) => {
                self.jobs[slot].as_mut().expect("live job").env = Some(env.clone());
                Ok(env)
            }
            Err(e) => {
                // The stop is said inside the job's block, with its
                // directory lines under -O (GNU 4.4.1 and 4.3).
                let captured = self.jobs[slot]
                    .as_ref()
                    .is_some_and(|j| j.capture.is_some());
                let e = if captured {
                    self.in_job_block(slot, || e.said())
                } else {
                    e
                };
                self.finish(slot, false);
                Err(e)
            }
        }
    }

    /// Runs `say` (make's words about a job) with its output going where
    /// the job's own goes: into its block under `-O`.
    fn in_job_block<R>(&self, slot: usize, say: impl FnOnce() -> R) -> R {
        let job = self.jobs[slot].as_ref().expect("live job");
        let _redirected = job.capture.as_ref().and_then(output::Captured::redirect);
        say()
    }

    /// Reports a failed command; returns whether the job goes on (ignored error).
    fn line_failed(&mut self, slot: usize, line: &PreparedLine, kind: ExitKind) -> bool {
        self.say_failure(slot, line, kind);
        if line.ignore_errors {
            if self.mode.output_sync == crate::options::OutputSync::Line {
                self.flush_job_output(slot);
            }
            return true;
        }
        self.delete_if_needed(slot, matches!(kind, ExitKind::Signal(_)));
        self.finish_as(slot, false, None);
        if let Some(outcome) = self.finished.back_mut() {
            outcome.failed_at = Some(line.loc.clone());
        }
        false
    }

    /// GNU's line for a failed command, in the job's block.
    fn say_failure(&self, slot: usize, line: &PreparedLine, kind: ExitKind) {
        let job = self.jobs[slot].as_ref().expect("live job");
        let target = diag::show(&job.req.name).to_string();
        let what = kind.describe();
        let place = recipe_place(&line.loc);
        let shuffle = match &self.mode.shuffle {
            Some(name) => format!(" shuffle={name}"),
            None => String::new(),
        };
        if line.ignore_errors {
            if line.quiet_ignored {
                return;
            }
            self.in_job_block(slot, || {
                diag::about_failed_job(&job.req.name, || {
                    diag::ignored_error_line(format_args!(
                        "[{place}: {target}] {what} (ignored){shuffle}"
                    ))
                })
            });
        } else if !job.req.quiet_failure {
            self.in_job_block(slot, || {
                diag::about_failed_job(&job.req.name, || {
                    diag::error_line(format_args!("[{place}: {target}] {what}{shuffle}"))
                })
            });
        }
    }

    fn flush_job_output(&mut self, slot: usize) {
        let job = self.jobs[slot].as_mut().expect("live job");
        if let Some(c) = &mut job.capture {
            c.flush();
        }
    }

    /// `.DELETE_ON_ERROR` (or an interrupt): remove a target the recipe changed.
    fn delete_if_needed(&mut self, slot: usize, signalled: bool) {
        let job = self.jobs[slot].as_ref().expect("live job");
        if job.req.delete_on_error || signalled {
            self.delete_cut_short(slot);
        }
    }

    /// A recipe stopped before its end (a command failed, a signal, or -q
    /// met a command it does not run): the target goes if the commands run
    /// so far changed it, unless it is precious. (GNU's -q deletes it even
    /// when they did not: an old file is kept here, as the manual says of
    /// interrupts.)
    fn delete_cut_short(&mut self, slot: usize) {
        let job = self.jobs[slot].as_ref().expect("live job");
        self.in_job_block(slot, || delete_made_files(job));
    }

    fn finish(&mut self, slot: usize, ok: bool) {
        self.finish_as(slot, ok, None);
    }

    fn finish_as(&mut self, slot: usize, ok: bool, out_of_date: Option<OutOfDate>) {
        if let Some(job) = &self.jobs[slot] {
            if let Some(pid) = job.chained {
                debug::jobs::removing(job_id(job), pid);
            }
        }
        let mut job = self.jobs[slot].take().expect("finishing a live job");
        self.record_job(slot, &job, ok);
        let mut held = None;
        if ok && job.req.touched_before_output {
            held = job.capture.take();
        } else if let Some(c) = &mut job.capture {
            c.flush();
        }
        self.running -= 1;
        self.slots.release(self.slots_in_use());
        self.govern();
        self.finished.push_back(JobOutcome {
            file: job.req.file,
            ok,
            out_of_date,
            failed_at: None,
            held,
        });
    }

    /// Make stops on a fatal error: as GNU does, the jobs running go on to
    /// their end first (their failures said as usual). A job whose command
    /// could not start is not waited for: if nothing else runs, it ends
    /// unsaid, as in GNU make.
    /// Returns the jobs that ended meanwhile.
    pub fn finish_running(&mut self, shells: &mut ShellSource<'_>) -> Vec<JobOutcome> {
        if self.children.is_empty() {
            self.abandon_unstarted();
            return Vec::new();
        }
        diag::waiting_for_jobs();
        let mut ended = Vec::new();
        while !self.children.is_empty() || !self.unstarted.is_empty() {
            ended.extend(self.wait_any(shells));
        }
        ended
    }

    /// Ends the jobs whose command could not start without a word: make
    /// stops and never collects them. Under `-O` what they printed (their
    /// echoed command, the exec failure) was held for the job's end, and
    /// is never seen.
    fn abandon_unstarted(&mut self) {
        for slot in std::mem::take(&mut self.unstarted) {
            let job = self.jobs[slot].as_mut().expect("live job");
            if let Some(capture) = job.capture.take() {
                capture.discard();
            }
            self.finish(slot, false);
        }
    }

    /// The finished jobs, collected.
    fn collect(&mut self) -> Vec<JobOutcome> {
        self.finished.drain(..).collect()
    }

    /// Reaps, without waiting, the children that have exited and the jobs
    /// whose command could not start, as GNU does before it starts another
    /// job (before it expands its recipe, and again before it asks the
    /// jobserver for a token): a failure found there stops make before
    /// that job starts. An `Error 127` is said now, and a job that goes on
    /// starts its next command. Returns the jobs that finished.
    pub fn collect_ended(&mut self, shells: &mut ShellSource<'_>) -> Vec<JobOutcome> {
        self.die_if_signalled();
        self.reap(shells);
        self.collect()
    }

    /// Whether the next job needs a jobserver token: a job of this make
    /// runs on the implicit slot (or an orphan of a killed one holds it).
    pub fn needs_token(&self) -> bool {
        matches!(self.slots, slots::Slots::Jobserver { .. }) && self.slots_in_use() > 0
    }

    /// Waits until at least one job has finished; returns the finished ones.
    pub fn wait_any(&mut self, shells: &mut ShellSource<'_>) -> Vec<JobOutcome> {
        while self.finished.is_empty() {
            self.die_if_signalled();
            if self.children.is_empty() && self.unstarted.is_empty() {
                break;
            }
            if !self.reap(shells) {
                self.wait_for_event(false);
            }
        }
        self.collect()
    }

    /// Waits for a child to exit or, when a slot is wanted, for the
    /// jobserver to become readable: one poll() for both, never a blocking
    /// read on the token pipe.
    pub fn wait_for_slot(&mut self, shells: &mut ShellSource<'_>) -> Vec<JobOutcome> {
        self.die_if_signalled();
        if self.finished.is_empty() && !self.reap(shells) {
            // Held back by load, a readable token pipe is no reason to wake.
            let want_token = !self.load_limited;
            self.wait_for_event(want_token);
            // A fatal signal that woke make (`kill -INT 0` from a recipe
            // reaches make and the job together) ends make before the job
            // is reaped as any failed job would be: no `-k` going on.
            self.die_if_signalled();
            self.reap(shells);
        }
        self.collect()
    }

    /// The fatal signal that arrived, if any.
    fn fatal_signal(&self) -> i32 {
        self.fatal_signal.load(std::sync::atomic::Ordering::SeqCst) as i32
    }

    /// After a fatal signal (see `signals`): pass it to the children and
    /// wait for them all, delete the targets of the jobs that were running
    /// (the newest first), then say how their commands ended, in the order
    /// they were reaped (GNU 4.4.1 says every `Deleting file` first); remove
    /// the fifo and end as GNU does.
    pub fn die_if_signalled(&mut self) {
        let sig = self.fatal_signal();
        if sig == 0 {
            return;
        }
        self.dying.get_or_insert_with(Vec::new);
        let signal = rustix::process::Signal::from_named_raw(sig);
        for &pid in self.children.keys() {
            if let (Some(pid), Some(signal)) = (rustix::process::Pid::from_raw(pid as i32), signal)
            {
                let _ = rustix::process::kill_process(pid, signal);
            }
        }
        // (A job reaped now goes no further: no shell to settle.)
        while !self.children.is_empty() {
            if !self.reap(&mut |_, _| Ok(())) {
                self.wait_for_event(false);
            }
        }
        // The status line goes before make's last words.
        drop(self.progress.take());
        let mut live: Vec<usize> = (0..self.jobs.len())
            .filter(|&slot| self.jobs[slot].is_some())
            .collect();
        live.sort_by_key(|&slot| std::cmp::Reverse(self.jobs[slot].as_ref().map(|j| j.seq)));
        for slot in live {
            self.delete_on_signal(slot);
        }
        for ended in self.dying.take().unwrap_or_default() {
            if let Some(kind) = ended.kind {
                self.say_failure(ended.slot, &ended.line, kind);
            }
            self.flush_job_output(ended.slot);
        }
        // The jobs the signal stopped count as failed in --stats and the trace.
        for slot in 0..self.jobs.len() {
            if let Some(job) = self.jobs[slot].take() {
                self.record_job(slot, &job, false);
            }
        }
        crate::trace::interrupted(&mut self.progress, &mut self.trace, sig);
        self.slots.finish(false);
        self.slots.remove_fifo();
        for path in &self.remove_on_signal {
            let _ = std::fs::remove_file(std::ffi::OsStr::from_bytes(path));
        }
        signals::end(sig);
    }

    /// A fatal signal ended the job: its target goes unless precious.
    fn delete_on_signal(&self, slot: usize) {
        delete_made_files(self.jobs[slot].as_ref().expect("live job"));
    }
}

/// Deletes what a job cut short made: its target and the other targets of
/// its recipe, each if the recipe changed (or made) it and it is not
/// precious, each said.
fn delete_made_files(job: &Job) {
    let now = crate::fscache::mtime_now(&job.req.name);
    if !job.req.precious && now.is_some() && now != job.mtime_before {
        say_deleting(&job.req.name);
        let _ = std::fs::remove_file(std::ffi::OsStr::from_bytes(&job.req.name));
    }
    delete_also_made(&job.req.name, &changed_also_made(job));
}

/// The job's other targets that its recipe changed (or made) and that are
/// not precious, last first: the order GNU deletes them in.
fn changed_also_made(job: &Job) -> Vec<&[u8]> {
    job.req
        .also_made
        .iter()
        .zip(&job.also_made_before)
        .rev()
        .filter(|(a, before)| {
            let now = crate::fscache::mtime_now(&a.name);
            !a.precious && now.is_some() && now != **before
        })
        .map(|(a, _)| a.name.as_slice())
        .collect()
}

/// Deletes the other targets of `target`'s recipe, each with GNU's line
/// (`*** [a.x] Deleting file 'a.y'`).
fn delete_also_made(target: &[u8], others: &[&[u8]]) {
    for name in others {
        diag::notice_line(format_args!(
            "[{}] Deleting file '{}'",
            diag::show(target),
            diag::show(name)
        ));
        let _ = std::fs::remove_file(std::ffi::OsStr::from_bytes(name));
    }
}

#[derive(Clone, Copy)]
enum ExitKind {
    Code(i32),
    Signal(i32),
}

/// A command that ended while make was dying of a signal; `kind` is
/// `None` when it succeeded.
struct Ended {
    slot: usize,
    line: PreparedLine,
    kind: Option<ExitKind>,
}

/// GNU's line before a target is deleted.
fn say_deleting(name: &[u8]) {
    diag::notice_line(format_args!("Deleting file '{}'", diag::show(name)));
}

impl ExitKind {
    fn describe(&self) -> String {
        match *self {
            ExitKind::Code(c) => format!("Error {c}"),
            ExitKind::Signal(sig) => {
                // SAFETY: strsignal returns a valid C string for any signal number.
                let text = unsafe { std::ffi::CStr::from_ptr(libc::strsignal(sig)) };
                text.to_string_lossy().into_owned()
            }
        }
    }
}

/// The number `--debug=j` names a job by (GNU prints its child's address).
/// A command that is exactly `:` for the default shell and flags runs no
/// process, as in GNU make (with `.SHELLFLAGS := -xc` it runs, printing
/// `+ :`). Recipes such as `all: ; @:` are common, and a sub-make's job is
/// cheaper without a shell.
fn is_no_op(line: &PreparedLine) -> bool {
    line.command == b":" && line.shell == b"/bin/sh" && line.shell_flags == b"-c"
}

fn job_id(job: &Job) -> usize {
    job as *const Job as usize
}

fn spawn(
    line: &PreparedLine,
    env: &[(Vec<u8>, Vec<u8>)],
    envp: &spawn::Envp,
    capture: Option<&output::Captured>,
    inherit: Option<&fairmake_jobserver::ChildFds>,
) -> std::io::Result<u32> {
    let inv = line.invocation();
    let path = env
        .iter()
        .find(|(k, _)| k == b"PATH")
        .map(|(_, v)| v.as_slice());
    match spawn_invocation(&inv, path, env, envp, capture, inherit) {
        // A script without `#!`: execvp runs it with /bin/sh, and so does GNU.
        Err(e) if e.raw_os_error() == Some(libc::ENOEXEC) => {
            let shell::Invocation::Direct(argv) = inv else {
                return Err(e);
            };
            let mut with_sh = vec![b"/bin/sh".to_vec()];
            with_sh.extend(argv);
            spawn_invocation(
                &shell::Invocation::Direct(with_sh),
                path,
                env,
                envp,
                capture,
                inherit,
            )
        }
        other => other,
    }
}

fn spawn_invocation(
    inv: &shell::Invocation,
    path: Option<&[u8]>,
    env: &[(Vec<u8>, Vec<u8>)],
    envp: &spawn::Envp,
    capture: Option<&output::Captured>,
    inherit: Option<&fairmake_jobserver::ChildFds>,
) -> std::io::Result<u32> {
    let Some((program, argv)) = shell::program_and_argv(inv, path) else {
        return Err(std::io::Error::from_raw_os_error(libc::ENOENT));
    };
    if program.is_empty() {
        // An empty SHELL under .ONESHELL: make's PATH search finds only
        // directories (`make: : Permission denied`, as in GNU).
        return Err(std::io::Error::from_raw_os_error(libc::EACCES));
    }
    let dup2s = inherit.map(|i| i.dup2_pairs()).unwrap_or_default();
    if program.contains(&b'/') {
        return spawn::spawn(
            &program,
            &argv,
            envp,
            capture.map(output::Captured::fds),
            &dup2s,
        );
    }
    // Not found on PATH, or no PATH: execvp's own search decides, through std.
    let mut cmd = shell::command(&program, &argv);
    cmd.env_clear();
    for (k, v) in env {
        cmd.env(
            std::ffi::OsStr::from_bytes(k),
            std::ffi::OsStr::from_bytes(v),
        );
    }
    if let Some((out, err)) = capture.map(output::Captured::stdio).transpose()? {
        cmd.stdout(out).stderr(err);
    }
    if let Some(inherit) = inherit {
        inherit.apply(&mut cmd);
    }
    let child = cmd.spawn()?;
    Ok(child.id())
}

/// `-t`: creates the file or sets its modification time to now.
pub fn touch(name: &[u8]) -> std::io::Result<()> {
    let path = std::ffi::OsStr::from_bytes(name);
    let now = std::time::SystemTime::now();
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let _ = file.set_modified(now);
    Ok(())
}
