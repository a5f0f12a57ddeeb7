//! Fatal signals and the signals make's parent left ignored, through real
//! shells and real pipes: what a user sees is the exit (status or signal),
//! make's messages, the targets left behind, the jobserver's fifo, and the
//! signal dispositions the recipes start with.

mod e2e;

use std::io::{BufRead, BufReader};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::Stdio;
use std::time::Duration;

use e2e::{fairmake, spawn, wait_until, Sandbox};

const LIMIT: Duration = Duration::from_secs(30);

/// Each target is written in two steps around a pause: a complete one
/// holds `done`. The recipe also records the signals it started with
/// ignored (`SigIgn` of /proc/self/status) in `$@.sigign`.
const TWO_STEP: &str = "\t@grep SigIgn /proc/self/status > $@.sigign; \
                        echo partial > $@; sleep 1; echo done > $@\n";

/// Whether signal `sig` is set in a `SigIgn:\t<hex mask>` line.
fn ignores(sigign_line: &str, sig: i32) -> bool {
    let hex = sigign_line.trim().trim_start_matches("SigIgn:").trim();
    let mask = u64::from_str_radix(hex, 16).unwrap_or(0);
    mask & (1 << (sig - 1)) != 0
}

/// Waits until every target's recipe has written its first step.
fn jobs_started(sb: &Sandbox, targets: &[&str]) -> bool {
    wait_until(Duration::from_secs(10), || {
        targets
            .iter()
            .all(|t| sb.read(t).starts_with("partial") || sb.read(t).starts_with("done"))
    })
}

/// `nohup make`: SIGHUP was ignored when make started, so a hangup to the
/// whole process group neither ends make nor deletes its targets, and the
/// recipes start with SIGHUP ignored too, as under GNU make.
#[test]
fn nohup_make_ignores_hangup_and_so_do_its_recipes() {
    let sb = Sandbox::new();
    sb.write("Makefile", &format!("all: a b\na b:\n{TWO_STEP}"));
    let mut cmd = sb.command(std::path::Path::new("/usr/bin/nohup"));
    cmd.arg(fairmake()).arg("-j2");
    let running = spawn(&sb, cmd);
    let started = jobs_started(&sb, &["a", "b"]);
    // SAFETY: signalling the process group the test created.
    unsafe { libc::kill(-running.pid(), libc::SIGHUP) };
    let o = running.wait(LIMIT);
    o.check(started, "the jobs never started");
    o.check(o.code() == Some(0), "make did not finish the build");
    for t in ["a", "b"] {
        o.check(sb.read(t) == "done\n", &format!("{t} is not complete"));
        let line = sb.read(&format!("{t}.sigign"));
        o.check(
            ignores(&line, libc::SIGHUP),
            &format!("the recipe of {t} lost the ignored SIGHUP: {line}"),
        );
    }
    sb.assert_no_fifo_left();
}

/// `sh -c 'make & wait'`: a non-interactive shell starts background
/// commands with SIGINT and SIGQUIT ignored. Ctrl-C to the process group
/// (the shell dies of it) must not end the background make, nor its
/// recipes, which start with both ignored.
#[test]
fn background_make_from_a_script_ignores_interrupt_and_quit() {
    let sb = Sandbox::new();
    sb.write("Makefile", &format!("all: a b\na b:\n{TWO_STEP}"));
    let mut cmd = sb.command(std::path::Path::new("/bin/sh"));
    cmd.arg("-c")
        .arg("{ \"$0\" -j2 > make.out 2> make.err; echo $? > status; } & wait")
        .arg(fairmake());
    let running = spawn(&sb, cmd);
    let started = jobs_started(&sb, &["a", "b"]);
    // SAFETY: signalling the process group the test created.
    unsafe { libc::kill(-running.pid(), libc::SIGINT) };
    let shell = running.wait(LIMIT);
    let finished = wait_until(LIMIT, || sb.read("status").ends_with('\n'));
    let context = format!(
        "{shell}\nmake's stderr: {}\nstatus file: {:?}",
        sb.read("make.err"),
        sb.read("status")
    );
    assert!(started, "the jobs never started\n{context}");
    assert!(finished, "make did not finish\n{context}");
    assert_eq!(sb.read("status"), "0\n", "make failed\n{context}");
    for t in ["a", "b"] {
        assert_eq!(sb.read(t), "done\n", "{t} is not complete\n{context}");
        let line = sb.read(&format!("{t}.sigign"));
        for sig in [libc::SIGINT, libc::SIGQUIT] {
            assert!(
                ignores(&line, sig),
                "the recipe of {t} lost ignored signal {sig}: {line}\n{context}"
            );
        }
    }
    sb.assert_no_fifo_left();
}

