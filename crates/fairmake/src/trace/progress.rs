//! `--progress`: where the whole recursive build stands, on stderr.
//!
//! `[finished/known+] elapsed  running: a.o, lib/b.o (+2)`, counting the
//! work jobs of every make of the build (a recursive job's work is its
//! sub-make's jobs). make decides what to remake as it goes, and sub-makes
//! find their work only when they run, so the total is the jobs known so
//! far, and the `+` says more may come. The top-level make sees its own jobs
//! directly and the sub-makes' by following the trace they all append to.
//!
//! On a terminal the line sits on the bottom row, out of the way of
//! everything else written (see [`super::terminal`]); otherwise it is one
//! plain line per finished job, as a log wants.

use std::io::Write;
use std::time::{Duration, Instant};

use super::follow::{Follow, Seen};
use super::terminal::StatusRow;

/// How often the line may be drawn: often enough to look alive, rarely
/// enough to cost nothing next to the jobs.
const REDRAW: Duration = Duration::from_millis(100);

/// A job running somewhere in the build.
struct Running {
    /// The make's pid (0: this make) and the job's track in it.
    key: (u64, u64),
    label: String,
    recursive: bool,
}

enum Screen {
    /// The status row of a terminal.
    Row(StatusRow),
    /// One line per finished job.
    Lines,
}

/// The progress display.
pub struct Progress {
    screen: Screen,
    since: Instant,
    /// Work jobs started and finished, in every make.
    known: usize,
    finished: usize,
    running: Vec<Running>,
    /// The shared trace, for the sub-makes' jobs.
    follow: Option<Follow>,
    /// This make's directory: sub-makes' jobs are named relative to it.
    top_dir: String,
    /// Sub-makes' directories, relative to `top_dir`, by pid.
    dirs: Vec<(u64, String)>,
    last_draw: Option<Instant>,
}

impl Progress {
    /// The display for the top-level make running in `top_dir`; `trace`
    /// is the file its sub-makes append to.
    pub fn new(trace: Option<&[u8]>, top_dir: &[u8]) -> Progress {
        let screen = if super::terminal::stderr_can_hold_status() {
            Screen::Row(StatusRow::new())
        } else {
            Screen::Lines
        };
        Progress {
            screen,
            since: Instant::now(),
            known: 0,
            finished: 0,
            running: Vec::new(),
            follow: trace.and_then(|t| Follow::open(t, std::process::id())),
            top_dir: String::from_utf8_lossy(top_dir).into_owned(),
            dirs: Vec::new(),
            last_draw: None,
        }
    }

    /// How long the event loop may sleep before the line wants redrawing
    /// (the elapsed time, the sub-makes' news).
    pub fn tick_interval(&self) -> Duration {
        REDRAW
    }

    /// A job of this make started in `slot`.
    pub fn job_started(&mut self, slot: usize, target: &[u8], recursive: bool) {
        let label = String::from_utf8_lossy(target).into_owned();
        self.started((0, slot as u64), label, recursive);
        self.draw(false);
    }

    /// The job in `slot` of this make finished.
    pub fn job_finished(&mut self, slot: usize) {
        if let Some(label) = self.ended((0, slot as u64)) {
            self.finished_line(&label);
        }
        self.draw(false);
    }

    /// Time passed: the sub-makes' news, and the clock.
    pub fn tick(&mut self) {
        self.catch_up();
        self.draw(false);
    }

    fn started(&mut self, key: (u64, u64), label: String, recursive: bool) {
        if !recursive {
            self.known += 1;
        }
        self.running.retain(|r| r.key != key);
        self.running.push(Running {
            key,
            label,
            recursive,
        });
    }

    /// Returns the label of the work job that ended.
    fn ended(&mut self, key: (u64, u64)) -> Option<String> {
        let at = self.running.iter().position(|r| r.key == key)?;
        let job = self.running.remove(at);
        if job.recursive {
            return None;
        }
        self.finished += 1;
        Some(job.label)
    }

    /// Takes in what the sub-makes wrote to the trace since last time.
    fn catch_up(&mut self) {
        let Some(follow) = &mut self.follow else {
            return;
        };
        for seen in follow.poll() {
            match seen {
                Seen::Make { pid, dir } => {
                    let relative = relative_dir(&self.top_dir, &dir);
                    self.dirs.push((pid, relative));
                }
                Seen::Started {
                    pid,
                    tid,
                    target,
                    recursive,
                } => {
                    let label = match self.dirs.iter().rev().find(|(p, _)| *p == pid) {
                        Some((_, dir)) if !dir.is_empty() => format!("{dir}/{target}"),
                        _ => target,
                    };
                    self.started((pid, tid), label, recursive);
                }
                Seen::Finished {
                    pid,
                    tid,
                    recursive,
                } => {
                    // A job whose start came before this make followed
                    // the trace still counts.
                    match self.ended((pid, tid)) {
                        Some(label) => self.finished_line(&label),
                        None if !recursive => {
                            self.known += 1;
                            self.finished += 1;
                        }
                        None => {}
                    }
                }
            }
        }
    }

