//! The jobserver under the clients users run below make: a client of the
//! `jobserver` crate (what cargo, rustc and the `cc` crate use) started
//! without `+`, a client left running when its shell is killed, GNU make
//! 4.3 sub-makes, and parents that hand a sub-make no jobserver.
//!
//! Every job logs `start NAME` / `end NAME` to one file (O_APPEND), so the
//! concurrency measured across the whole tree never exceeds the real one.
//! The `jobserver` crate client is this test binary run again with
//! `FM_CLIENT` set (see [`zz_client_entry`]).

mod e2e;

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use e2e::{fairmake, gnu_make, logged_recipe, run, JobLog, Sandbox};

const LIMIT: Duration = Duration::from_secs(40);

// The client -------------------------------------------------------------

/// When run with `FM_CLIENT="NAME COUNT MS LOG"`: a jobserver client built
/// on the `jobserver` crate, as cargo is. It runs COUNT jobs of MS
/// milliseconds, one on its implicit slot and the others each on a token,
/// logging them to LOG, and exits 3 if MAKEFLAGS gave it no jobserver.
#[test]
fn zz_client_entry() {
    let Ok(spec) = std::env::var("FM_CLIENT") else {
        return;
    };
    let parts: Vec<&str> = spec.split(' ').collect();
    let (name, count, ms, log) = (
        parts[0].to_string(),
        parts[1].parse::<usize>().unwrap(),
        parts[2].parse::<u64>().unwrap(),
        parts[3].to_string(),
    );
    // SAFETY: called once, before any thread, as the crate asks.
    let from_env = unsafe { jobserver::Client::from_env_ext(true) };
    let client = match from_env.client {
        Ok(c) => c,
        Err(e) => {
            eprintln!("client {name}: no jobserver: {e}");
            std::process::exit(3);
        }
    };
    let implicit_free = Arc::new(AtomicBool::new(true));
    let mut workers = Vec::new();
    for i in 1..=count {
        let token = loop {
            if implicit_free.swap(false, Ordering::SeqCst) {
                break None;
            }
            if let Ok(Some(t)) = client.try_acquire() {
                break Some(t);
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let (job, log, free) = (format!("{name}{i}"), log.clone(), implicit_free.clone());
        workers.push(std::thread::spawn(move || {
            append(&log, &format!("start {job}"));
            std::thread::sleep(Duration::from_millis(ms));
            append(&log, &format!("end {job}"));
            match token {
                Some(t) => drop(t),
                None => free.store(true, Ordering::SeqCst),
            }
        }));
    }
    for w in workers {
        w.join().unwrap();
    }
    std::process::exit(0);
}

fn append(log: &str, line: &str) {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(log)
        .unwrap();
    f.write_all(format!("{line}\n").as_bytes()).unwrap();
}

/// A recipe line that runs the client (the variable `CLIENT` holds the
/// test binary's path).
fn client_line(name: &str, count: usize, ms: u32, log: &Path) -> String {
    format!(
        "FM_CLIENT='{name} {count} {ms} {}' $(CLIENT) --exact zz_client_entry -q >/dev/null",
        log.display()
    )
}

fn client_var() -> String {
    format!("CLIENT={}", std::env::current_exe().unwrap().display())
}

/// The largest number of jobs whose names start with `prefix` that ran at once.
fn max_of(log: &JobLog, prefix: char) -> usize {
    JobLog {
        lines: log
            .lines
            .iter()
            .filter(|(_, n)| n.starts_with(prefix))
            .cloned()
            .collect(),
    }
    .max_concurrency()
}

/// `sub.mk`: `jobs` logged jobs `s1`… of `ms` milliseconds.
fn write_sub(sb: &Sandbox, log: &Path, jobs: usize, ms: u32) {
    let mut sub = String::from("all:");
    for j in 1..=jobs {
        sub.push_str(&format!(" s{j}"));
    }
    sub.push('\n');
    for j in 1..=jobs {
        sub.push_str(&format!(
            "s{j}:\n{}",
            logged_recipe(log, &format!("s{j}"), ms)
        ));
    }
    sb.write("sub.mk", &sub);
}

// 1. Healing never takes tokens that live clients hold -----------------------

/// `nin` runs a fifo client (as ninja or cargo) *without* `+`; `b` is a
/// sub-make. When `b` ends the client still holds tokens: they are not
/// lost, nothing is restored, and never more than 4 jobs run at once.
/// (Restoring them ran 6 at once and ended with "INTERNAL: Exiting with 5
/// jobserver tokens available; should be 3!")
#[test]
fn fifo_client_without_plus_keeps_its_tokens() {
    for style in [None, Some("--jobserver-style=fifo")] {
        let sb = Sandbox::new();
        let log = sb.join("jobs.log");
        write_sub(&sb, &log, 4, 300);
        sb.write(
            "top.mk",
            &format!(
                "all: nin b\nnin:\n\t@{}\nb:\n\t+@$(MAKE) -s -f sub.mk\n",
                client_line("n", 8, 1000, &log)
            ),
        );
        let mut cmd = sb.command(&fairmake());
        cmd.args(["-j4", "-f", "top.mk"])
            .args(style)
            .arg(client_var());
        let o = run(&sb, cmd, LIMIT);
        o.check(o.code() == Some(0), "exit status is not 0");
        let jl = JobLog::read(&log);
        o.check(jl.started().len() == 12, "not every job ran");
        let max = jl.max_concurrency();
        o.check(max <= 4, &format!("{max} jobs ran at once under -j4"));
        o.check(max_of(&jl, 'n') >= 2, "the client never got a token");
        o.check(
            !o.stderr.contains("restored"),
            "tokens held by a live client were restored",
        );
        o.assert_clean_stderr();
        sb.assert_no_fifo_left();
    }
}

/// A recipe starts a client in the background and its shell is killed:
/// the client, now an orphan, runs on with its tokens. They are not
/// restored while it runs (that ran more than 4 jobs at once), and make
/// waits for it to give them back before it counts them, as GNU make does.
#[test]
fn orphaned_client_keeps_its_slots() {
    let sb = Sandbox::new();
    let log = sb.join("jobs.log");
    write_sub(&sb, &log, 12, 300);
    sb.write(
        "top.mk",
        &format!(
            "all: orphan more\norphan:\n\t@{} & sleep 0.4; kill -9 $$$$\nmore:\n\t+@sleep 0.6; $(MAKE) -s -f sub.mk\n",
            client_line("o", 6, 1200, &log)
        ),
    );
    let mut cmd = sb.command(&fairmake());
    cmd.args(["-k", "-j4", "-f", "top.mk"]).arg(client_var());
    let o = run(&sb, cmd, LIMIT);
    o.check(
        o.code() == Some(2),
        "exit status is not 2 (the killed shell)",
    );
    let jl = JobLog::read(&log);
    o.check(jl.started().len() == 18, "not every job ran");
    o.check(jl.ended().len() == 18, "make ended before the orphan");
    let max = jl.max_concurrency();
    o.check(max <= 4, &format!("{max} jobs ran at once under -j4"));
    o.check(max_of(&jl, 'o') >= 2, "the client never got a token");
    o.check(
        !o.stderr.contains("restored"),
        "tokens of a live orphan were restored",
    );
    o.check(
        !o.stderr.contains("INTERNAL"),
        "tokens counted before the orphan gave them back",
    );
    sb.assert_no_fifo_left();
}

// 2. GNU 4.4's "not for you" marker -----------------------------------------

/// A GNU 4.4 parent with a pipe jobserver appends `--jobserver-auth=-2,-2`
/// for a recipe without `+`: the sub-make says the jobserver is
/// unavailable and runs -j1, as GNU make 4.4.1 does (it ran -j4 of its own).
#[test]
fn not_for_you_marker_means_j1() {
    let sb = Sandbox::new();
    let log = sb.join("jobs.log");
    write_sub(&sb, &log, 3, 300);
    let mut cmd = sb.command(&fairmake());
    cmd.args(["-f", "sub.mk"])
        .env(
            "MAKEFLAGS",
            " -j4 --jobserver-auth=3,4 --jobserver-auth=-2,-2",
        )
        .env("MAKELEVEL", "1");
    let o = run(&sb, cmd, LIMIT);
    o.check(o.code() == Some(0), "exit status is not 0");
    o.check(
        o.stderr
            .contains("warning: jobserver unavailable: using -j1.  Add '+' to parent make rule."),
        "no GNU warning",
    );
    let max = JobLog::read(&log).max_concurrency();
    o.check(max == 1, &format!("{max} jobs ran at once, not 1"));
}

// 3. Closed descriptors 3 and 4 ----------------------------------------------

/// MAKEFLAGS names 3,4 but the parent closed them: fairmake's own first
/// files take those numbers, yet it still sees they were not inherited.
#[test]
fn closed_3_and_4_are_noticed() {
    let sb = Sandbox::new();
    let log = sb.join("jobs.log");
    write_sub(&sb, &log, 3, 200);
    let mut cmd = sb.command(&fairmake());
    cmd.args(["-f", "sub.mk"])
        .env("MAKEFLAGS", " -j4 --jobserver-auth=3,4")
        .env("MAKELEVEL", "1");
    // SAFETY: close() only, in the child before exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::close(3);
            libc::close(4);
            Ok(())
        });
    }
    let o = run(&sb, cmd, LIMIT);
    o.check(o.code() == Some(0), "exit status is not 0");
    o.check(
        o.stderr
            .contains("warning: jobserver unavailable: using -j1.  Add '+' to parent make rule."),
        "no GNU warning for the closed descriptors",
    );
    o.check(JobLog::read(&log).max_concurrency() == 1, "not -j1");
}

