//! `--trace-json`, `--stats`, `--progress` and `fairmake-report` on a known
//! recursive build: the trace is valid JSON with one slice per job and one
//! track per make, its jobs-in-flight counter never exceeds -jN, and the
//! summary's totals match the jobs that ran.

use std::path::Path;
use std::process::Command;

const TOP: &str = "SUBS := s1 s2 s3\n.PHONY: all $(SUBS)\nall: $(SUBS)\n$(SUBS):\n\t+@$(MAKE) -s -f sub.mk N=$@\n";
const SUB: &str = "all: a b c d\na b c d:\n\t@sleep 0.05; echo $(N)$@ > /dev/null\n";

fn build(dir: &Path, args: &[&str]) -> std::process::Output {
    std::fs::write(dir.join("Makefile"), TOP).unwrap();
    std::fs::write(dir.join("sub.mk"), SUB).unwrap();
    Command::new(env!("CARGO_BIN_EXE_fairmake"))
        .args(args)
        .current_dir(dir)
        .env_remove("MAKEFLAGS")
        .env_remove("MAKELEVEL")
        .env_remove("FAIRMAKE_TRACE_JSON")
        .env_remove("FAIRMAKE_STATS")
        .env("TMPDIR", dir)
        .output()
        .unwrap()
}

fn events(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap();
    match serde_json::from_str::<serde_json::Value>(&text).expect("the trace is one JSON array") {
        serde_json::Value::Array(events) => events,
        other => panic!("not an array: {other}"),
    }
}

#[test]
fn trace_has_a_slice_per_job_and_a_track_per_make() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace.json");
    let out = build(
        dir.path(),
        &["-j3", &format!("--trace-json={}", trace.display())],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let events = events(&trace);
    let makes: Vec<_> = events
        .iter()
        .filter(|e| e["ph"] == "M" && e["name"] == "process_name")
        .collect();
    assert_eq!(makes.len(), 4, "top-level make and three sub-makes");
    let jobs: Vec<_> = events
        .iter()
        .filter(|e| e["ph"] == "X" && e["cat"] == "job")
        .collect();
    let work = jobs
        .iter()
        .filter(|e| e["args"]["recursive"] == false)
        .count();
    let recursive = jobs
        .iter()
        .filter(|e| e["args"]["recursive"] == true)
        .count();
    assert_eq!((work, recursive), (12, 3));
    // Per make, the counter of jobs in flight stays within -j3; across the
    // whole build the work slices never overlap more than 3 deep.
    for e in events
        .iter()
        .filter(|e| e["ph"] == "C" && e["name"] == "jobs in flight")
    {
        assert!(e["args"]["jobs"].as_u64().unwrap() <= 3, "{e}");
    }
    let mut edges: Vec<(u64, i64)> = jobs
        .iter()
        .filter(|e| e["args"]["recursive"] == false)
        .flat_map(|e| {
            let ts = e["ts"].as_u64().unwrap();
            [(ts + e["dur"].as_u64().unwrap(), -1), (ts, 1)]
        })
        .collect();
    edges.sort();
    let peak = edges.iter().scan(0, |l, &(_, d)| {
        *l += d;
        Some(*l)
    });
    assert!(peak.max().unwrap() <= 3);
}

#[test]
fn stats_totals_match_the_jobs_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = build(dir.path(), &["-j4", "--stats"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("jobs run        12 in 4 makes (3 recursive)"),
        "{stderr}"
    );
    assert!(stderr.contains("of -j4"), "{stderr}");
    assert!(stderr.contains("critical path"), "{stderr}");
    // As the jobserver, the top-level make samples free tokens against the
    // time jobs waited for one.
    assert!(stderr.contains("idle tokens     "), "{stderr}");
    // The temporary trace behind --stats is gone.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("fairmake-stats")
        })
        .collect();
    assert!(left.is_empty());
    // stdout is untouched by --stats.
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn progress_lines_count_every_job() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Makefile"), "all: a b\na b:\n\t@:\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fairmake"))
        .args(["--progress"])
        .current_dir(dir.path())
        .env_remove("MAKEFLAGS")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "[1/1] a\n[2/2] b\n");
    assert!(out.stdout.is_empty());
}

#[test]
fn report_renders_the_trace() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace.json");
    let out = build(
        dir.path(),
        &["-j2", &format!("--trace-json={}", trace.display())],
    );
    assert!(out.status.success());
    let html = dir.path().join("trace.html");
    let status = Command::new(env!("CARGO_BIN_EXE_fairmake-report"))
        .arg(&trace)
        .arg(&html)
        .status()
        .unwrap();
    assert!(status.success());
    let page = std::fs::read_to_string(&html).unwrap();
    assert_eq!(
        page.matches("<rect ").count(),
        15,
        "12 jobs and 3 sub-make runs"
    );
    assert!(page.contains("12 jobs in 4 makes"));
    assert!(page.contains("<polyline class=\"utilization\""));
}

#[test]
fn trace_through_the_environment_is_one_array() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("env-trace.json");
    std::fs::write(dir.path().join("Makefile"), TOP).unwrap();
    std::fs::write(dir.path().join("sub.mk"), SUB).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fairmake"))
        .arg("-j2")
        .current_dir(dir.path())
        .env_remove("MAKEFLAGS")
        .env_remove("MAKELEVEL")
        .env_remove("FAIRMAKE_STATS")
        .env("FAIRMAKE_TRACE_JSON", &trace)
        .env("TMPDIR", dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let jobs = events(&trace)
        .iter()
        .filter(|e| e["ph"] == "X" && e["cat"] == "job")
        .count();
    assert_eq!(jobs, 15);
}
