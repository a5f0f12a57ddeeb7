//! End-to-end jobserver tests of the `fairmake` binary: what a user sees
//! (exit status, files left, jobs' start/end logs, warnings) when fairmake
//! and GNU make 4.3 share job slots through sub-makes, when sub-makes fail
//! or are killed, and when the top-level make gets a signal.
//!
//! Concurrency is measured from a log to which every job appends
//! `start NAME` before its sleep and `end NAME` after it (O_APPEND), so the
//! measured figure never exceeds the real one: "max ≤ N" proves the limit,
//! "max == N" proves the jobs really ran in parallel.
//!
//! Every run is bounded (the process group is killed on timeout) and every
//! test has its own `$TMPDIR`, so a fifo left behind is seen.
//! `FAIRMAKE_E2E_SEED=N` replays the random failure tree.

mod e2e;

use std::path::Path;
use std::time::Duration;

use e2e::{fairmake, gnu_make, logged_recipe, run, spawn, JobLog, Outcome, Rng, Sandbox};

const LIMIT: Duration = Duration::from_secs(30);

/// Writes `subK.mk` (K = 1..=subs), each with `jobs` logged jobs named
/// `sK-jJ` sleeping `ms(K, J)` ms, and `top.mk` whose goal runs every sub-make
/// with `line` (`{mk}` replaced by the sub-makefile's name). Returns the
/// names of all the jobs.
fn recursive_project(
    sb: &Sandbox,
    log: &Path,
    subs: usize,
    jobs: usize,
    ms: impl Fn(usize, usize) -> u32,
    line: &str,
) -> Vec<String> {
    let mut names = Vec::new();
    let mut top = String::from("all: flags");
    for k in 1..=subs {
        top.push_str(&format!(" s{k}"));
    }
    top.push_str("\nflags:\n\t@echo \"$$MAKEFLAGS\" > flags.txt\n");
    for k in 1..=subs {
        let mk = format!("sub{k}.mk");
        top.push_str(&format!("s{k}:\n\t{}\n", line.replace("{mk}", &mk)));
        let mut sub = String::from("all:");
        for j in 1..=jobs {
            sub.push_str(&format!(" s{k}-j{j}"));
        }
        sub.push('\n');
        for j in 1..=jobs {
            let name = format!("s{k}-j{j}");
            sub.push_str(&format!("{name}:\n{}", logged_recipe(log, &name, ms(k, j))));
            names.push(name);
        }
        sub.push_str(".PHONY: all\n");
        sb.write(&mk, &sub);
    }
    top.push_str(".PHONY: all flags\n");
    sb.write("top.mk", &top);
    names
}

/// The assertions every healthy parallel build shares.
fn assert_healthy(sb: &Sandbox, o: &Outcome, log: &JobLog, names: &[String], n: usize) {
    o.check(o.code() == Some(0), "exit status is not 0");
    log.assert_all_ran(names, o);
    let max = log.max_concurrency();
    o.check(max <= n, &format!("{max} jobs ran at once under -j{n}"));
    o.check(
        max == n,
        &format!("only {max} jobs ran at once under -j{n}: no full parallelism"),
    );
    o.assert_clean_stderr();
    sb.assert_no_fifo_left();
}

// 1. fairmake over fairmake sub-makes --------------------------------------

fn fairmake_over_fairmake(style: Option<&str>, auth_prefix: &str) {
    let sb = Sandbox::new();
    let log = sb.join("jobs.log");
    let names = recursive_project(&sb, &log, 4, 6, |_, _| 200, "$(MAKE) -f {mk}");
    let mut cmd = sb.command(&fairmake());
    cmd.args(["-j4", "-f", "top.mk"]);
    if let Some(style) = style {
        cmd.arg(format!("--jobserver-style={style}"));
    }
    let o = run(&sb, cmd, LIMIT);
    let flags = sb.read("flags.txt");
    o.check(
        flags.contains(&format!("--jobserver-auth={auth_prefix}")),
        &format!("children's MAKEFLAGS: {flags}"),
    );
    assert_healthy(&sb, &o, &JobLog::read(&log), &names, 4);
}

/// Fifo style (the default): 4 fairmake sub-makes share -j4 exactly.
#[test]
fn fifo_fairmake_over_fairmake() {
    fairmake_over_fairmake(None, "fifo:");
}

/// Pipe style: the same over `--jobserver-auth=R,W`.
#[test]
fn pipe_fairmake_over_fairmake() {
    fairmake_over_fairmake(Some("pipe"), "");
}

