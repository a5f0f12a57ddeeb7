//! `--stats`: one screen at the end of a build, computed from the trace of
//! every make in it: jobs, wall and CPU time, parallelism against `-jN`,
//! time spent below it and waiting for tokens, the critical path, the
//! slowest jobs, and when the memory-aware server withheld tokens and why.

use serde_json::Value;

/// A job as the trace recorded it.
#[derive(Clone, Debug)]
pub struct JobSpan {
    pub label: String,
    pub start: u64,
    pub end: u64,
    pub recursive: bool,
}

/// The longest chain of jobs, each waiting for the one before.
#[derive(Debug, Default)]
pub struct CriticalPath {
    /// Work jobs only, first to last.
    pub jobs: Vec<JobSpan>,
    /// The sum of their durations.
    pub length_us: u64,
    /// Sub-makes that ran jobs but could not be tied to the job of their
    /// parent that ran them: their chains start on their own.
    pub unlinked_makes: usize,
}

/// What `--stats` prints.
#[derive(Debug, Default)]
pub struct Summary {
    pub jobs: usize,
    pub recursive_jobs: usize,
    pub makes: usize,
    pub wall_us: u64,
    pub busy_us: u64,
    pub below_full_us: u64,
    pub token_wait_us: u64,
    /// Time during which some make had a job waiting for a token while the
    /// jobserver had tokens free: tokens idle while work was pending (what
    /// GNU make 4.2.1's starvation looked like). `None` without a server trace.
    pub idle_while_pending_us: Option<u64>,
    pub critical_path: CriticalPath,
    pub slowest: Vec<JobSpan>,
    /// What the memory-aware server did; `None` when it did not run.
    pub memory: Option<MemoryUse>,
}

/// When the memory-aware server withheld tokens, and why.
#[derive(Debug, Default, PartialEq)]
pub struct MemoryUse {
    /// The most tokens withheld at once.
    pub most_withheld: u64,
    /// Time during which some tokens were withheld, by reason, in the
    /// order the reasons first came.
    pub withheld_us: Vec<(String, u64)>,
    /// The least memory available it saw, of what limit, and the reserve.
    pub least_available: u64,
    pub limit: u64,
    pub reserve: u64,
    /// The most memory one job was seen to use.
    pub per_job: u64,
}

/// The memory events (`cat` `memory`, one per change, each in force until
/// the next) summed up to `end_us`.
fn memory_use(events: &[Value], end_us: u64) -> Option<MemoryUse> {
    let mut changes: Vec<(u64, String, &Value)> = events
        .iter()
        .filter(|e| e["ph"] == "i" && e["cat"] == "memory")
        .map(|e| {
            let name = e["name"].as_str().unwrap_or("").to_owned();
            (e["ts"].as_u64().unwrap_or(0), name, &e["args"])
        })
        .collect();
    if changes.is_empty() {
        return None;
    }
    changes.sort_by_key(|c| c.0);
    let mut m = MemoryUse {
        least_available: u64::MAX,
        ..MemoryUse::default()
    };
    for (i, (ts, why, args)) in changes.iter().enumerate() {
        let n = |k: &str| args[k].as_u64().unwrap_or(0);
        let withheld = n("withheld");
        m.most_withheld = m.most_withheld.max(withheld);
        m.least_available = m.least_available.min(n("available"));
        m.limit = n("limit");
        m.reserve = n("reserve");
        m.per_job = m.per_job.max(n("per_job"));
        let until = changes.get(i + 1).map_or(end_us, |c| c.0).max(*ts);
        if withheld > 0 {
            match m.withheld_us.iter_mut().find(|(w, _)| w == why) {
                Some((_, us)) => *us += until - ts,
                None => m.withheld_us.push((why.clone(), until - ts)),
            }
        }
    }
    Some(m)
}

/// CPU time: the build's jobs (children waited for since make started)
/// and make itself.
#[derive(Clone, Copy, Debug, Default)]
pub struct CpuUse {
    pub jobs: super::observe::Cpu,
    pub make: super::observe::Cpu,
}

