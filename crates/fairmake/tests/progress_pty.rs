//! `--progress` on a real pseudo-terminal, read back through a terminal
//! emulator (`vt100`): what a person would see on the screen at every
//! moment of a recursive build. The status row counts the jobs of every
//! make, it never mixes with make's or the recipes' lines (with and without
//! `-O`, on a failure, on SIGINT), and the terminal is given back whole.

use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;
use std::process::{Command, Stdio};

const ROWS: u16 = 10;
const COLS: u16 = 60;

const TOP: &str = "SUBS := s1 s2 s3\n.PHONY: all $(SUBS)\nall: $(SUBS)\n\t@echo all done\n$(SUBS):\n\t+@$(MAKE) --no-print-directory -C $@\n";
const SUB: &str = "all: a b c d\na b c d:\n\tsleep 0.2; echo $(notdir $(CURDIR))$@ compiled\n";

/// A pseudo-terminal of ROWS x COLS: (master, slave).
fn open_pty() -> (OwnedFd, OwnedFd) {
    let (mut master, mut slave) = (-1, -1);
    let size = libc::winsize {
        ws_row: ROWS,
        ws_col: COLS,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty writes two descriptors; the other pointers may be null.
    let r = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(r, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors are fresh and owned here.
    unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) }
}

fn project(dir: &Path, sub: &str) {
    std::fs::write(dir.join("Makefile"), TOP).unwrap();
    for s in ["s1", "s2", "s3"] {
        std::fs::create_dir_all(dir.join(s)).unwrap();
        std::fs::write(dir.join(s).join("Makefile"), sub).unwrap();
    }
}

/// Runs fairmake on the pty; `during` gets its pid once it runs. Returns
/// everything written to the terminal and the exit status.
fn run_on_pty(
    dir: &Path,
    args: &[&str],
    during: impl FnOnce(u32),
) -> (Vec<u8>, std::process::ExitStatus) {
    let (master, slave) = open_pty();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fairmake"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("MAKEFLAGS")
        .env_remove("MAKELEVEL")
        .env_remove("FAIRMAKE_TRACE_JSON")
        .env_remove("FAIRMAKE_STATS")
        .env("TERM", "xterm")
        .env("TMPDIR", dir)
        .stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave));
    let mut child = cmd.spawn().unwrap();
    drop(cmd);
    let reader = std::thread::spawn(move || {
        let mut file = std::fs::File::from(master);
        let mut all = Vec::new();
        let mut buf = [0u8; 4096];
        // EIO once every process holding the terminal is gone.
        while let Ok(n) = file.read(&mut buf) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
        }
        all
    });
    during(child.id());
    let status = child.wait().unwrap();
    (reader.join().unwrap(), status)
}

/// A status row: `[finished/known+] time ...`.
fn is_status(row: &str) -> bool {
    let Some(rest) = row.strip_prefix('[') else {
        return false;
    };
    let Some((counts, _)) = rest.split_once("+] ") else {
        return false;
    };
    counts
        .split_once('/')
        .is_some_and(|(a, b)| a.parse::<u32>().is_ok() && b.parse::<u32>().is_ok())
}

/// The screen at every newline of the output, as a person could have
/// seen it; the terminal starts full, as after a shell session.
struct Replay {
    parser: vt100::Parser,
    /// Every row seen, whole.
    rows_seen: std::collections::BTreeSet<String>,
    /// Status rows seen on the bottom row.
    statuses: Vec<String>,
}

impl Replay {
    fn new() -> Replay {
        let mut parser = vt100::Parser::new(ROWS, COLS, 0);
        for i in 0..ROWS - 1 {
            parser.process(format!("$ earlier line {i}\r\n").as_bytes());
        }
        parser.process(b"$ fairmake\r\n");
        Replay {
            parser,
            rows_seen: Default::default(),
            statuses: Vec::new(),
        }
    }

    fn rows(&self) -> Vec<String> {
        self.parser.screen().rows(0, COLS).collect()
    }

    /// Feeds the output a line at a time, checking each screen with `ok`
    /// for the rows above the bottom one.
    fn feed(&mut self, bytes: &[u8], ok: &dyn Fn(&str) -> bool) {
        for piece in bytes.split_inclusive(|&b| b == b'\n') {
            self.parser.process(piece);
            let rows = self.rows();
            let (bottom, above) = rows.split_last().unwrap();
            for row in above {
                let row = row.trim_end();
                assert!(
                    !is_status(row),
                    "a status line above the bottom row: {rows:#?}"
                );
                assert!(ok(row), "a garbled row {row:?}: {rows:#?}");
                self.rows_seen.insert(row.to_string());
            }
            let bottom = bottom.trim_end();
            if is_status(bottom) {
                self.statuses.push(bottom.to_string());
            } else {
                assert!(ok(bottom), "a garbled bottom row {bottom:?}: {rows:#?}");
                self.rows_seen.insert(bottom.to_string());
            }
        }
    }

    /// After make: the scrolling region is the whole screen again (a line
    /// written at the bottom scrolls everything) and no status is left.
    fn assert_terminal_given_back(&mut self) {
        for row in self.rows() {
            assert!(
                !is_status(row.trim_end()),
                "status left: {:#?}",
                self.rows()
            );
        }
        for i in 0..2 * ROWS {
            self.parser.process(format!("after {i}\r\n").as_bytes());
        }
        let rows = self.rows();
        assert_eq!(
            rows[usize::from(ROWS) - 2].trim_end(),
            format!("after {}", 2 * ROWS - 1)
        );
        assert_eq!(rows[usize::from(ROWS) - 1].trim_end(), "");
    }
}

