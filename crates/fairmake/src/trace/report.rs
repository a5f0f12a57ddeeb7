//! A trace as a self-contained HTML page (`fairmake-report`): the figures
//! of `--stats` at the top, then a timeline with a lane per make (sub-makes
//! under the job that ran them) and a bar per job, the critical path and
//! the waits for a token drawn on the bars, and the jobs in flight against
//! `-jN` underneath, on one time axis that zooms and pans.
//!
//! This module gathers the data (through [`super::graph`] and
//! [`super::stats`]) and writes the page; `report.js` draws it in the
//! browser, so that labels, ticks and the curve follow the zoom.

use std::fmt::Write;

use serde_json::{json, Value};

use super::graph::Graph;
use super::stats::{self, Summary};

const SCRIPT: &str = include_str!("report.js");
const STYLE: &str = include_str!("report.css");

/// The HTML page for a trace's events.
pub fn render_html(events: &[Value]) -> String {
    let graph = Graph::from_events(events);
    let slots = build_slots(events);
    let (t0, t1) = span(events, &graph);
    let summary = stats::summarize(events, slots.unwrap_or(0).max(1), t0, t1);
    let data = page_data(events, &graph, &summary, slots, t0, t1);
    // Inside <script>, `</` would end the element early.
    let data = data.to_string().replace("</", "<\\/");
    format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fairmake build timeline</title>
<style>
{STYLE}</style></head><body>
<h1>fairmake build timeline</h1>
{figures}
<div id="controls"><button id="zoom-in" title="or the mouse wheel">zoom in</button> <button id="zoom-out">zoom out</button> <button id="reset" title="or double-click">whole build</button> <span class="hint">Wheel to zoom, drag to pan, hover a bar for its target and command.</span></div>
<div id="legend"></div>
<div id="timeline"></div>
<script id="data" type="application/json">{data}</script>
<script>
{SCRIPT}</script>
</body></html>
"#,
        figures = figures_html(&summary, &graph, slots),
    )
}

/// `-jN` as the top-level make recorded it (0: no limit).
fn build_slots(events: &[Value]) -> Option<u32> {
    events
        .iter()
        .find(|e| e["ph"] == "M" && e["name"] == "fairmake_build")
        .and_then(|e| e["args"]["jobs"].as_u64())
        .map(|j| j as u32)
}