// 2. Interop with GNU make 4.3 ----------------------------------------------

/// fairmake at the top (pipe style), GNU make 4.3 sub-makes.
#[test]
fn pipe_fairmake_over_gnu_make() {
    let Some(gnu) = gnu_make() else {
        eprintln!("skipped: no GNU make at /usr/bin/make");
        return;
    };
    let sb = Sandbox::new();
    let log = sb.join("jobs.log");
    let names = recursive_project(&sb, &log, 4, 6, |_, _| 200, "+$(SUBMAKE) -f {mk}");
    let mut cmd = sb.command(&fairmake());
    cmd.args(["-j4", "--jobserver-style=pipe", "-f", "top.mk"])
        .arg(format!("SUBMAKE={}", gnu.display()));
    let o = run(&sb, cmd, LIMIT);
    assert_healthy(&sb, &o, &JobLog::read(&log), &names, 4);
}

fn gnu_make_over_fairmake(line: &str, var: &str) {
    let Some(gnu) = gnu_make() else {
        eprintln!("skipped: no GNU make at /usr/bin/make");
        return;
    };
    let sb = Sandbox::new();
    let log = sb.join("jobs.log");
    let names = recursive_project(&sb, &log, 4, 6, |_, _| 200, line);
    let mut cmd = sb.command(&gnu);
    cmd.args(["-j4", "-f", "top.mk"])
        .arg(format!("{var}={}", fairmake().display()));
    let o = run(&sb, cmd, LIMIT);
    assert_healthy(&sb, &o, &JobLog::read(&log), &names, 4);
}

/// GNU make 4.3 at the top (`-j4`), fairmake sub-makes run from `+` lines.
#[test]
fn gnu_make_over_fairmake_plus() {
    gnu_make_over_fairmake("+$(SUBMAKE) -f {mk}", "SUBMAKE");
}

/// GNU make 4.3 at the top (`-j4`), fairmake sub-makes run as `$(MAKE)`.
#[test]
fn gnu_make_over_fairmake_dollar_make() {
    gnu_make_over_fairmake("$(MAKE) -f {mk}", "MAKE");
}

/// fairmake's default style names one fifo both as a path and as
/// descriptors: GNU make 4.3 sub-makes take the descriptors and share the
/// slots in full, whether `$(MAKE)` names them or a `+` line runs the plain
/// `make` found on PATH. (Before, the fifo alone stopped them.)
#[test]
fn default_style_runs_gnu_43_submakes() {
    let Some(gnu) = gnu_make() else {
        panic!("no GNU make at /usr/bin/make: .ci/run installs it");
    };
    for (line, var) in [
        ("$(MAKE) -f {mk}", format!("MAKE={}", gnu.display())),
        ("+make -f {mk}", "UNUSED=1".to_string()),
    ] {
        let sb = Sandbox::new();
        let log = sb.join("jobs.log");
        let names = recursive_project(&sb, &log, 4, 6, |_, _| 200, line);
        let mut cmd = sb.command(&fairmake());
        cmd.args(["-j4", "-f", "top.mk"]).arg(var);
        // The plain `make` on PATH is GNU make 4.3.
        cmd.env("PATH", "/usr/bin:/bin");
        let o = run(&sb, cmd, LIMIT);
        assert_healthy(&sb, &o, &JobLog::read(&log), &names, 4);
        o.check(
            !o.stdout.contains("jobserver unavailable") && !o.stderr.contains("jobserver"),
            "a GNU sub-make could not use the jobserver",
        );
    }
}

/// GNU make 4.3 does not understand `fifo:` (a 4.4 addition): under a
/// fifo-style fairmake each GNU sub-make stops at once with
/// `internal error: invalid --jobserver-auth string 'fifo:…'.  Stop.` and
/// status 2, and the top level fails with 2 — promptly, with no fifo left
/// and no token lost. (Use `--jobserver-style=pipe` for GNU make < 4.4.)
#[test]
fn gnu_make_under_fifo_fairmake_fails_safely() {
    let Some(gnu) = gnu_make() else {
        eprintln!("skipped: no GNU make at /usr/bin/make");
        return;
    };
    let sb = Sandbox::new();
    let log = sb.join("jobs.log");
    recursive_project(&sb, &log, 2, 3, |_, _| 100, "+$(SUBMAKE) -f {mk}");
    let mut cmd = sb.command(&fairmake());
    cmd.args(["-j4", "--jobserver-style=fifo", "-f", "top.mk"])
        .arg(format!("SUBMAKE={}", gnu.display()));
    let o = run(&sb, cmd, Duration::from_secs(20));
    o.check(o.code() == Some(2), "exit status is not 2");
    o.check(
        o.stderr.contains("invalid --jobserver-auth string 'fifo:"),
        "GNU make 4.3 did not reject the fifo auth as expected",
    );
    o.check(
        !o.stderr.contains("INTERNAL") && !o.stderr.contains("restored"),
        "tokens were lost",
    );
    sb.assert_no_fifo_left();
}