/// What the build may show on a row: the shell's lines, make's echo lines
/// and the recipes' output.
fn build_line(row: &str) -> bool {
    if row.is_empty() || row.starts_with("$ ") || row == "all done" {
        return true;
    }
    ["s1", "s2", "s3"].iter().any(|s| {
        ["a", "b", "c", "d"].iter().any(|t| {
            row == format!("sleep 0.2; echo {s}{t} compiled") || row == format!("{s}{t} compiled")
        })
    })
}

fn every_line_whole(replay: &Replay) {
    for s in ["s1", "s2", "s3"] {
        for t in ["a", "b", "c", "d"] {
            let line = format!("{s}{t} compiled");
            assert!(replay.rows_seen.contains(&line), "{line} never seen whole");
        }
    }
    assert!(replay.rows_seen.contains("all done"));
}

#[test]
fn the_status_row_counts_the_tree_and_never_mixes_with_output() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path(), SUB);
    let (bytes, status) = run_on_pty(dir.path(), &["-j3", "--progress"], |_| {});
    assert!(status.success(), "{}", String::from_utf8_lossy(&bytes));
    let mut replay = Replay::new();
    replay.feed(&bytes, &build_line);
    every_line_whole(&replay);
    // The sub-makes' twelve jobs are counted (the top-level make's own are
    // recursive: their work is the sub-makes'), and named by directory.
    assert!(
        replay
            .statuses
            .iter()
            .any(|s| s.starts_with("[") && s.contains("/12+]")),
        "{:#?}",
        replay.statuses
    );
    assert!(
        replay
            .statuses
            .iter()
            .any(|s| s.contains("running: s") && s.contains("/a")),
        "{:#?}",
        replay.statuses
    );
    replay.assert_terminal_given_back();
}

#[test]
fn output_sync_blocks_go_above_the_status_row() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path(), SUB);
    let (bytes, status) = run_on_pty(dir.path(), &["-j3", "-Otarget", "--progress"], |_| {});
    assert!(status.success(), "{}", String::from_utf8_lossy(&bytes));
    let mut replay = Replay::new();
    replay.feed(&bytes, &build_line);
    every_line_whole(&replay);
    assert!(!replay.statuses.is_empty());
    replay.assert_terminal_given_back();
}

#[test]
fn a_failure_is_said_in_whole_lines() {
    let dir = tempfile::tempdir().unwrap();
    let failing = "all: a b c d\na b c d:\n\tsleep 0.2; echo $(notdir $(CURDIR))$@ compiled\n\t@test $@ != c\n";
    project(dir.path(), failing);
    let (bytes, status) = run_on_pty(dir.path(), &["-j3", "-k", "--progress"], |_| {});
    assert_eq!(status.code(), Some(2));
    let mut replay = Replay::new();
    let ok = |row: &str| {
        build_line(row)
            || row == "fairmake[1]: *** [Makefile:4: c] Error 1"
            || row == "fairmake[1]: Target 'all' not remade because of errors."
            || row.starts_with("fairmake: *** [Makefile:6: s")
            || row == "fairmake: Target 'all' not remade because of errors."
    };
    replay.feed(&bytes, &ok);
    assert!(
        replay
            .rows_seen
            .contains("fairmake[1]: *** [Makefile:4: c] Error 1"),
        "{:#?}",
        replay.rows_seen
    );
    replay.assert_terminal_given_back();
}

#[test]
fn an_interrupt_gives_the_terminal_back() {
    let dir = tempfile::tempdir().unwrap();
    let slow = "all: a b c d\na b c d:\n\tsleep 5; echo $(notdir $(CURDIR))$@ compiled\n";
    project(dir.path(), slow);
    let (bytes, status) = run_on_pty(dir.path(), &["-j3", "--progress"], |pid| {
        std::thread::sleep(std::time::Duration::from_millis(800));
        // SAFETY: signalling the child this test started.
        unsafe { libc::kill(pid as i32, libc::SIGINT) };
    });
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(libc::SIGINT));
    let mut replay = Replay::new();
    // A sub-make the interrupt reaches between taking a token and starting
    // its job dies holding it; the top make then puts it back with a
    // warning, whose second half wraps onto a row of its own.
    let ok = |row: &str| {
        row.is_empty()
            || row.starts_with("$ ")
            || row.starts_with("sleep 5; echo s")
            || row.starts_with("fairmake")
            || row.ends_with("was killed (Interrupt); restored")
    };
    replay.feed(&bytes, &ok);
    assert!(
        !replay.statuses.is_empty(),
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    replay.assert_terminal_given_back();
}

#[test]
fn no_terminal_no_escape_sequences() {
    // The same build with stderr a pipe: plain lines, one per job.
    let dir = tempfile::tempdir().unwrap();
    project(dir.path(), SUB);
    let out = Command::new(env!("CARGO_BIN_EXE_fairmake"))
        .args(["-j3", "--progress"])
        .current_dir(dir.path())
        .env_remove("MAKEFLAGS")
        .env_remove("MAKELEVEL")
        .env("TERM", "xterm")
        .env("TMPDIR", dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!err.contains('\x1b'), "{err:?}");
    let lines: Vec<&str> = err.lines().collect();
    // Twelve in the sub-makes, and `all`'s echo in the top-level make.
    assert_eq!(lines.len(), 13, "{err}");
    assert!(lines.iter().all(|l| is_status(l)), "{err}");
    assert!(lines.iter().any(|l| l.ends_with(" s2/c")), "{err}");
}
