//! The memory-aware server, end to end: what a user sees when memory is
//! short (jobs at once across the whole tree, exit status, `--stats`) with
//! the memory figures injected through a ledger (`FAIRMAKE_MEMORY_LEDGER`:
//! `DIR/limit`, and one file per job in `DIR/used/` holding its bytes).
//!
//! Each job writes its ledger file, then logs `start NAME`, sleeps, logs
//! `end NAME` and removes its file: the log's concurrency is the number of
//! jobs holding memory at once. The real system is exercised by
//! `tools/memory-cgroup` (a real cgroup; root only).

mod e2e;

use std::path::Path;
use std::time::Duration;

use e2e::{fairmake, gnu_make, required, run, spawn, JobLog, Outcome, Sandbox};

const LIMIT: Duration = Duration::from_secs(60);
const MIB: u64 = 1 << 20;

/// A recipe that holds `mib` of ledger memory for `ms` milliseconds.
fn memory_recipe(ledger: &Path, log: &Path, name: &str, mib: u64, ms: u32) -> String {
    let (ledger, log) = (ledger.display(), log.display());
    format!(
        "\t@echo {} > {ledger}/used/{name}; echo 'start {name}' >> {log}; sleep {}.{:03}; \
         echo 'end {name}' >> {log}; rm {ledger}/used/{name}\n",
        mib * MIB,
        ms / 1000,
        ms % 1000
    )
}

/// `sub.mk` with `n` jobs `jK` of `mib` each, and `top.mk` running it with
/// `line`. Returns the jobs' names.
fn project(sb: &Sandbox, n: usize, mib: u64, ms: u32, line: &str) -> Vec<String> {
    let (ledger, log) = (sb.join("ledger"), sb.join("log"));
    std::fs::create_dir_all(ledger.join("used")).unwrap();
    let names: Vec<String> = (1..=n).map(|k| format!("j{k}")).collect();
    let mut sub = format!("all: {}\n", names.join(" "));
    for name in &names {
        sub.push_str(&format!(
            "{name}:\n{}",
            memory_recipe(&ledger, &log, name, mib, ms)
        ));
    }
    sb.write("sub.mk", &sub);
    sb.write("top.mk", &format!("all:\n\t{line}\n"));
    names
}

fn set_limit(sb: &Sandbox, mib: u64) {
    std::fs::write(sb.join("ledger/limit"), format!("{}\n", mib * MIB)).unwrap();
}

fn fairmake_cmd(sb: &Sandbox, args: &[&str]) -> std::process::Command {
    let mut cmd = sb.command(&fairmake());
    cmd.env("FAIRMAKE_MEMORY_LEDGER", sb.join("ledger"))
        .args(["-f", "top.mk"])
        .args(args);
    cmd
}

fn assert_completed(sb: &Sandbox, o: &Outcome, log: &JobLog, names: &[String]) {
    o.check(o.code() == Some(0), "exit status is not 0");
    log.assert_all_ran(names, o);
    o.check(!o.stderr.contains("INTERNAL"), "tokens missing at exit");
    sb.assert_no_fifo_left();
}

/// 8 jobs of 1000 MiB at -j8 in 2500 MiB with a reserve of 100 MiB: two
/// fit. A fairmake sub-make (`$(MAKE)`) draws from the withheld pool.
#[test]
fn memory_short_limits_jobs_across_the_tree() {
    let sb = Sandbox::new();
    let names = project(&sb, 8, 1000, 400, "$(MAKE) -f sub.mk");
    set_limit(&sb, 2500);
    let o = run(
        &sb,
        fairmake_cmd(&sb, &["-j8", "--memory-reserve=100M", "--stats"]),
        LIMIT,
    );
    let log = JobLog::read(&sb.join("log"));
    assert_completed(&sb, &o, &log, &names);
    let max = log.max_concurrency();
    o.check(
        max <= 2,
        &format!("{max} jobs of 1000 MiB ran at once in 2500 MiB"),
    );
    o.check(max == 2, &format!("only {max} at once: two fit"));
    o.check(
        o.stderr
            .contains("  memory          withheld up to 7 of 7 tokens"),
        "--stats does not say tokens were withheld",
    );
    o.check(
        o.stderr.contains("memory short"),
        "--stats does not say why",
    );
    let words = o.stderr.split_whitespace().collect::<Vec<_>>().join(" ");
    o.check(
        words.contains("a job used up to 1000 MiB"),
        "--stats does not give the job's size",
    );
}