// 3. The seed scenario, scaled for CI --------------------------------------

/// 12 sub-makes × 10 jobs of 20–50 ms at -j8: the starvation of GNU make
/// 4.2.1 (one job per second per sub-make) would take tens of seconds; a
/// fair jobserver needs about total/8. Also: every job ran, never more than 8.
#[test]
fn many_submakes_are_efficient() {
    let sb = Sandbox::new();
    let log = sb.join("jobs.log");
    let ms = |k: usize, j: usize| 20 + ((k * 7 + j * 13) % 31) as u32;
    let names = recursive_project(&sb, &log, 12, 10, ms, "$(MAKE) -s -f {mk}");
    let total_ms: u32 = (1..=12).flat_map(|k| (1..=10).map(move |j| ms(k, j))).sum();
    let ideal = Duration::from_millis(u64::from(total_ms) / 8);
    let mut cmd = sb.command(&fairmake());
    cmd.args(["-j8", "-f", "top.mk"]);
    let o = run(&sb, cmd, LIMIT);
    let jl = JobLog::read(&log);
    o.check(o.code() == Some(0), "exit status is not 0");
    jl.assert_all_ran(&names, &o);
    let max = jl.max_concurrency();
    o.check(max <= 8, &format!("{max} jobs ran at once under -j8"));
    o.assert_clean_stderr();
    sb.assert_no_fifo_left();
    // Sleeping jobs need no CPU; the margin covers process start-up on a
    // loaded 2-core machine (about 250 shells and sleeps).
    let bound = ideal.mul_f64(2.5) + Duration::from_millis(1500);
    eprintln!(
        "12x10 jobs at -j8: {:?} (ideal {ideal:?}, bound {bound:?}, max concurrency {max})",
        o.elapsed
    );
    o.check(
        o.elapsed <= bound,
        &format!("took {:?}, more than {bound:?}", o.elapsed),
    );
}

/// Writes a four-level tree (top → `tree.mk` → 4 mid sub-makes → 2 leaf
/// sub-makes each) whose jobs and sub-make lines fail at random points, and
/// after it a probe sub-make of 8 jobs that must reach full concurrency on
/// the same jobserver. Returns the probe's job names.
///
/// The top level runs the probe only once the whole tree is over: `tree`'s
/// recipe records the failure and `all` fails at the end, so the status is
/// 2 exactly when something in the tree failed. (`all: tree .WAIT probe`
/// would be simpler, but see `k_failed_prerequisite_waits_for_the_others`.)
fn failing_tree(sb: &Sandbox, rng: &mut Rng, probe_log: &Path) -> Vec<String> {
    let trash = sb.join("tree.log");
    let mut tree = String::from("all: m1 m2 m3 m4\n");
    let mut any_failure = false;
    for m in 1..=4 {
        // A mid-level sub-make: two leaf sub-makes and two jobs of its own.
        let mut mid = format!("all: l{m}a l{m}b x{m}a x{m}b\n");
        for leaf in ["a", "b"] {
            let mut l = String::from("all: j1 j2 j3 j4\n");
            for j in 1..=4 {
                let ms = 20 + rng.below(150);
                let fail = rng.below(4) == 0;
                any_failure |= fail;
                let end = if fail { "exit 1" } else { "true" };
                l.push_str(&format!(
                    "j{j}:\n\t@echo 'start l{m}{leaf}-j{j}' >> {t}; sleep 0.{ms:03}; {end}\n",
                    t = trash.display()
                ));
            }
            sb.write(&format!("leaf{m}{leaf}.mk"), &l);
            // Some sub-make lines fail before or after their sub-make runs.
            let line = match rng.below(6) {
                0 => {
                    any_failure = true;
                    format!("@sleep 0.0{}; exit 1", rng.below(9) + 1)
                }
                1 => {
                    any_failure = true;
                    format!("$(MAKE) -s -f leaf{m}{leaf}.mk; exit 3")
                }
                _ => format!("$(MAKE) -s -f leaf{m}{leaf}.mk"),
            };
            mid.push_str(&format!("l{m}{leaf}:\n\t{line}\n"));
        }
        for x in ["a", "b"] {
            let fail = rng.below(3) == 0;
            any_failure |= fail;
            let end = if fail { "exit 1" } else { "true" };
            mid.push_str(&format!(
                "x{m}{x}:\n\t@sleep 0.{:03}; {end}\n",
                20 + rng.below(100)
            ));
        }
        sb.write(&format!("mid{m}.mk"), &mid);
        tree.push_str(&format!("m{m}:\n\t$(MAKE) -s -f mid{m}.mk\n"));
    }
    if !any_failure {
        // Make sure the build fails somewhere.
        tree.push_str("all: boom\nboom:\n\t@exit 1\n");
    }
    sb.write("tree.mk", &tree);
    let mut probe = String::from("all:");
    let mut names = Vec::new();
    for j in 1..=8 {
        probe.push_str(&format!(" p{j}"));
    }
    probe.push('\n');
    for j in 1..=8 {
        let name = format!("p{j}");
        probe.push_str(&format!(
            "{name}:\n{}",
            logged_recipe(probe_log, &name, 250)
        ));
        names.push(name);
    }
    sb.write("probe.mk", &probe);
    sb.write(
        "top.mk",
        "all: probe\n\t@test ! -e tree.failed\n\
         probe: tree\n\t$(MAKE) -s -f probe.mk\n\
         tree:\n\t$(MAKE) -s -f tree.mk || touch tree.failed\n\
         .PHONY: all tree probe\n",
    );
    names
}