// 4. One child's flags do not reach another ----------------------------------

/// GNU make 4.3 sets O_NONBLOCK on the read end it inherits. A sibling
/// started after it must not find its own read end non-blocking (GNU make
/// 4.2.1 then fails with "read jobs pipe: Resource temporarily
/// unavailable"): each recursive child has its own description.
#[test]
fn each_recursive_child_has_its_own_description() {
    let Some(gnu) = e2e::required("GNU make at /usr/bin/make", gnu_make()) else {
        return;
    };
    for style in [None, Some("--jobserver-style=pipe")] {
        let sb = Sandbox::new();
        let log = sb.join("jobs.log");
        write_sub(&sb, &log, 2, 100);
        sb.write(
            "top.mk",
            "all: first .WAIT second\nfirst:\n\t+@$(GNU) -s -f sub.mk\n\
             second:\n\t+@a=\"$${MAKEFLAGS#*--jobserver-auth=}\"; r=$${a%%,*}; \
             grep flags /proc/self/fdinfo/$$r > flags.txt\n",
        );
        let mut cmd = sb.command(&fairmake());
        cmd.args(["-j4", "-f", "top.mk"])
            .args(style)
            .arg(format!("GNU={}", gnu.display()));
        let o = run(&sb, cmd, LIMIT);
        o.check(o.code() == Some(0), "exit status is not 0");
        let text = sb.read("flags.txt");
        let flags = text
            .split_whitespace()
            .nth(1)
            .and_then(|f| u32::from_str_radix(f, 8).ok());
        o.check(flags.is_some(), &format!("no flags read: {text:?}"));
        o.check(
            flags.is_some_and(|f| f & libc::O_NONBLOCK as u32 == 0),
            &format!("the second child's read end is non-blocking ({style:?}): {text:?}"),
        );
    }
}