/// The same with GNU make 4.3 as the sub-make (`+`): a client that knows
/// nothing of memory follows, since it reads from the same pool.
#[test]
fn gnu_sub_make_follows() {
    let Some(gnu) = required("GNU make", gnu_make()) else {
        return;
    };
    let sb = Sandbox::new();
    let names = project(&sb, 6, 1000, 300, &format!("+{} -f sub.mk", gnu.display()));
    set_limit(&sb, 2500);
    let o = run(
        &sb,
        fairmake_cmd(&sb, &["-j6", "--memory-reserve=100M"]),
        LIMIT,
    );
    let log = JobLog::read(&sb.join("log"));
    assert_completed(&sb, &o, &log, &names);
    let max = log.max_concurrency();
    o.check(
        max <= 2,
        &format!("{max} jobs of 1000 MiB ran at once in 2500 MiB"),
    );
    o.check(o.stderr.is_empty(), "stderr is not GNU's (empty)");
}

/// `--memory-reserve=off`: no memory-aware server, all 8 at once (the
/// same build as above: the limit is what the server changes).
#[test]
fn off_runs_as_gnu_does() {
    let sb = Sandbox::new();
    let names = project(&sb, 8, 1000, 400, "$(MAKE) -f sub.mk");
    set_limit(&sb, 2500);
    let o = run(
        &sb,
        fairmake_cmd(&sb, &["-j8", "--memory-reserve=off", "--stats"]),
        LIMIT,
    );
    let log = JobLog::read(&sb.join("log"));
    assert_completed(&sb, &o, &log, &names);
    o.check(log.max_concurrency() == 8, "not all 8 at once");
    o.check(
        !o.stderr.contains("  memory  "),
        "a memory line without the server",
    );
}

/// Plenty of memory (2 GiB a slot): every slot at once, as under GNU.
#[test]
fn plentiful_memory_withholds_nothing() {
    let sb = Sandbox::new();
    let names = project(&sb, 8, 100, 400, "$(MAKE) -f sub.mk");
    set_limit(&sb, 64 * 1024);
    let o = run(&sb, fairmake_cmd(&sb, &["-j8", "--stats"]), LIMIT);
    let log = JobLog::read(&sb.join("log"));
    assert_completed(&sb, &o, &log, &names);
    o.check(log.max_concurrency() == 8, "not all 8 at once");
    o.check(
        o.stderr.contains("  memory          nothing withheld;"),
        "--stats does not say nothing was withheld",
    );
}

/// Less than 2 GiB a slot: slow start until the first job's memory is
/// seen (100 MiB), then doubling (1, 2, 4, 8) every 300 ms.
#[test]
fn slow_start_then_every_slot() {
    let sb = Sandbox::new();
    let names = project(&sb, 8, 100, 2000, "$(MAKE) -f sub.mk");
    set_limit(&sb, 4 * 1024);
    let o = run(&sb, fairmake_cmd(&sb, &["-j8", "--stats"]), LIMIT);
    let log = JobLog::read(&sb.join("log"));
    assert_completed(&sb, &o, &log, &names);
    o.check(log.max_concurrency() == 8, "not all 8 at once");
    o.check(
        o.stderr.contains("withheld up to 7 of 7 tokens") && o.stderr.contains("slow start"),
        "--stats does not show the slow start",
    );
    o.check(!o.stderr.contains("memory short"), "short with 4 GiB");
}