/// Builds the summary from trace events, for a build of `jobs` slots that
/// ran from `start_us` to `end_us`.
pub fn summarize(events: &[Value], jobs: u32, start_us: u64, end_us: u64) -> Summary {
    let graph = super::graph::Graph::from_events(events);
    let mut waits: Vec<(u64, u64)> = Vec::new();
    let mut free_tokens: Vec<(u64, u64)> = Vec::new();
    let mut summary = Summary {
        makes: graph.makes.len().max(1),
        wall_us: end_us.saturating_sub(start_us),
        ..Summary::default()
    };
    for e in events {
        match (e["ph"].as_str(), e["cat"].as_str()) {
            (Some("X"), Some("wait")) => {
                let start = e["ts"].as_u64().unwrap_or(0);
                let dur = e["dur"].as_u64().unwrap_or(0);
                summary.token_wait_us += dur;
                waits.push((start, start + dur));
            }
            (Some("C"), _) if e["name"] == "tokens free" => {
                free_tokens.push((
                    e["ts"].as_u64().unwrap_or(0),
                    e["args"]["tokens"].as_u64().unwrap_or(0),
                ));
            }
            _ => {}
        }
    }
    if !free_tokens.is_empty() {
        free_tokens.sort();
        summary.idle_while_pending_us = Some(idle_while_pending(&waits, &free_tokens));
    }
    let spans: Vec<JobSpan> = graph.jobs.iter().map(|j| graph.span(j)).collect();
    let work: Vec<JobSpan> = spans.iter().filter(|s| !s.recursive).cloned().collect();
    summary.jobs = work.len();
    summary.recursive_jobs = spans.len() - work.len();
    summary.busy_us = work.iter().map(|s| s.end - s.start).sum();
    summary.below_full_us = time_below(&work, jobs, start_us, end_us);
    let path = graph.critical_path();
    summary.critical_path = CriticalPath {
        length_us: path
            .chain
            .iter()
            .map(|&i| spans[i].end - spans[i].start)
            .sum(),
        jobs: path.chain.iter().map(|&i| spans[i].clone()).collect(),
        unlinked_makes: path.unlinked_makes,
    };
    let mut slowest = work.clone();
    slowest.sort_by_key(|s| std::cmp::Reverse(s.end - s.start));
    slowest.truncate(5);
    summary.slowest = slowest;
    summary.memory = memory_use(events, end_us);
    summary
}

/// Time covered by a wait interval while the free-token count (a step
/// function sampled by the server) was above zero.
fn idle_while_pending(waits: &[(u64, u64)], free: &[(u64, u64)]) -> u64 {
    // The intervals during which tokens were free.
    let mut idle = Vec::new();
    for (i, &(t, n)) in free.iter().enumerate() {
        let end = free.get(i + 1).map_or(t, |next| next.0);
        if n > 0 && end > t {
            idle.push((t, end));
        }
    }
    let mut total = 0;
    for &(ws, we) in waits {
        for &(is, ie) in &idle {
            let (s, e) = (ws.max(is), we.min(ie));
            if e > s {
                total += e - s;
            }
        }
    }
    total
}

/// Time during which fewer than `jobs` jobs were running.
fn time_below(work: &[JobSpan], jobs: u32, start_us: u64, end_us: u64) -> u64 {
    let mut edges: Vec<(u64, i32)> = Vec::with_capacity(work.len() * 2);
    for s in work {
        edges.push((s.start, 1));
        edges.push((s.end, -1));
    }
    edges.sort();
    let (mut level, mut last, mut below) = (0i32, start_us, 0u64);
    for (t, delta) in edges {
        let t = t.clamp(start_us, end_us.max(start_us));
        if level < jobs as i32 {
            below += t.saturating_sub(last);
        }
        last = t;
        level += delta;
    }
    below + end_us.saturating_sub(last)
}

fn secs(us: u64) -> String {
    format!("{:.2} s", us as f64 / 1e6)
}

/// Indentation of the continuation lines.
const INDENT: &str = "                  ";

