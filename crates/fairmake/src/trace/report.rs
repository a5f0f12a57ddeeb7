//! A trace as a self-contained HTML page: one lane per make, a bar per job
//! (hover for target, command and time), and the build's utilization curve
//! (jobs in flight across every make) underneath. Inline SVG, no scripts.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::Value;

const WIDTH: f64 = 1200.0;
const LEFT: f64 = 220.0;
const ROW: f64 = 14.0;
const CURVE: f64 = 120.0;

struct Bar {
    tid: u64,
    start: u64,
    end: u64,
    target: String,
    command: String,
    failed: bool,
    recursive: bool,
}

/// The HTML page for a trace's events.
pub fn render_html(events: &[Value]) -> String {
    let mut names: BTreeMap<u64, String> = BTreeMap::new();
    let mut lanes: BTreeMap<u64, Vec<Bar>> = BTreeMap::new();
    for e in events {
        let pid = e["pid"].as_u64().unwrap_or(0);
        if e["ph"] == "M" && e["name"] == "process_name" {
            names.insert(
                pid,
                e["args"]["name"].as_str().unwrap_or("make").to_string(),
            );
        } else if e["ph"] == "X" && e["cat"] == "job" {
            let start = e["ts"].as_u64().unwrap_or(0);
            lanes.entry(pid).or_default().push(Bar {
                tid: e["tid"].as_u64().unwrap_or(1),
                start,
                end: start + e["dur"].as_u64().unwrap_or(0),
                target: e["args"]["target"].as_str().unwrap_or("?").to_string(),
                command: e["args"]["command"].as_str().unwrap_or("").to_string(),
                failed: e["args"]["status"].as_i64().unwrap_or(0) != 0,
                recursive: e["args"]["recursive"].as_bool().unwrap_or(false),
            });
        }
    }
    let bars: Vec<&Bar> = lanes.values().flatten().collect();
    let t0 = bars.iter().map(|b| b.start).min().unwrap_or(0);
    let t1 = bars
        .iter()
        .map(|b| b.end)
        .max()
        .unwrap_or(t0 + 1)
        .max(t0 + 1);
    let x = |t: u64| LEFT + (t - t0) as f64 / (t1 - t0) as f64 * (WIDTH - LEFT - 10.0);

    let mut svg = String::new();
    let mut y = 20.0;
    for (pid, bars) in &lanes {
        let rows = bars.iter().map(|b| b.tid).max().unwrap_or(1);
        let name = short_label(names.get(pid).map_or("make", String::as_str));
        let _ = writeln!(
            svg,
            r#"<text class="lane" x="4" y="{:.1}">{}</text>"#,
            y + 10.0,
            escape(&name)
        );
        for b in bars {
            let by = y + (b.tid.saturating_sub(1)) as f64 * ROW;
            let class = if b.failed {
                "job failed"
            } else if b.recursive {
                "job recursive"
            } else {
                "job"
            };
            let secs = (b.end - b.start) as f64 / 1e6;
            let _ = writeln!(
                svg,
                r#"<rect class="{class}" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}"><title>{} ({secs:.3} s)&#10;{}</title></rect>"#,
                x(b.start),
                by,
                (x(b.end) - x(b.start)).max(1.0),
                ROW - 2.0,
                escape(&b.target),
                escape(&b.command)
            );
        }
        y += rows as f64 * ROW + 10.0;
    }
    // Utilization: jobs in flight (work only, not sub-makes) over time.
    let mut edges: Vec<(u64, i64)> = bars
        .iter()
        .filter(|b| !b.recursive)
        .flat_map(|b| [(b.start, 1), (b.end, -1)])
        .collect();
    edges.sort();
    let peak = edges
        .iter()
        .scan(0i64, |level, &(_, d)| {
            *level += d;
            Some(*level)
        })
        .max()
        .unwrap_or(1)
        .max(1);
    let base = y + CURVE;
    let mut points = format!("{LEFT:.1},{base:.1}");
    let mut level = 0i64;
    for (t, d) in edges {
        let py = base - level as f64 / peak as f64 * CURVE;
        let _ = write!(points, " {:.1},{py:.1}", x(t));
        level += d;
        let py = base - level as f64 / peak as f64 * CURVE;
        let _ = write!(points, " {:.1},{py:.1}", x(t));
    }
    let _ = writeln!(
        svg,
        r#"<text class="lane" x="4" y="{:.1}">jobs in flight (peak {peak})</text>"#,
        y + 14.0
    );
    let _ = writeln!(svg, r#"<polyline class="utilization" points="{points}"/>"#);
    let height = base + 30.0;
    let total = (t1 - t0) as f64 / 1e6;
    let _ = writeln!(
        svg,
        r#"<text class="axis" x="{LEFT}" y="{:.1}">0 s</text><text class="axis" x="{:.1}" y="{:.1}">{total:.2} s</text>"#,
        base + 20.0,
        WIDTH - 60.0,
        base + 20.0
    );

    format!(
        r#"<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>fairmake build timeline</title>
<style>
body {{ font-family: sans-serif; margin: 16px; }}
.lane {{ font-size: 12px; fill: #333; }}
.axis {{ font-size: 11px; fill: #666; }}
rect.job {{ fill: #4a90d9; }}
rect.recursive {{ fill: #c8d8ea; }}
rect.failed {{ fill: #d9534f; }}
polyline.utilization {{ fill: none; stroke: #2e7d32; stroke-width: 1.5; }}
</style></head><body>
<h1>fairmake build timeline</h1>
<p>{jobs} jobs in {makes} makes over {total:.2} s. Hover a bar for its target and command.</p>
<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0}">
{svg}</svg>
</body></html>
"#,
        jobs = bars.iter().filter(|b| !b.recursive).count(),
        makes = lanes.len(),
    )
}

/// `make[1] /long/path/to/dir` → `make[1] …/to/dir`, to fit the margin.
fn short_label(name: &str) -> String {
    if name.chars().count() <= 32 {
        return name.to_string();
    }
    let (make, dir) = name.split_once(' ').unwrap_or(("make", name));
    let tail: Vec<&str> = dir.rsplit('/').take(2).collect();
    format!(
        "{make} …/{}",
        tail.into_iter().rev().collect::<Vec<_>>().join("/")
    )
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

    #[test]
    fn one_bar_per_job_and_a_curve() {
        let events = vec![
            json!({"ph": "M", "name": "process_name", "pid": 1, "args": {"name": "make /top"}}),
            json!({"ph": "X", "cat": "job", "pid": 1, "tid": 1, "ts": 10, "dur": 100, "args": {"target": "a<b", "command": "cc"}}),
            json!({"ph": "X", "cat": "job", "pid": 1, "tid": 2, "ts": 20, "dur": 50, "args": {"target": "c", "status": 1}}),
        ];
        let html = render_html(&events);
        assert_eq!(html.matches("<rect ").count(), 2);
        assert!(html.contains("a&lt;b"));
        assert!(html.contains("rect class=\"job failed\""));
        assert!(html.contains("<polyline class=\"utilization\""));
        assert!(html.contains("2 jobs in 1 makes"));
    }
}
