//! `--stats`: one screen at the end of a build, computed from the trace of
//! every make in it: jobs, wall and CPU time, parallelism against `-jN`,
//! time spent below it and waiting for tokens, the critical path and the
//! slowest jobs.

use std::collections::HashMap;

use serde_json::Value;

/// A job as the trace recorded it.
#[derive(Clone, Debug)]
pub struct JobSpan {
    pub label: String,
    pub start: u64,
    pub end: u64,
    pub recursive: bool,
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
    pub critical_path: Vec<JobSpan>,
    pub slowest: Vec<JobSpan>,
}

/// Builds the summary from trace events, for a build of `jobs` slots that
/// ran from `start_us` to `end_us`.
pub fn summarize(events: &[Value], jobs: u32, start_us: u64, end_us: u64) -> Summary {
    let mut names: HashMap<u64, String> = HashMap::new();
    for e in events {
        if e["ph"] == "M" && e["name"] == "process_name" {
            if let (Some(pid), Some(name)) = (e["pid"].as_u64(), e["args"]["name"].as_str()) {
                names.insert(pid, short_make_name(name));
            }
        }
    }
    let mut spans = Vec::new();
    let mut waits: Vec<(u64, u64)> = Vec::new();
    let mut free_tokens: Vec<(u64, u64)> = Vec::new();
    let mut summary = Summary {
        makes: names.len().max(1),
        wall_us: end_us.saturating_sub(start_us),
        ..Summary::default()
    };
    for e in events {
        match (e["ph"].as_str(), e["cat"].as_str()) {
            (Some("X"), Some("job")) => {
                let start = e["ts"].as_u64().unwrap_or(0);
                let end = start + e["dur"].as_u64().unwrap_or(0);
                let make = e["pid"]
                    .as_u64()
                    .and_then(|p| names.get(&p))
                    .cloned()
                    .unwrap_or_default();
                let target = e["args"]["target"].as_str().unwrap_or("?");
                let label = if make.is_empty() {
                    target.to_string()
                } else {
                    format!("{make}:{target}")
                };
                let recursive = e["args"]["recursive"].as_bool().unwrap_or(false);
                spans.push(JobSpan {
                    label,
                    start,
                    end,
                    recursive,
                });
            }
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
    let work: Vec<JobSpan> = spans.iter().filter(|s| !s.recursive).cloned().collect();
    summary.jobs = work.len();
    summary.recursive_jobs = spans.len() - work.len();
    summary.busy_us = work.iter().map(|s| s.end - s.start).sum();
    summary.below_full_us = time_below(&work, jobs, start_us, end_us);
    summary.critical_path = critical_path(&work);
    let mut slowest = work.clone();
    slowest.sort_by_key(|s| std::cmp::Reverse(s.end - s.start));
    slowest.truncate(5);
    summary.slowest = slowest;
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

/// The make's directory, shortened to its last component (`make[1] /a/b` → `b`).
fn short_make_name(name: &str) -> String {
    let dir = name.split_once(' ').map_or(name, |(_, d)| d);
    dir.rsplit('/').next().unwrap_or(dir).to_string()
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

/// The chain of jobs that bounded the wall time: from the job that ended
/// last, back through the job that ended last before each one started.
fn critical_path(work: &[JobSpan]) -> Vec<JobSpan> {
    let mut path = Vec::new();
    let Some(mut current) = work.iter().max_by_key(|s| s.end) else {
        return path;
    };
    path.push(current.clone());
    while let Some(prev) = work
        .iter()
        .filter(|s| s.end <= current.start)
        .max_by_key(|s| s.end)
    {
        path.push(prev.clone());
        current = prev;
        if path.len() > 64 {
            break;
        }
    }
    path.reverse();
    path
}

fn secs(us: u64) -> String {
    format!("{:.2} s", us as f64 / 1e6)
}

/// The screen `--stats` prints (to stderr).
pub fn render(s: &Summary, jobs: u32, cpu_user_us: u64, cpu_sys_us: u64) -> String {
    let mut out = String::new();
    let wall = s.wall_us.max(1);
    let parallelism = s.busy_us as f64 / wall as f64;
    out.push_str("fairmake: build summary\n");
    out.push_str(&format!(
        "  jobs run        {} in {} make{} ({} recursive)\n",
        s.jobs,
        s.makes,
        if s.makes == 1 { "" } else { "s" },
        s.recursive_jobs
    ));
    out.push_str(&format!("  wall time       {}\n", secs(s.wall_us)));
    out.push_str(&format!(
        "  CPU time        {} (user {}, system {})\n",
        secs(cpu_user_us + cpu_sys_us),
        secs(cpu_user_us),
        secs(cpu_sys_us)
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
    let path_len: u64 = s.critical_path.iter().map(|j| j.end - j.start).sum();
    let chain: Vec<String> = s
        .critical_path
        .iter()
        .map(|j| format!("{} ({})", j.label, secs(j.end - j.start)))
        .collect();
    out.push_str(&format!(
        "  critical path   {}: {}\n",
        secs(path_len),
        chain.join(" -> ")
    ));
    let slow: Vec<String> = s
        .slowest
        .iter()
        .map(|j| format!("{} {}", j.label, secs(j.end - j.start)))
        .collect();
    out.push_str(&format!("  slowest jobs    {}\n", slow.join(", ")));
    out
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
        let labels: Vec<&str> = s.critical_path.iter().map(|j| j.label.as_str()).collect();
        assert_eq!(labels, vec!["top:a", "top:c"]);
        assert!(render(&s, 2, 10, 5).contains("jobs run        3 in 1 make (1 recursive)"));
        assert_eq!(s.idle_while_pending_us, None);
    }

    #[test]
    fn idle_tokens_overlap_waits() {
        // Tokens free from 10 to 20 and from 40 on (sampled at 50); a job
        // waited from 15 to 45: idle while pending for 5 + 5.
        let free = [(0, 0), (10, 2), (20, 0), (40, 1), (50, 0)];
        assert_eq!(idle_while_pending(&[(15, 45)], &free), 10);
    }
}