/// A recursive tree whose recipes and sub-make lines fail at random points,
/// under `-k -j4`: the build ends (bounded), exits 2, no token is lost on
/// any failure path (no `INTERNAL`, nothing to restore), and the same
/// jobserver still gives full concurrency afterwards.
#[test]
fn random_failures_under_k_conserve_tokens() {
    let base = e2e::seed();
    for round in 0..3u64 {
        let seed = base.wrapping_add(round);
        let sb = Sandbox::new();
        let mut rng = Rng::new(seed);
        let probe_log = sb.join("probe.log");
        let names = failing_tree(&sb, &mut rng, &probe_log);
        let mut cmd = sb.command(&fairmake());
        cmd.args(["-k", "-j4", "-f", "top.mk"]);
        let o = run(&sb, cmd, LIMIT);
        let ctx = format!("(FAIRMAKE_E2E_SEED={seed})");
        o.check(o.code() == Some(2), &format!("exit status is not 2 {ctx}"));
        o.check(
            sb.exists("tree.failed"),
            &format!("the tree did not fail {ctx}"),
        );
        o.check(
            !o.stderr.contains("INTERNAL") && !o.stderr.contains("restored"),
            &format!("jobserver tokens were lost {ctx}"),
        );
        o.check(!o.stderr.contains("warning"), &format!("a warning {ctx}"));
        let jl = JobLog::read(&probe_log);
        jl.assert_all_ran(&names, &o);
        let max = jl.max_concurrency();
        o.check(
            max == 4,
            &format!("the probe after the failures ran {max} jobs at once, not 4 {ctx}"),
        );
        sb.assert_no_fifo_left();
    }
}

/// Under -k, a target one of whose prerequisites failed is not finished
/// while its other prerequisites still run (GNU's update_file_1 checks
/// "deps still running" before "a dep failed"): its "not remade" message
/// comes after them, and a `.WAIT` after it holds until they end. Checked
/// against GNU make 4.3 for the message order (4.3 has no `.WAIT`).
#[test]
fn k_failed_prerequisite_waits_for_the_others() {
    let sb = Sandbox::new();
    let log = sb.join("jobs.log");
    let l = log.display();
    sb.write(
        "Makefile",
        &format!(
            "all: tree .WAIT after\ntree: a b\n\
             a:\n\t@sleep 0.05; exit 1\n\
             b:\n\t@sleep 0.6; echo 'end b' >> {l}; echo b-done >&2\n\
             after:\n\t@echo 'start after' >> {l}\n"
        ),
    );
    let mut cmd = sb.command(&fairmake());
    cmd.args(["-k", "-j4", "tree"]);
    let o = run(&sb, cmd, LIMIT);
    o.check(o.code() == Some(2), "exit status is not 2");
    o.check(
        o.stderr
            .ends_with("b-done\nfairmake: Target 'tree' not remade because of errors.\n")
            && sb.read("jobs.log") == "end b\n",
        "'not remade' came before b ended",
    );
    std::fs::remove_file(&log).unwrap();
    let mut cmd = sb.command(&fairmake());
    cmd.args(["-k", "-j4"]);
    let o = run(&sb, cmd, LIMIT);
    o.check(o.code() == Some(2), "exit status is not 2");
    o.check(
        sb.read("jobs.log") == "end b\nstart after\n",
        &format!(
            "`after` started before `b` ended: {:?}",
            sb.read("jobs.log")
        ),
    );
}