/// SIGPIPE ignored by make's parent stays ignored for the recipes (and for
/// `$(shell)`), as GNU make leaves it; not ignored, it is at its default
/// there.
#[test]
fn recipes_get_sigpipe_as_makes_parent_left_it() {
    let sb = Sandbox::new();
    sb.write(
        "Makefile",
        "all:\n\t@grep SigIgn /proc/self/status\n\
         \t@echo shell $(shell grep SigIgn /proc/self/status)\n",
    );
    for (trap, ignored) in [("trap '' PIPE; ", true), ("", false)] {
        let mut cmd = sb.command(std::path::Path::new("/bin/sh"));
        cmd.arg("-c")
            .arg(format!("{trap}exec \"$0\""))
            .arg(fairmake());
        let o = spawn(&sb, cmd).wait(LIMIT);
        o.check(o.code() == Some(0), "make failed");
        let lines: Vec<&str> = o.stdout.lines().collect();
        o.check(lines.len() == 2, "two SigIgn lines expected");
        for line in lines {
            let line = line.trim_start_matches("shell ");
            o.check(
                ignores(line, libc::SIGPIPE) == ignored,
                &format!("SIGPIPE ignored should be {ignored} in: {line}"),
            );
        }
    }
}

/// Two jobs interrupted (SIGINT to the process group, as Ctrl-C sends it):
/// GNU make 4.4.1 says every `Deleting file` first, the newest job's
/// target first, then how each command ended.
#[test]
fn interrupt_says_every_deleting_file_before_the_interrupt_lines() {
    let sb = Sandbox::new();
    sb.write(
        "Makefile",
        "all: a b\na b:\n\t@echo partial > $@; sleep 5\n",
    );
    let mut cmd = sb.command(&fairmake());
    cmd.arg("-j2");
    let running = spawn(&sb, cmd);
    let started = wait_until(Duration::from_secs(10), || sb.exists("a") && sb.exists("b"));
    // SAFETY: signalling the process group the test created.
    unsafe { libc::kill(-running.pid(), libc::SIGINT) };
    let o = running.wait(LIMIT);
    o.check(started, "the jobs never started");
    o.check(
        o.status.signal() == Some(libc::SIGINT),
        "make did not die of SIGINT",
    );
    let lines: Vec<&str> = o.stderr.lines().collect();
    o.check(lines.len() == 4, "four lines expected on stderr");
    o.check(
        lines[..2]
            == [
                "fairmake: *** Deleting file 'b'",
                "fairmake: *** Deleting file 'a'",
            ],
        "the Deleting lines do not come first, newest first",
    );
    let mut rest = lines[2..].to_vec();
    rest.sort_unstable();
    o.check(
        rest == [
            "fairmake: *** [Makefile:3: a] Interrupt",
            "fairmake: *** [Makefile:3: b] Interrupt",
        ],
        "no Interrupt line for each job after them",
    );
    o.check(!sb.exists("a") && !sb.exists("b"), "a target was left");
    sb.assert_no_fifo_left();
}