/// Memory taken by something else comes free during the build: the jobs
/// after that run more at once.
#[test]
fn parallelism_comes_back_as_memory_frees() {
    let sb = Sandbox::new();
    let names = project(&sb, 24, 200, 300, "$(MAKE) -f sub.mk");
    set_limit(&sb, 2500);
    // Another program holds 2000 MiB: 400 MiB above the reserve, 2 jobs.
    std::fs::write(sb.join("ledger/used/other"), format!("{}", 2000 * MIB)).unwrap();
    let running = spawn(
        &sb,
        fairmake_cmd(&sb, &["-j8", "--memory-reserve=100M", "--stats"]),
    );
    std::thread::sleep(Duration::from_millis(1200));
    let log_path = sb.join("log");
    std::fs::OpenOptions::new()
        .append(true)
        .open(&log_path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"freed\n"))
        .unwrap();
    std::fs::remove_file(sb.join("ledger/used/other")).unwrap();
    let o = running.wait(LIMIT);
    let log = JobLog::read(&log_path);
    assert_completed(&sb, &o, &log, &names);
    let text = std::fs::read_to_string(&log_path).unwrap();
    let (before, after) = text.split_once("freed\n").unwrap();
    let most = |lines: &str, start: i64| {
        let (mut cur, mut max) = (start, 0);
        for l in lines.lines() {
            cur += if l.starts_with("start") { 1 } else { -1 };
            max = max.max(cur);
        }
        (cur, max)
    };
    let (open, max_before) = most(before, 0);
    let (_, max_after) = most(after, open);
    o.check(
        max_before <= 2,
        &format!("{max_before} at once while 2 fit"),
    );
    o.check(
        max_after >= 5,
        &format!("only {max_after} at once after memory freed"),
    );
}

/// A job fails while tokens are withheld: make stops as GNU does, and
/// every token is back (no INTERNAL).
#[test]
fn failure_while_withholding_gives_tokens_back() {
    let sb = Sandbox::new();
    let ledger = sb.join("ledger");
    std::fs::create_dir_all(ledger.join("used")).unwrap();
    set_limit(&sb, 1000);
    sb.write(
        "top.mk",
        &format!(
            "all: a b c\na b:\n\t@echo {} > {}/used/$@; sleep 0.3; rm {}/used/$@\nc:\n\t@sleep 0.1; false\n",
            800 * MIB,
            ledger.display(),
            ledger.display()
        ),
    );
    let o = run(&sb, fairmake_cmd(&sb, &["-j4"]), LIMIT);
    o.check(o.code() == Some(2), "exit status is not 2");
    o.check(
        o.stderr.contains("fairmake: *** [top.mk:5: c] Error 1"),
        "no error line",
    );
    o.check(!o.stderr.contains("INTERNAL"), "tokens missing at exit");
    sb.assert_no_fifo_left();
}

/// SIGINT while tokens are withheld: no token missing, fifo gone.
#[test]
fn interrupt_while_withholding() {
    let sb = Sandbox::new();
    project(&sb, 8, 1000, 3000, "$(MAKE) -f sub.mk");
    set_limit(&sb, 2500);
    let running = spawn(&sb, fairmake_cmd(&sb, &["-j8", "--stats"]));
    std::thread::sleep(Duration::from_millis(800));
    // SAFETY: signalling the process group we created.
    unsafe { libc::kill(-running.pid(), libc::SIGINT) };
    let o = running.wait(LIMIT);
    o.check(!o.stderr.contains("INTERNAL"), "tokens missing at exit");
    o.check(
        o.stderr.contains("interrupted by SIGINT") && o.stderr.contains("  memory  "),
        "the summary after SIGINT lacks the memory line",
    );
    sb.assert_no_fifo_left();
}

/// A bad value: GNU's kind of fatal error, status 2, nothing run.
#[test]
fn bad_value_is_fatal() {
    let sb = Sandbox::new();
    sb.write("Makefile", "all:\n\t@echo ran\n");
    for bad in ["lots", "", "150%", "-1G"] {
        let mut cmd = sb.command(&fairmake());
        cmd.arg(format!("--memory-reserve={bad}"));
        let o = run(&sb, cmd, LIMIT);
        o.check(o.code() == Some(2), "exit status is not 2");
        o.check(o.stdout.is_empty(), "something ran");
        let want = if bad.is_empty() {
            "fairmake: the '--memory-reserve' option requires a non-empty string argument\n"
                .to_string()
        } else {
            format!(
                "fairmake: *** invalid memory reserve '{bad}' (a size such as 512M or 2G, a percentage such as 5%, auto or off).  Stop.\n"
            )
        };
        o.check(o.stderr.starts_with(&want), &format!("not {want:?}"));
    }
}