// 4. A sub-make SIGKILLed while holding tokens -------------------------------

/// `victim.mk` takes every token (4 jobs at -j4), then one of its jobs
/// SIGKILLs it (`kill -9 $PPID`) once all four have started: its three
/// other jobs (1.5 s) run on as orphans, on the tokens it held. Every job,
/// the victim's and the probe's (16 of 250 ms), logs to the one `log`.
fn kill_project(sb: &Sandbox, log: &Path) -> Vec<String> {
    let v = log.display();
    let mut victim = String::from("all: v1 v2 v3 killer\n");
    for j in 1..=3 {
        victim.push_str(&format!(
            "v{j}:\n{}",
            logged_recipe(log, &format!("v{j}"), 1500)
        ));
    }
    victim.push_str(&format!(
        "killer:\n\t@echo 'start killer' >> {v}; n=0; \
         while [ $$(grep -c start {v}) -lt 4 ] && [ $$n -lt 500 ]; do sleep 0.01; n=$$((n+1)); done; \
         kill -9 $$PPID; echo 'end killer' >> {v}\n"
    ));
    sb.write("victim.mk", &victim);
    let mut probe = String::from("all:");
    let mut names = Vec::new();
    for j in 1..=16 {
        probe.push_str(&format!(" p{j}"));
        names.push(format!("p{j}"));
    }
    probe.push('\n');
    for n in &names {
        probe.push_str(&format!("{n}:\n{}", logged_recipe(log, n, 250)));
    }
    sb.write("probe.mk", &probe);
    // `pause` outlives the orphans: any live job may hold tokens (it can
    // open the fifo), so the lost ones come back when it ends.
    sb.write(
        "top.mk",
        &format!(
            "all: victim .WAIT pause .WAIT probe\nvictim:\n\t$(MAKE) -f victim.mk\n\
             pause:\n{}probe:\n\t$(MAKE) -f probe.mk\n.PHONY: all victim pause probe\n",
            logged_recipe(log, "pause", 2000)
        ),
    );
    names
}

/// Under -k: the killed sub-make's orphans keep their slots while they
/// run, so never more than 4 jobs run at once (restoring the tokens at
/// once ran 7); once they are gone, its 3 tokens are restored with a
/// warning that says what happened, and the probe runs at full -j4.
#[test]
fn sigkilled_submake_tokens_are_restored_under_k() {
    for style in [None, Some("--jobserver-style=pipe")] {
        let sb = Sandbox::new();
        let log = sb.join("jobs.log");
        let names = kill_project(&sb, &log);
        let mut cmd = sb.command(&fairmake());
        cmd.args(["-k", "-j4", "-f", "top.mk"]).args(style);
        let o = run(&sb, cmd, LIMIT);
        o.check(o.code() == Some(2), "exit status is not 2");
        let jl = JobLog::read(&log);
        let victims = jl
            .started()
            .iter()
            .filter(|n| n.starts_with(['v', 'k']))
            .count();
        o.check(victims == 4, "the victim did not hold every slot");
        o.check(
            o.stderr.contains("victim] Killed"),
            "no GNU error line for the killed sub-make",
        );
        o.check(
            o.stderr.contains(
                "warning: 3 jobserver tokens lost when the recipe for 'victim' was killed (Killed); restored",
            ),
            "no warning about restored tokens",
        );
        o.check(!o.stderr.contains("INTERNAL"), "tokens missing at exit");
        let probe: Vec<(bool, String)> = jl
            .lines
            .iter()
            .filter(|(_, n)| n.starts_with('p') && n != "pause")
            .cloned()
            .collect();
        JobLog {
            lines: probe.clone(),
        }
        .assert_all_ran(&names, &o);
        let max = jl.max_concurrency();
        o.check(max <= 4, &format!("{max} jobs ran at once under -j4"));
        // After the last orphan ended, the probe had all four slots.
        let last_victim_end = jl
            .lines
            .iter()
            .rposition(|(start, n)| !start && n.starts_with('v'))
            .unwrap_or(0);
        let after = JobLog {
            lines: jl.lines[last_victim_end..].to_vec(),
        };
        o.check(
            after.max_concurrency() == 4,
            &format!(
                "after healing only {} jobs ran at once under -j4",
                after.max_concurrency()
            ),
        );
        sb.assert_no_fifo_left();
    }
}