/// `items` joined by `sep`, the first line starting with `first` (as wide
/// as [`INDENT`]) and the others with [`INDENT`], within 80 columns where
/// the items allow.
fn wrapped(first: &str, items: &[String], sep: &str) -> String {
    let mut out = String::new();
    let mut line = String::from(first);
    for (i, item) in items.iter().enumerate() {
        let piece = if i + 1 < items.len() {
            format!("{item}{sep}")
        } else {
            item.clone()
        };
        if line.len() > INDENT.len() && line.len() + piece.trim_end().len() > 80 {
            out.push_str(line.trim_end());
            out.push('\n');
            line = String::from(INDENT);
        }
        line.push_str(&piece);
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

/// The critical path: its length against the wall time, what it means,
/// and its jobs (the middle of a long chain left out).
fn critical_path_lines(s: &Summary) -> String {
    let path = &s.critical_path;
    let names: Vec<String> = path
        .jobs
        .iter()
        .map(|j| format!("{} {}", j.label, secs(j.end - j.start)))
        .collect();
    let shown = if names.len() > 8 {
        let left_out = names.len() - 6;
        let mut shown = names[..3].to_vec();
        shown.push(format!("({left_out} more)"));
        shown.extend_from_slice(&names[names.len() - 3..]);
        shown
    } else {
        names
    };
    let mut out = format!(
        "  critical path   {} in {} job{}, {:.0}% of the wall time: the longest\n\
         {INDENT}chain of jobs each waiting for the one before\n",
        secs(path.length_us),
        path.jobs.len(),
        if path.jobs.len() == 1 { "" } else { "s" },
        100.0 * path.length_us as f64 / s.wall_us.max(1) as f64,
    );
    if !shown.is_empty() {
        out.push_str(&wrapped(INDENT, &shown, " -> "));
    }
    if path.unlinked_makes > 0 {
        let n = path.unlinked_makes;
        out.push_str(&format!(
            "{INDENT}({n} sub-make{} not tied to the job that ran {}: chains start there)\n",
            if n == 1 { "" } else { "s" },
            if n == 1 { "it" } else { "them" },
        ));
    }
    out
}

/// The screen `--stats` prints (to stderr); after a fatal `signal`, what
/// was known when it came.
pub fn render(s: &Summary, jobs: u32, cpu: &CpuUse, signal: Option<i32>) -> String {
    let mut out = String::new();
    let wall = s.wall_us.max(1);
    let parallelism = s.busy_us as f64 / wall as f64;
    match signal {
        None => out.push_str("fairmake: build summary\n"),
        Some(sig) => out.push_str(&format!(
            "fairmake: build summary (interrupted by {}; the jobs it stopped count as failed)\n",
            signal_name(sig)
        )),
    }
    out.push_str(&format!(
        "  jobs run        {} in {} make{} ({} recursive)\n",
        s.jobs,
        s.makes,
        if s.makes == 1 { "" } else { "s" },
        s.recursive_jobs
    ));
    out.push_str(&format!("  wall time       {}\n", secs(s.wall_us)));
    let jobs_cpu = cpu.jobs.user_us + cpu.jobs.sys_us;
    out.push_str(&format!(
        "  CPU time        {} in jobs (user {}, system {}); make itself {}\n",
        secs(jobs_cpu),
        secs(cpu.jobs.user_us),
        secs(cpu.jobs.sys_us),
        secs(cpu.make.user_us + cpu.make.sys_us)
    ));
    out.push_str(&format!(
        "  parallelism     {:.2} of -j{} ({:.0}%)\n",
        parallelism,
        jobs,
        100.0 * parallelism / f64::from(jobs.max(1))
    ));
    out.push_str(&format!(
        "  below -j{:<7} {} of the wall time\n",
        jobs,
        secs(s.below_full_us)
    ));
    out.push_str(&format!(
        "  token wait      {} (jobs ready, no token free)\n",
        secs(s.token_wait_us)
    ));
    if let Some(idle) = s.idle_while_pending_us {
        out.push_str(&format!(
            "  idle tokens     {} while jobs waited for one\n",
            secs(idle)
        ));
    }
    out.push_str(&critical_path_lines(s));
    let slow: Vec<String> = s
        .slowest
        .iter()
        .map(|j| format!("{} {}", j.label, secs(j.end - j.start)))
        .collect();
    if !slow.is_empty() {
        out.push_str(&wrapped("  slowest jobs    ", &slow, ", "));
    }
    if let Some(m) = &s.memory {
        out.push_str(&memory_lines(m, jobs));
    }
    out
}

/// `memory`: how many tokens the memory-aware server withheld, for how
/// long and why, and the memory figures behind it.
fn memory_lines(m: &MemoryUse, jobs: u32) -> String {
    // Figures are glued to their units (a no-break space) so that the
    // lines wrap between words only.
    const GLUE: char = '\u{a0}';
    let secs = |us: u64| secs(us).replace(' ', "\u{a0}");
    let bytes = |b: u64| {
        fairmake_jobserver::Bytes(b)
            .to_string()
            .replace(' ', "\u{a0}")
    };
    let total: u64 = m.withheld_us.iter().map(|(_, us)| us).sum();
    let mut text = if m.withheld_us.is_empty() {
        "nothing withheld;".to_owned()
    } else {
        let reasons: Vec<String> = m
            .withheld_us
            .iter()
            .map(|(why, us)| format!("{why} {}", secs(*us)))
            .collect();
        format!(
            "withheld up to {} of {} tokens, for {}: {};",
            m.most_withheld,
            jobs.saturating_sub(1),
            secs(total),
            reasons.join(", ")
        )
    };
    text.push_str(&format!(
        " least available {} of {} (reserve {})",
        bytes(m.least_available),
        bytes(m.limit),
        bytes(m.reserve),
    ));
    // Jobs are sized only while tokens are withheld.
    if m.per_job > 0 {
        text.push_str(&format!("; a job used up to {}", bytes(m.per_job)));
    }
    let items: Vec<String> = text.split(' ').map(|w| w.replace(GLUE, " ")).collect();
    wrapped("  memory          ", &items, " ")
}

/// `SIGINT` for 2.
fn signal_name(sig: i32) -> String {
    match sig {
        libc::SIGINT => "SIGINT".into(),
        libc::SIGTERM => "SIGTERM".into(),
        libc::SIGHUP => "SIGHUP".into(),
        _ => format!("signal {sig}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sums_jobs_and_finds_the_path() {
        let events = vec![
            json!({"ph": "M", "name": "process_name", "pid": 1, "args": {"name": "make /a/top"}}),
            json!({"ph": "X", "cat": "job", "pid": 1, "ts": 0, "dur": 100, "args": {"target": "a"}}),
            json!({"ph": "X", "cat": "job", "pid": 1, "ts": 0, "dur": 50, "args": {"target": "b"}}),
            json!({"ph": "X", "cat": "job", "pid": 1, "ts": 100, "dur": 100, "args": {"target": "c"}}),
            json!({"ph": "X", "cat": "job", "pid": 1, "ts": 0, "dur": 200, "args": {"target": "sub", "recursive": true}}),
            json!({"ph": "X", "cat": "wait", "pid": 1, "ts": 0, "dur": 7}),
        ];
        let s = summarize(&events, 2, 0, 200);
        assert_eq!(s.jobs, 3);
        assert_eq!(s.recursive_jobs, 1);
        assert_eq!(s.busy_us, 250);
        assert_eq!(s.token_wait_us, 7);
        // Two jobs run 0..50, one 50..200: below -j2 for 150 us.
        assert_eq!(s.below_full_us, 150);
        // Nothing says c waited for a: the longest job alone.
        let labels: Vec<&str> = s
            .critical_path
            .jobs
            .iter()
            .map(|j| j.label.as_str())
            .collect();
        assert_eq!(labels, vec!["top:a"]);
        let text = render(&s, 2, &CpuUse::default(), None);
        assert!(text.contains("jobs run        3 in 1 make (1 recursive)"));
        assert!(text.contains("critical path   0.00 s in 1 job, 50% of the wall time"));
        assert!(
            text.contains("\n                  top:a 0.00 s\n"),
            "{text}"
        );
        assert_eq!(s.idle_while_pending_us, None);
    }

    #[test]
    fn memory_withheld_by_reason() {
        let ev = |ts: u64, why: &str, withheld: u64, available: u64| {
            json!({"ph": "i", "cat": "memory", "name": why, "pid": 1, "ts": ts,
                   "args": {"withheld": withheld, "window": 1, "available": available,
                            "limit": 6u64 << 30, "reserve": 300u64 << 20, "per_job": 1536u64 << 20}})
        };
        let events = vec![
            ev(0, "slow start", 15, 6 << 30),
            ev(100_000, "memory short", 13, 1 << 30),
            ev(2_100_000, "memory plentiful", 0, 5 << 30),
        ];
        let s = summarize(&events, 16, 0, 3_000_000);
        let m = s.memory.as_ref().unwrap();
        assert_eq!(m.most_withheld, 15);
        assert_eq!(
            m.withheld_us,
            vec![
                ("slow start".into(), 100_000),
                ("memory short".into(), 2_000_000)
            ]
        );
        let text = render(&s, 16, &CpuUse::default(), None);
        assert!(
            text.contains(
                "  memory          withheld up to 15 of 15 tokens, for 2.10 s: slow start 0.10 s,\n\
                 \x20                 memory short 2.00 s; least available 1.00 GiB of 6.00 GiB\n\
                 \x20                 (reserve 300 MiB); a job used up to 1.50 GiB\n"
            ),
            "{text}"
        );
        // No memory events, no memory line.
        assert!(summarize(&[], 2, 0, 1).memory.is_none());
    }

    #[test]
    fn idle_tokens_overlap_waits() {
        // Tokens free from 10 to 20 and from 40 on (sampled at 50); a job
        // waited from 15 to 45: idle while pending for 5 + 5.
        let free = [(0, 0), (10, 2), (20, 0), (40, 1), (50, 0)];
        assert_eq!(idle_while_pending(&[(15, 45)], &free), 10);
    }
}