/// `make -j4 | head -1`: make dies of SIGPIPE at its next write, as GNU
/// make does, but first stops its jobs, deletes their unfinished targets
/// and removes the jobserver's fifo and its directory.
#[test]
fn a_broken_stdout_pipe_cleans_up_before_make_dies_of_it() {
    let sb = Sandbox::new();
    let names: Vec<String> = (0..40).map(|i| format!("t{i}")).collect();
    sb.write(
        "Makefile",
        &format!(
            "all: {}\nt%:\n\techo partial > $@; sleep 0.2; echo done > $@\n",
            names.join(" ")
        ),
    );
    let mut cmd = sb.command(&fairmake());
    cmd.arg("-j4")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = cmd.spawn().expect("spawn make");
    let mut first = String::new();
    let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
    reader.read_line(&mut first).expect("read a line");
    // `head -1` exits: the pipe has no reader any more.
    drop(reader);
    let pgid = child.id() as i32;
    let done = wait_until(LIMIT, || matches!(child.try_wait(), Ok(Some(_))));
    if !done {
        // SAFETY: killing the process group the test created.
        unsafe { libc::kill(-pgid, libc::SIGKILL) };
    }
    let o = child.wait_with_output().expect("wait for make");
    let stderr = String::from_utf8_lossy(&o.stderr);
    let context = format!("status {:?}\nstderr:\n{stderr}", o.status);
    assert!(done, "make did not end\n{context}");
    assert_eq!(
        o.status.signal(),
        Some(libc::SIGPIPE),
        "make did not die of SIGPIPE\n{context}"
    );
    for t in &names {
        let text = sb.read(t);
        assert!(
            !sb.exists(t) || text == "done\n",
            "{t} left half-written: {text:?}\n{context}"
        );
    }
    let left = sb.tmp_leftovers();
    assert!(left.is_empty(), "left in $TMPDIR: {left:?}\n{context}");
}

/// stdout already without a reader: the write of the first command line
/// raises SIGPIPE, and make dies of it there, as GNU make does (it does not
/// catch SIGPIPE), not after running that command and saying how it
/// ended. fairmake catches SIGPIPE to clean up, so it must look at the
/// signal before it starts the command it has just echoed.
#[test]
fn a_command_line_written_to_a_broken_pipe_is_not_run() {
    let sb = Sandbox::new();
    sb.write("Makefile", "all: l\n.DEFAULT:\n\ttouch ran-$@\n");
    for jobs in ["-j1", "-j2"] {
        let (read_end, write_end) = std::io::pipe().expect("pipe");
        drop(read_end);
        let o = sb
            .command(&fairmake())
            .arg(jobs)
            .stdout(write_end)
            .stderr(Stdio::piped())
            .output()
            .expect("run make");
        let stderr = String::from_utf8_lossy(&o.stderr);
        let context = format!("{jobs}: status {:?}\nstderr:\n{stderr}", o.status);
        assert_eq!(o.status.signal(), Some(libc::SIGPIPE), "{context}");
        assert!(stderr.is_empty(), "make said something: {context}");
        assert!(!sb.exists("ran-l"), "the echoed command ran: {context}");
        assert!(sb.tmp_leftovers().is_empty(), "left in $TMPDIR: {context}");
    }
}

/// SIGQUIT: the jobs' targets are deleted and make exits with status 1,
/// as GNU make 4.4.1 does, with the fifo removed.
#[test]
fn quit_deletes_targets_and_exits_1() {
    let sb = Sandbox::new();
    sb.write(
        "Makefile",
        "all: a b\na b:\n\t@echo partial > $@; sleep 5\n",
    );
    let mut cmd = sb.command(&fairmake());
    cmd.arg("-j2");
    let running = spawn(&sb, cmd);
    let started = wait_until(Duration::from_secs(10), || sb.exists("a") && sb.exists("b"));
    // SAFETY: signalling the process group the test created.
    unsafe { libc::kill(-running.pid(), libc::SIGQUIT) };
    let o = running.wait(LIMIT);
    o.check(started, "the jobs never started");
    o.check(o.code() == Some(1), "make did not exit with status 1");
    o.check(
        o.stderr.contains("Deleting file 'a'") && o.stderr.contains("Deleting file 'b'"),
        "no Deleting file lines",
    );
    o.check(!sb.exists("a") && !sb.exists("b"), "a target was left");
    sb.assert_no_fifo_left();
}