/// Without -k: the build stops as GNU's does (exit 2, the probe never
/// runs) and leaves no fifo. The orphans still hold the killed sub-make's
/// slots when make exits, so, like GNU make, it says the tokens are short.
#[test]
fn sigkilled_submake_fails_the_build() {
    let sb = Sandbox::new();
    let log = sb.join("jobs.log");
    kill_project(&sb, &log);
    let mut cmd = sb.command(&fairmake());
    cmd.args(["-j4", "-f", "top.mk"]);
    let o = run(&sb, cmd, LIMIT);
    o.check(o.code() == Some(2), "exit status is not 2");
    o.check(o.stderr.contains("victim] Killed"), "no error line");
    o.check(
        !o.stderr.contains("restored"),
        "tokens restored while orphans ran on them",
    );
    o.check(
        o.stderr
            .contains("INTERNAL: Exiting with 1 jobserver tokens available; should be 4!"),
        "no GNU count of the missing tokens",
    );
    o.check(
        !JobLog::read(&log)
            .started()
            .iter()
            .any(|n| n.starts_with('p')),
        "the probe ran after the failure",
    );
    sb.assert_no_fifo_left();
}

// 5. Signals to the top-level make ----------------------------------------

/// Each recipe writes its pid and its target, then sleeps 30 s as the
/// exec'd shell. Flat: `top.mk` builds t1..t4; recursive: t1, t2 and a
/// sub-make that builds u1, u2. Returns the four targets.
fn signal_project(sb: &Sandbox, recursive: bool) -> [&'static str; 4] {
    let leaf = "\t@echo $$$$ > $@.pid; echo partial > $@; exec sleep 30\n";
    if recursive {
        sb.write(
            "top.mk",
            &format!("all: t1 t2 sub\nt1 t2:\n{leaf}sub:\n\t$(MAKE) -f sub.mk\n.PHONY: all sub\n"),
        );
        sb.write(
            "sub.mk",
            &format!("all: u1 u2\nu1 u2:\n{leaf}.PHONY: all\n"),
        );
        ["t1", "t2", "u1", "u2"]
    } else {
        sb.write(
            "top.mk",
            &format!("all: t1 t2 t3 t4\nt1 t2 t3 t4:\n{leaf}.PHONY: all\n"),
        );
        ["t1", "t2", "t3", "t4"]
    }
}

fn signal_test(sig: i32, to_group: bool, recursive: bool) {
    let sb = Sandbox::new();
    let targets = signal_project(&sb, recursive);
    let mut cmd = sb.command(&fairmake());
    cmd.args(["-j4", "-f", "top.mk"]);
    // Make starts with the signal at its default, whatever the test runner
    // inherited (under `nohup` SIGHUP is ignored, and make keeps a signal
    // ignored at start-up ignored, as it must).
    use std::os::unix::process::CommandExt;
    // SAFETY: signal(2) is async-signal-safe, as pre_exec requires.
    unsafe {
        cmd.pre_exec(move || {
            libc::signal(sig, libc::SIG_DFL);
            Ok(())
        });
    }
    let running = spawn(&sb, cmd);
    let ready = e2e::wait_until(Duration::from_secs(15), || {
        targets
            .iter()
            .all(|t| sb.exists(t) && !sb.read(&format!("{t}.pid")).trim().is_empty())
    });
    let pids: Vec<i32> = targets
        .iter()
        .filter_map(|t| sb.read(&format!("{t}.pid")).trim().parse().ok())
        .collect();
    let make_pid = running.pid();
    // SAFETY: signalling the make we started (or its process group).
    unsafe { libc::kill(if to_group { -make_pid } else { make_pid }, sig) };
    let o = running.wait(Duration::from_secs(20));
    o.check(ready, "the four jobs never all started");
    use std::os::unix::process::ExitStatusExt;
    o.check(
        o.status.signal() == Some(sig),
        &format!("make did not die of signal {sig}"),
    );
    for t in targets {
        o.check(!sb.exists(t), &format!("{t} was not deleted"));
        if !recursive {
            o.check(
                o.stderr
                    .contains(&format!("fairmake: *** Deleting file '{t}'\n")),
                &format!("no 'Deleting file' message for {t}"),
            );
        }
    }
    if recursive {
        // Two makes write to one stderr, and fairmake writes a message in
        // pieces (see `parallel_submakes_write_whole_lines`), so only count.
        o.check(
            o.stderr.matches("Deleting file '").count() == 4,
            "not four 'Deleting file' messages",
        );
    }
    let all_gone = e2e::wait_until(Duration::from_secs(3), || {
        pids.iter().all(|&p| !e2e::process_alive(p))
    });
    let alive: Vec<i32> = pids
        .iter()
        .copied()
        .filter(|&p| e2e::process_alive(p))
        .collect();
    for &p in &alive {
        // SAFETY: cleaning up a leftover recipe process of this test.
        unsafe { libc::kill(p, libc::SIGKILL) };
    }
    o.check(
        all_gone,
        &format!("recipe processes still running: {alive:?}"),
    );
    sb.assert_no_fifo_left();
}