    /// A plain line for a finished job, when not on a terminal.
    fn finished_line(&mut self, label: &str) {
        if let Screen::Lines = self.screen {
            let line = format!("[{}/{}+] {label}\n", self.finished, self.known);
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(line.as_bytes());
            let _ = err.flush();
        }
    }

    /// Redraws the status row, at most every [`REDRAW`] unless `now`.
    fn draw(&mut self, now: bool) {
        let Screen::Row(row) = &mut self.screen else {
            return;
        };
        if self.known == 0 && self.running.is_empty() {
            return;
        }
        let at = Instant::now();
        if !now
            && self
                .last_draw
                .is_some_and(|t| at.duration_since(t) < REDRAW)
        {
            return;
        }
        self.last_draw = Some(at);
        let counts = format!("[{}/{}+]", self.finished, self.known);
        // Sub-makes are named while they have not started work of their own.
        let working = self.running.iter().any(|r| !r.recursive);
        let running: Vec<&str> = self
            .running
            .iter()
            .filter(|r| r.recursive != working)
            .map(|r| r.label.as_str())
            .collect();
        let text = status_text(&counts, self.since.elapsed(), &running, row.width());
        row.draw(&text, counts.chars().count());
    }

    /// The build is over: the sub-makes' last news, and the terminal given
    /// back as it was, with only what make and the recipes wrote on it.
    pub fn finish(&mut self) {
        self.catch_up();
        if let Screen::Row(row) = &mut self.screen {
            row.clear();
        }
    }
}

/// A sub-make's directory as the user knows it: relative to the top-level
/// make's, when below it.
fn relative_dir(top: &str, dir: &str) -> String {
    if dir == top {
        return String::new();
    }
    match dir.strip_prefix(top).and_then(|d| d.strip_prefix('/')) {
        Some(rel) => rel.to_string(),
        None => dir.to_string(),
    }
}

/// `12.3s` under a minute, `4m05s` above.
fn elapsed_text(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 60.0 {
        format!("{secs:.1}s")
    } else {
        let whole = d.as_secs();
        format!("{}m{:02}s", whole / 60, whole % 60)
    }
}

/// The status line, cut to `width` characters: the counts, the time, and
/// as many running jobs as fit (oldest first), with how many more run.
pub fn status_text(counts: &str, elapsed: Duration, running: &[&str], width: usize) -> String {
    let mut text = format!("{counts} {}", elapsed_text(elapsed));
    if running.is_empty() {
        return cut(&text, width);
    }
    text.push_str("  running: ");
    let base = text.chars().count();
    let mut shown = 0;
    let mut names = String::new();
    for (i, name) in running.iter().enumerate() {
        let sep = if i == 0 { "" } else { ", " };
        let rest = running.len() - i - 1;
        let more = if rest > 0 {
            format!(" (+{rest})")
        } else {
            String::new()
        };
        let len = base + names.chars().count() + sep.len() + name.chars().count();
        if len + more.len() > width && shown > 0 {
            break;
        }
        names.push_str(sep);
        names.push_str(name);
        shown += 1;
    }
    text.push_str(&names);
    if shown < running.len() {
        text.push_str(&format!(" (+{})", running.len() - shown));
    }
    cut(&text, width)
}

/// `text`, at most `width` characters, an ellipsis marking a cut.
fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_fits_its_width() {
        let t = status_text(
            "[3/10+]",
            Duration::from_millis(1234),
            &["a.o", "lib/b.o", "c.o"],
            80,
        );
        assert_eq!(t, "[3/10+] 1.2s  running: a.o, lib/b.o, c.o");
        let t = status_text(
            "[3/10+]",
            Duration::from_secs(65),
            &["a.o", "lib/b.o", "c.o"],
            34,
        );
        assert_eq!(t, "[3/10+] 1m05s  running: a.o (+2)");
        let t = status_text("[3/10+]", Duration::ZERO, &["a-very-long-name.o"], 20);
        assert_eq!(t.chars().count(), 20);
        assert!(t.ends_with('…'));
    }

    #[test]
    fn sub_make_directories_are_relative() {
        assert_eq!(relative_dir("/w/ex", "/w/ex/lib"), "lib");
        assert_eq!(relative_dir("/w/ex", "/w/ex"), "");
        assert_eq!(relative_dir("/w/ex", "/w/other"), "/w/other");
    }
}
