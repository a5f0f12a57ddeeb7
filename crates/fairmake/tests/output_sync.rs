//! `-O` across a recursive build whose output goes to a pipe: every job's
//! output must reach the log as one contiguous block, however large the
//! block (a pipe takes at most PIPE_BUF bytes in one atomic write) and
//! however many sub-makes write at once.

mod e2e;

use std::time::Duration;

use e2e::{fairmake, run, Sandbox};

/// Lines each job prints: about 200 KB, far above PIPE_BUF (4 KB) and the
/// pipe's own buffer (64 KB).
const LINES: usize = 4000;

/// Four sub-makes of two jobs each, all finishing together at `-j8`, under
/// `make -O -j8 | tee log`: in the log, the lines of each job are one run.
#[test]
fn parallel_submakes_keep_large_blocks_whole_through_a_pipe() {
    let sb = Sandbox::new();
    sb.write(
        "top.mk",
        "all: s1 s2 s3 s4\ns1 s2 s3 s4:\n\t+@$(MAKE) -f sub.mk TAG=$@\n.PHONY: all s1 s2 s3 s4\n",
    );
    sb.write(
        "sub.mk",
        &format!(
            "all: a b\na b:\n\t@sleep 0.3; yes '$(TAG)-$@ {}' | head -n {LINES}\n.PHONY: all a b\n",
            "x".repeat(40)
        ),
    );
    let mut cmd = sb.command(std::path::Path::new("/bin/sh"));
    cmd.arg("-c")
        .arg("\"$0\" -O -j8 -f top.mk | tee log > /dev/null")
        .arg(fairmake());
    let o = run(&sb, cmd, Duration::from_secs(60));
    o.check(o.code() == Some(0), "the build failed");
    let log = sb.read("log");
    let lines: Vec<&str> = log.lines().collect();
    for s in ["s1", "s2", "s3", "s4"] {
        for t in ["a", "b"] {
            let tag = format!("{s}-{t} ");
            let at: Vec<usize> = lines
                .iter()
                .enumerate()
                .filter(|(_, l)| l.starts_with(&tag))
                .map(|(i, _)| i)
                .collect();
            o.check(at.len() == LINES, &format!("{tag}: {} lines", at.len()));
            let (first, last) = (at[0], at[LINES - 1]);
            o.check(
                last - first + 1 == LINES,
                &format!(
                    "the block of {tag}is split: lines {first}..={last} of the log hold others"
                ),
            );
        }
    }
    sb.assert_no_fifo_left();
}