/// SIGTERM to a top-level make running four jobs.
#[test]
fn sigterm_to_top_make() {
    signal_test(libc::SIGTERM, false, false);
}

/// SIGTERM to the top-level make alone, with a sub-make running.
#[test]
fn sigterm_to_top_make_with_submake() {
    signal_test(libc::SIGTERM, false, true);
}

/// SIGINT to the top-level make alone (`kill -INT`), with a sub-make.
#[test]
fn sigint_to_top_make_with_submake() {
    signal_test(libc::SIGINT, false, true);
}

/// SIGHUP to make alone (`kill -HUP PID`): passed on to the jobs, which
/// stop at once, their targets deleted. A deliberate difference (README,
/// "Differences from GNU make"): GNU 4.4.1 lets them run to their end.
#[test]
fn sighup_to_make_alone_stops_the_jobs() {
    signal_test(libc::SIGHUP, false, false);
}

/// SIGINT to the whole process group, as Ctrl-C at a terminal sends it.
#[test]
fn sigint_to_process_group() {
    signal_test(libc::SIGINT, true, true);
}

/// Sub-makes running in parallel share one stderr; GNU writes each message
/// with one write(2), so lines never mix. 4 sub-makes × 25 failing jobs
/// under -k: every stderr line must be one whole message.
#[test]
fn parallel_submakes_write_whole_lines() {
    let sb = Sandbox::new();
    let mut top = String::from("all: s1 s2 s3 s4\n");
    for k in 1..=4 {
        top.push_str(&format!("s{k}:\n\t$(MAKE) -s -f sub{k}.mk\n"));
        let mut sub = String::from("all:");
        for j in 1..=25 {
            sub.push_str(&format!(" f{j}"));
        }
        sub.push('\n');
        for j in 1..=25 {
            sub.push_str(&format!("f{j}:\n\t@exit 1\n"));
        }
        sb.write(&format!("sub{k}.mk"), &sub);
    }
    sb.write("top.mk", &top);
    let mut cmd = sb.command(&fairmake());
    cmd.args(["-k", "-j4", "-f", "top.mk"]);
    let o = run(&sb, cmd, LIMIT);
    o.check(o.code() == Some(2), "exit status is not 2");
    let bad: Vec<&str> = o
        .stderr
        .lines()
        .filter(|l| {
            let whole = (l.starts_with("fairmake[1]: *** [sub") && l.ends_with("] Error 1"))
                || (l.starts_with("fairmake: *** [top.mk:") && l.ends_with("] Error 2"))
                || l.ends_with("Target 'all' not remade because of errors.");
            !whole || l.matches("fairmake").count() != 1
        })
        .collect();
    o.check(bad.is_empty(), &format!("mixed lines: {bad:?}"));
    o.check(o.stderr.lines().count() == 4 * 26 + 4 + 1, "lines lost");
}

// 6. A sub-make with its own -j ------------------------------------------------

