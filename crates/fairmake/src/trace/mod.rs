//! Seeing a build: a Chrome/Perfetto trace shared by every make of a
//! recursive build (`--trace-json`), the end-of-build summary (`--stats`) and
//! the status line (`--progress`); and `--debug`'s narration (`debug`).
//!
//! Each make appends one JSON event per line to the same file, each line in
//! a single `write` on an `O_APPEND` descriptor, so sub-makes never mix their
//! lines. The top-level make writes the opening `[` and, at exit, a closing
//! `{}]`, which makes the file one JSON array: on every way out, since
//! closing happens when the recorder is dropped, and on a fatal signal
//! through [`interrupted`].
//!
//! What the trace links, for `--stats` and `--progress`: each job's slice
//! names the targets it waited for (`waited_for`, its prerequisites made by
//! jobs of the same make) and, for a recursive job, the processes it ran
//! (`child_pids`); each make's track names its parent process (`ppid`). A
//! sub-make is the child of the recursive job whose `child_pids` holds its
//! pid or its parent's (a shell between them).

pub mod debug;
pub mod follow;
pub mod graph;
pub mod observe;
pub mod progress;
pub mod report;
pub mod stats;
pub mod terminal;

use std::fs::File;
use std::io::Write;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

/// The environment variable that carries the trace file to sub-makes.
pub const TRACE_ENV: &str = "FAIRMAKE_TRACE_JSON";

/// What the trace says about one job.
pub struct JobRecord {
    pub target: String,
    pub command: String,
    pub start_us: u64,
    /// 0 when it succeeded, 1 when it failed.
    pub status: i32,
    /// It ran a sub-make: its time is the sub-make's, not work of its own.
    pub recursive: bool,
    /// How long the job waited for its token before it could start.
    pub token_wait_us: u64,
    /// Its prerequisites made by jobs of this make: the jobs it waited for.
    pub waited_for: Vec<String>,
    /// The processes a recursive job ran: its sub-makes, or their shells.
    pub child_pids: Vec<u32>,
}

/// Where this make's trace events go.
pub struct Recorder {
    file: File,
    path: Vec<u8>,
    pid: u32,
    /// The top-level make owns the file: it starts and closes the array.
    owner: bool,
    /// Time origin shared by every make: microseconds since the epoch.
    epoch_us_at_start: u64,
    started: Instant,
    /// The array is closed (the owner writes `{}]` once).
    closed: bool,
    /// `--stats`: the summary to print at the end, and the temporary trace
    /// behind it to delete.
    ending: Option<observe::Ending>,
}