/// The build's time span: from the trace's start (or first job) to its
/// last job's end.
fn span(events: &[Value], graph: &Graph) -> (u64, u64) {
    let start = events
        .iter()
        .find(|e| e["ph"] == "M" && e["name"] == "fairmake_build")
        .and_then(|e| e["ts"].as_u64());
    let first = graph.jobs.iter().map(|j| j.start).min();
    let t0 = match (start, first) {
        (Some(s), Some(f)) => s.min(f),
        (s, f) => s.or(f).unwrap_or(0),
    };
    let t1 = graph
        .jobs
        .iter()
        .map(|j| j.end)
        .max()
        .unwrap_or(t0)
        .max(t0 + 1);
    (t0, t1)
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn secs(us: u64) -> String {
    format!("{:.2} s", us as f64 / 1e6)
}

/// The `--stats` figures, as a definition list.
fn figures_html(s: &Summary, graph: &Graph, slots: Option<u32>) -> String {
    let parallelism = s.busy_us as f64 / s.wall_us.max(1) as f64;
    let mut rows: Vec<(String, String)> = vec![
        (
            "jobs".into(),
            format!(
                "{} in {} ({} recursive)",
                plural(s.jobs, "job"),
                plural(graph.makes.len().max(1), "make"),
                s.recursive_jobs
            ),
        ),
        ("wall time".into(), secs(s.wall_us)),
    ];
    match slots {
        Some(n) if n > 0 => {
            rows.push((
                "parallelism".into(),
                format!(
                    "{parallelism:.2} of -j{n} ({:.0}%); below -j{n} for {}",
                    100.0 * parallelism / f64::from(n),
                    secs(s.below_full_us)
                ),
            ));
        }
        _ => rows.push(("parallelism".into(), format!("{parallelism:.2}"))),
    }
    rows.push((
        "token wait".into(),
        format!("{} (jobs ready, no token free)", secs(s.token_wait_us)),
    ));
    rows.push((
        "idle tokens".into(),
        match s.idle_while_pending_us {
            Some(idle) => format!("{} while jobs waited for one", secs(idle)),
            None => "not sampled (no jobserver in this trace)".into(),
        },
    ));
    let path = &s.critical_path;
    let chain: Vec<String> = path.jobs.iter().map(|j| j.label.clone()).collect();
    rows.push((
        "critical path".into(),
        format!(
            "{} in {}, {:.0}% of the wall time: the longest chain of jobs each waiting for the one before (outlined below): {}",
            secs(path.length_us),
            plural(path.jobs.len(), "job"),
            100.0 * path.length_us as f64 / s.wall_us.max(1) as f64,
            chain.join(" → ")
        ),
    ));
    let mut out = String::from("<dl id=\"figures\">\n");
    for (name, value) in rows {
        let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", escape(&name), escape(&value));
    }
    out.push_str("</dl>");
    out
}

/// Makes in the order of the tree: each sub-make after the make whose
/// job ran it, siblings by start.
fn make_order(graph: &Graph) -> Vec<usize> {
    let first_start = |m: usize| {
        graph
            .jobs
            .iter()
            .filter(|j| j.make == m)
            .map(|j| j.start)
            .min()
            .unwrap_or(u64::MAX)
    };
    let parent_make = |m: usize| graph.makes[m].parent_job.map(|j| graph.jobs[j].make);
    let mut order = Vec::new();
    let mut roots: Vec<usize> = (0..graph.makes.len())
        .filter(|&m| parent_make(m).is_none())
        .collect();
    // The top-level make first, then unlinked makes by start.
    let top = 1.min(roots.len());
    roots[top..].sort_by_key(|&m| first_start(m));
    let mut stack: Vec<usize> = roots.into_iter().rev().collect();
    while let Some(m) = stack.pop() {
        if order.contains(&m) {
            continue;
        }
        order.push(m);
        let mut children: Vec<usize> = (0..graph.makes.len())
            .filter(|&c| c != m && parent_make(c) == Some(m))
            .collect();
        children.sort_by_key(|&c| std::cmp::Reverse(first_start(c)));
        stack.extend(children);
    }
    order
}

/// A lane's name: `make[1] lib` for `make[1] /abs/lib`.
fn lane_name(graph: &Graph, m: usize) -> String {
    let full = &graph.makes[m].name;
    let make = full.split_once(' ').map_or("make", |(p, _)| p);
    format!("{make} {}", graph.short_name(m))
}

/// What `report.js` draws, times relative to the build's start.
fn page_data(
    events: &[Value],
    graph: &Graph,
    summary: &Summary,
    slots: Option<u32>,
    t0: u64,
    t1: u64,
) -> Value {
    let order = make_order(graph);
    let lane_of: std::collections::HashMap<usize, usize> =
        order.iter().enumerate().map(|(i, &m)| (m, i)).collect();
    let critical: std::collections::HashSet<usize> =
        graph.critical_path().chain.into_iter().collect();
    let rel = |t: u64| t.saturating_sub(t0);
    let makes: Vec<Value> = order
        .iter()
        .map(|&m| {
            let rows = graph
                .jobs
                .iter()
                .filter(|j| j.make == m)
                .map(|j| j.tid)
                .max()
                .unwrap_or(1);
            json!({"name": lane_name(graph, m), "full": graph.makes[m].name, "rows": rows})
        })
        .collect();
    let jobs: Vec<Value> = graph
        .jobs
        .iter()
        .enumerate()
        .map(|(i, j)| {
            json!({
                "lane": lane_of[&j.make], "row": j.tid.max(1) - 1,
                "s": rel(j.start), "e": rel(j.end), "t": j.target, "c": j.command,
                "f": j.failed, "r": j.recursive, "w": j.token_wait_us, "k": critical.contains(&i),
            })
        })
        .collect();
    let pids: std::collections::HashMap<u64, usize> = graph
        .makes
        .iter()
        .enumerate()
        .map(|(m, make)| (make.pid, m))
        .collect();
    let waits: Vec<Value> = events
        .iter()
        .filter(|e| e["ph"] == "X" && e["cat"] == "wait")
        .filter_map(|e| {
            let m = *pids.get(&e["pid"].as_u64()?)?;
            let s = e["ts"].as_u64()?;
            Some(json!({"lane": lane_of[&m], "s": rel(s), "e": rel(s + e["dur"].as_u64().unwrap_or(0))}))
        })
        .collect();
    json!({
        "span": t1 - t0,
        "slots": slots,
        "makes": makes,
        "jobs": jobs,
        "waits": waits,
        "summary": {"jobs": summary.jobs, "makes": graph.makes.len()},
    })
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn data_of(html: &str) -> Value {
        let start = html.find("type=\"application/json\">").unwrap() + 24;
        let end = start + html[start..].find("</script>").unwrap();
        serde_json::from_str(&html[start..end].replace("<\\/", "</")).unwrap()
    }

    #[test]
    fn the_page_carries_the_jobs_and_the_figures() {
        let events = vec![
            json!({"ph": "M", "name": "process_name", "pid": 1, "args": {"name": "make /top"}}),
            json!({"ph": "M", "name": "fairmake_build", "pid": 1, "ts": 0, "args": {"jobs": 2}}),
            json!({"ph": "X", "cat": "job", "pid": 1, "tid": 1, "ts": 10, "dur": 100, "args": {"target": "a</script>b", "command": "cc"}}),
            json!({"ph": "X", "cat": "job", "pid": 1, "tid": 2, "ts": 20, "dur": 50, "args": {"target": "c", "status": 1, "waited_for": []}}),
            json!({"ph": "X", "cat": "wait", "pid": 1, "tid": 0, "ts": 5, "dur": 15}),
        ];
        let html = render_html(&events);
        assert!(!html.contains("a</script>b"));
        let data = data_of(&html);
        assert_eq!(data["jobs"].as_array().unwrap().len(), 2);
        assert_eq!(data["jobs"][0]["t"], "a</script>b");
        assert_eq!(data["jobs"][1]["f"], true);
        assert_eq!(data["slots"], 2);
        assert_eq!(data["waits"][0]["e"], 20);
        // One make is "1 make"; the figures of --stats are on the page.
        assert!(html.contains("2 jobs in 1 make (0 recursive)"), "{html}");
        assert!(
            html.contains("<dt>parallelism</dt><dd>1.36 of -j2 (68%)"),
            "{html}"
        );
        assert!(html.contains("<dt>critical path</dt>"));
        assert!(html.contains("<dt>token wait</dt><dd>0.00 s"));
    }
}