/// `$(MAKE) -j2` under `-j4`: GNU's warning, the sub-make runs its own
/// jobserver of 2 (max 2 of its jobs at once), the parent still runs 4.
#[test]
fn submake_forced_j2_resets_jobserver() {
    let sb = Sandbox::new();
    let (slog, tlog) = (sb.join("sub.log"), sb.join("top.log"));
    let mut sub = String::from("all: a1 a2 a3 a4 a5 a6\n");
    let mut sub_names = Vec::new();
    for j in 1..=6 {
        let n = format!("a{j}");
        sub.push_str(&format!("{n}:\n{}", logged_recipe(&slog, &n, 200)));
        sub_names.push(n);
    }
    sb.write("sub.mk", &sub);
    let mut top = String::from("all: sub o1 o2 o3 o4 o5 o6 o7 o8\nsub:\n\t$(MAKE) -j2 -f sub.mk\n");
    let mut top_names = Vec::new();
    for j in 1..=8 {
        let n = format!("o{j}");
        top.push_str(&format!("{n}:\n{}", logged_recipe(&tlog, &n, 200)));
        top_names.push(n);
    }
    sb.write("top.mk", &top);
    let mut cmd = sb.command(&fairmake());
    cmd.args(["-j4", "-f", "top.mk"]);
    let o = run(&sb, cmd, LIMIT);
    o.check(o.code() == Some(0), "exit status is not 0");
    o.check(
        o.stderr
            .contains("warning: -j2 forced in submake: resetting jobserver mode."),
        "no GNU warning about -j2 forced in submake",
    );
    o.check(!o.stderr.contains("INTERNAL"), "tokens missing at exit");
    let sl = JobLog::read(&slog);
    sl.assert_all_ran(&sub_names, &o);
    o.check(
        sl.max_concurrency() == 2,
        &format!("sub-make -j2 ran {} jobs at once", sl.max_concurrency()),
    );
    let tl = JobLog::read(&tlog);
    tl.assert_all_ran(&top_names, &o);
    o.check(
        tl.max_concurrency() <= 4,
        &format!("top -j4 ran {} jobs at once", tl.max_concurrency()),
    );
    sb.assert_no_fifo_left();
}

// 7. Invalid --jobserver-auth in MAKEFLAGS ---------------------------------

fn invalid_auth(makeflags: &str, warning: &[&str]) -> Outcome {
    let sb = Sandbox::new();
    let log = sb.join("jobs.log");
    let mut mk = String::from("all: a b c d\n");
    let names: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
    for n in &names {
        mk.push_str(&format!("{n}:\n{}", logged_recipe(&log, n, 100)));
    }
    sb.write("Makefile", &mk);
    let mut cmd = sb.command(&fairmake());
    cmd.env("MAKEFLAGS", makeflags);
    let o = run(&sb, cmd, LIMIT);
    o.check(o.code() == Some(0), "exit status is not 0");
    for w in warning {
        o.check(o.stderr.contains(w), &format!("stderr lacks {w:?}"));
    }
    let jl = JobLog::read(&log);
    jl.assert_all_ran(&names, &o);
    o.check(jl.max_concurrency() == 1, "the build did not run serially");
    o.check(!o.stderr.contains("INTERNAL"), "INTERNAL");
    sb.assert_no_fifo_left();
    o
}

/// Closed descriptors: GNU's "jobserver unavailable" warning, -j1, exit 0.
#[test]
fn invalid_auth_closed_fds() {
    invalid_auth(
        " -j4 --jobserver-auth=7,8",
        &["warning: jobserver unavailable: using -j1.  Add '+' to parent make rule."],
    );
}

/// Descriptors that are open but not a pipe (stdin is /dev/null).
#[test]
fn invalid_auth_not_a_pipe() {
    invalid_auth(
        " -j4 --jobserver-auth=0,2",
        &["warning: jobserver unavailable: using -j1.  Add '+' to parent make rule."],
    );
}

/// A fifo path that does not exist: a warning, -j1, exit 0.
#[test]
fn invalid_auth_missing_fifo() {
    invalid_auth(
        " -j4 --jobserver-auth=fifo:/nonexistent/fairmake-e2e/fifo",
        &["warning", "using -j1"],
    );
}

/// GNU make 4.4.1's exact words for a missing fifo (`jobserver_parse_auth`
/// prints an error, then main() the usual "unavailable" warning).
#[test]
fn invalid_auth_missing_fifo_gnu_wording() {
    invalid_auth(
        " -j4 --jobserver-auth=fifo:/nonexistent/fairmake-e2e/fifo",
        &[
            "cannot open jobserver /nonexistent/fairmake-e2e/fifo: No such file or directory",
            "warning: jobserver unavailable: using -j1.  Add '+' to parent make rule.",
        ],
    );
}