impl Recorder {
    /// Opens the trace for this make. The top-level make (`owner`) truncates
    /// the file and names the array; sub-makes append.
    pub fn open(path: &[u8], owner: bool, make_name: &str) -> std::io::Result<Recorder> {
        use std::os::unix::ffi::OsStrExt;
        let path = std::ffi::OsStr::from_bytes(path);
        let mut options = std::fs::OpenOptions::new();
        options.append(true).create(true);
        if owner {
            // Start afresh: truncate, then reopen for appending.
            File::create(path)?;
        }
        let file = options.open(path)?;
        let epoch_us_at_start = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_micros() as u64)
            .unwrap_or(0);
        let mut rec = Recorder {
            file,
            path: path.as_bytes().to_vec(),
            pid: std::process::id(),
            owner,
            epoch_us_at_start,
            started: Instant::now(),
            closed: false,
            ending: None,
        };
        if owner {
            rec.write_line("[");
        }
        let ppid = rustix::process::getppid().map_or(0, |p| p.as_raw_nonzero().get());
        rec.emit(
            json!({"ph": "M", "name": "process_name", "pid": rec.pid, "tid": 0,
                        "args": {"name": make_name, "ppid": ppid}}),
        );
        Ok(rec)
    }

    /// Microseconds since the epoch, for event timestamps.
    pub fn now_us(&self) -> u64 {
        self.epoch_us_at_start + self.started.elapsed().as_micros() as u64
    }

    fn write_line(&mut self, line: &str) {
        let mut buf = String::with_capacity(line.len() + 2);
        buf.push_str(line);
        buf.push('\n');
        let _ = self.file.write_all(buf.as_bytes());
    }

    fn emit(&mut self, event: Value) {
        let line = format!("{event},");
        self.write_line(&line);
    }

    /// A job started: an instant on the track of its slot, so that a
    /// reader of the trace as it grows (`--progress` in the top-level make)
    /// knows what runs before it ends.
    pub fn job_start(&mut self, slot: usize, target: &[u8], recursive: bool) {
        let (pid, ts) = (self.pid, self.now_us());
        let target = String::from_utf8_lossy(target);
        self.emit(json!({
            "ph": "i", "cat": "start", "s": "t", "name": target, "pid": pid, "tid": slot + 1,
            "ts": ts, "args": {"recursive": recursive}
        }));
    }

    /// A job: one slice on the track of its slot.
    pub fn job(&mut self, slot: usize, job: &JobRecord, end_us: u64) {
        let pid = self.pid;
        let mut args = json!({"target": job.target, "command": job.command, "status": job.status,
                              "recursive": job.recursive, "token_wait_us": job.token_wait_us});
        // Only when there is something to say: most jobs of a big build
        // wait for nothing made in the same run, or run no sub-make.
        if !job.waited_for.is_empty() {
            args["waited_for"] = json!(job.waited_for);
        }
        if !job.child_pids.is_empty() {
            args["child_pids"] = json!(job.child_pids);
        }
        self.emit(json!({
            "ph": "X", "cat": "job", "name": job.target, "pid": pid, "tid": slot + 1,
            "ts": job.start_us, "dur": end_us.saturating_sub(job.start_us), "args": args
        }));
    }

    /// Time spent waiting for a job slot (a token) while work was ready.
    pub fn token_wait(&mut self, start_us: u64, end_us: u64) {
        let pid = self.pid;
        self.emit(json!({
            "ph": "X", "cat": "wait", "name": "waiting for a token", "pid": pid, "tid": 0,
            "ts": start_us, "dur": end_us.saturating_sub(start_us)
        }));
    }

    /// The build's job slots (`-jN`; 0 for `-j` without a number), said
    /// once by the make that owns the trace, for the report's scale.
    pub fn build_slots(&mut self, jobs: u32) {
        let (pid, ts) = (self.pid, self.now_us());
        self.emit(
            json!({"ph": "M", "name": "fairmake_build", "pid": pid, "tid": 0, "ts": ts,
                         "args": {"jobs": jobs}}),
        );
    }

    /// Counters: jobs in flight in this make, and free tokens when known.
    pub fn counters(&mut self, jobs_in_flight: u32, tokens_free: Option<usize>) {
        let (pid, ts) = (self.pid, self.now_us());
        self.emit(json!({"ph": "C", "name": "jobs in flight", "pid": pid, "ts": ts, "args": {"jobs": jobs_in_flight}}));
        if let Some(free) = tokens_free {
            self.emit(json!({"ph": "C", "name": "tokens free", "pid": pid, "ts": ts, "args": {"tokens": free}}));
        }
    }

    /// The memory-aware server withheld tokens or gave them back: a
    /// counter of tokens withheld, and an instant that says why, with the
    /// memory figures it decided on.
    pub fn memory(&mut self, change: &fairmake_jobserver::Change) {
        let (pid, ts) = (self.pid, self.now_us());
        self.emit(
            json!({"ph": "C", "name": "tokens withheld", "pid": pid, "ts": ts,
                         "args": {"tokens": change.withheld}}),
        );
        self.emit(json!({
            "ph": "i", "cat": "memory", "s": "p", "name": change.why.to_string(), "pid": pid,
            "tid": 0, "ts": ts,
            "args": {"withheld": change.withheld, "window": change.window,
                     "available": change.sample.available, "limit": change.sample.limit,
                     "reserve": change.reserve, "per_job": change.per_job}
        }));
    }

    /// The top-level make closes the array at exit.
    pub fn close(&mut self) {
        if self.owner && !self.closed {
            self.write_line("{}]");
        }
        self.closed = true;
    }

    /// Where the trace is, for the progress line to follow it.
    pub fn path(&self) -> &[u8] {
        &self.path
    }

    /// `--stats` and a temporary trace: what to do when the build ends.
    pub fn set_ending(&mut self, ending: observe::Ending) {
        self.ending = Some(ending);
    }

    /// The build ended: the array is closed, the summary printed, a
    /// temporary trace removed.
    pub fn finish(mut self) {
        self.end(None);
    }

    fn end(&mut self, signal: Option<i32>) {
        self.close();
        if let Some(ending) = self.ending.take() {
            ending.run(signal);
        }
    }
}

impl Drop for Recorder {
    /// Any other way out (an error, a restart) still leaves a whole array.
    fn drop(&mut self) {
        self.close();
        if let Some(ending) = &self.ending {
            ending.remove_temporary();
        }
    }
}

/// A fatal signal ends make: the status line gives the terminal back, the
/// trace is closed and `--stats` says what it knows, before make dies of
/// the signal.
pub fn interrupted(
    progress: &mut Option<progress::Progress>,
    trace: &mut Option<Recorder>,
    signal: i32,
) {
    drop(progress.take());
    if let Some(mut recorder) = trace.take() {
        recorder.end(Some(signal));
    }
}

/// Reads a trace file back as its events (a file still being written, or
/// one line per event, is accepted as well).
pub fn read_events(path: &std::path::Path) -> std::io::Result<Vec<Value>> {
    let text = std::fs::read_to_string(path)?;
    let mut events = Vec::new();
    for line in text.lines() {
        let line = line.trim().trim_end_matches(',');
        let line = line.strip_suffix(']').unwrap_or(line);
        if line.is_empty() || line == "[" || line == "{}" {
            continue;
        }
        if let Ok(v) = serde_json::from_str::<Value>(line) {
            events.push(v);
        }
    }
    Ok(events)
}
