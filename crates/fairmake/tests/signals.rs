//! Fatal signals and the signals make's parent left ignored, through real
//! shells and real pipes: what a user sees is the exit (status or signal),
//! make's messages, the targets left behind, the jobserver's fifo, and the
//! signal dispositions the recipes start with.

mod e2e;

use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

use e2e::{fairmake, spawn, wait_until, Sandbox};

const LIMIT: Duration = Duration::from_secs(30);

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
