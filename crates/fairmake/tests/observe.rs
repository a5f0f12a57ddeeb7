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
    // Not a terminal: a plain line per job. The total is what is known so
    // far (`+`: make finds its work as it goes).
    assert_eq!(String::from_utf8_lossy(&out.stderr), "[1/1+] a\n[2/2+] b\n");
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
    // The data the page draws: 12 jobs and 3 sub-make runs, on -j2.
    let start = page.find("type=\"application/json\">").unwrap() + 24;
    let end = start + page[start..].find("</script>").unwrap();
    let data: serde_json::Value = serde_json::from_str(&page[start..end]).unwrap();
    assert_eq!(data["jobs"].as_array().unwrap().len(), 15);
    assert_eq!(data["makes"].as_array().unwrap().len(), 4);
    assert_eq!(data["slots"], 2);
    assert!(page.contains("12 jobs in 4 makes (3 recursive)"));
    assert!(page.contains("<dt>critical path</dt>"));
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

/// Runs fairmake with `args` in `dir` (TMPDIR there, no inherited make
/// variables).
fn fairmake(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fairmake"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("MAKEFLAGS")
        .env_remove("MAKELEVEL")
        .env_remove("FAIRMAKE_TRACE_JSON")
        .env_remove("FAIRMAKE_STATS")
        .env("TMPDIR", dir);
    cmd
}

/// The jobs of the `--stats` critical path, as printed: `dir:target`
/// labels without the directory.
fn critical_path(stderr: &str) -> (usize, Vec<String>) {
    let mut lines = stderr
        .lines()
        .skip_while(|l| !l.starts_with("  critical path"));
    let head = lines
        .next()
        .unwrap_or_else(|| panic!("no critical path: {stderr}"));
    let count: usize = head
        .split(" in ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{head}"));
    let chain: String = lines
        .skip(1)
        .take_while(|l| l.starts_with("                  "))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ");
    let jobs = chain
        .split(" -> ")
        .map(|j| {
            let label = j.split(' ').next().unwrap_or("");
            label.rsplit(':').next().unwrap_or("").to_string()
        })
        .collect();
    (count, jobs)
}

#[test]
fn stats_critical_path_follows_the_prerequisites() {
    // a -> b -> c, 0.3 s each, beside five unrelated 0.1 s jobs.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Makefile"),
        "all: c z1 z2 z3 z4 z5\nc: b ; @sleep 0.3\nb: a ; @sleep 0.3\na: ; @sleep 0.3\nz1 z2 z3 z4 z5: ; @sleep 0.1\n",
    )
    .unwrap();
    let out = fairmake(dir.path(), &["-j4", "--stats"]).output().unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        critical_path(&stderr),
        (3, vec!["a".into(), "b".into(), "c".into()]),
        "{stderr}"
    );
}

#[test]
fn stats_critical_path_of_independent_jobs_is_one_job() {
    let dir = tempfile::tempdir().unwrap();
    let names: Vec<String> = (0..200).map(|i| format!("j{i}")).collect();
    let mk = format!(
        "all: {0}\n{0}:\n\t@:>$@\nj7:\n\t@sleep 0.2\n",
        names.join(" ")
    );
    std::fs::write(dir.path().join("Makefile"), mk).unwrap();
    let out = fairmake(dir.path(), &["-j8", "--stats"]).output().unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(critical_path(&stderr), (1, vec!["j7".into()]), "{stderr}");
}

#[test]
fn stats_critical_path_goes_through_sub_makes() {
    // The top-level make's `gen` (0.3 s), then the sub-make run by `sub`,
    // which waited for it: x then y (0.3 s each). z (0.5 s) is alone.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Makefile"),
        "all: sub z\n.PHONY: sub\nsub: gen\n\t+@cd sub && $(MAKE) -s\ngen: ; @sleep 0.3\nz: ; @sleep 0.5\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(
        dir.path().join("sub/Makefile"),
        "y: x ; @sleep 0.3\nx: ; @sleep 0.3\n",
    )
    .unwrap();
    let out = fairmake(dir.path(), &["-j4", "--stats"]).output().unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        critical_path(&stderr),
        (3, vec!["gen".into(), "x".into(), "y".into()]),
        "{stderr}"
    );
    assert!(
        stderr.contains("jobs run        4 in 2 makes (1 recursive)"),
        "{stderr}"
    );
}

#[test]
fn stats_cpu_is_the_builds_own() {
    // The shell that execs fairmake has already waited for a second of
    // busy CPU: none of it is the build's.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Makefile"), "all: ; @:>$@\n").unwrap();
    let script = format!(
        "timeout 1 sh -c 'while :; do :; done'; exec {} --stats",
        env!("CARGO_BIN_EXE_fairmake")
    );
    let out = Command::new("sh")
        .args(["-c", &script])
        .current_dir(dir.path())
        .env_remove("MAKEFLAGS")
        .env_remove("MAKELEVEL")
        .env("TMPDIR", dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .find(|l| l.starts_with("  CPU time"))
        .unwrap_or_else(|| panic!("{stderr}"));
    let secs: f64 = line
        .split_whitespace()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    assert!(secs < 0.3, "{line}");
}

#[test]
fn stats_and_trace_survive_an_interrupt() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Makefile"),
        "all: a b slow\na b: ; @:\nslow: ; @sleep 5\n",
    )
    .unwrap();
    let trace = dir.path().join("t.json");
    let child = fairmake(
        dir.path(),
        &[
            "-j2",
            "--stats",
            &format!("--trace-json={}", trace.display()),
        ],
    )
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    // SAFETY: signalling the child this test started.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(out.status.signal(), Some(libc::SIGINT));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("fairmake: build summary (interrupted by SIGINT"),
        "{stderr}"
    );
    // `slow` was running: it ends as a job stopped by the signal.
    assert!(stderr.contains("jobs run        3 in 1 make"), "{stderr}");
    // The trace is one JSON array, closed.
    let jobs = events(&trace)
        .iter()
        .filter(|e| e["ph"] == "X" && e["cat"] == "job")
        .count();
    assert_eq!(jobs, 3);
}

#[test]
fn report_help_prints_usage_and_succeeds() {
    for flag in ["--help", "-h"] {
        let out = Command::new(env!("CARGO_BIN_EXE_fairmake-report"))
            .arg(flag)
            .output()
            .unwrap();
        assert!(out.status.success(), "{flag}: {out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.starts_with("usage: fairmake-report TRACE.json [OUT.html]"),
            "{text}"
        );
    }
}
