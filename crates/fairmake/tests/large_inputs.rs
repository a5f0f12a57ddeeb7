//! Large and deep inputs: fairmake must finish each within a time bound,
//! succeed or stop with a clean GNU-style error (exit 2), never die of a
//! signal and never panic. Where it is cheap and GNU make 4.3 copes, the
//! output is compared with `/usr/bin/make`'s.
//!
//! The makefiles are generated at test time (they are too big for the case
//! format). Budgets are generous for a shared 2-core CI machine: each run
//! gets [`LIMIT`]; the whole file takes a few seconds on an idle machine.
//!
//! ```sh
//! cargo test -p fairmake --test large_inputs
//! ```

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Per run, for fairmake and for GNU make alike.
const LIMIT: Duration = Duration::from_secs(60);

const GNU: &str = "/usr/bin/make";

struct Run {
    /// `None`: killed by a signal (its number is in `signal`).
    code: Option<i32>,
    signal: Option<i32>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    elapsed: Duration,
    timed_out: bool,
}

/// Runs `make ARGS` in `dir` with a minimal environment, killing it after `LIMIT`.
fn run(make: &str, dir: &Path, args: &[&str]) -> Run {
    let start = Instant::now();
    let mut child = Command::new(make)
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {make}: {e}"));
    // Drain both pipes on threads so a chatty make never blocks on them.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > LIMIT {
            timed_out = true;
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code(),
        signal: status.signal(),
        stdout: out_t.join().unwrap(),
        stderr: err_t.join().unwrap(),
        elapsed: start.elapsed(),
        timed_out,
    }
}

fn fairmake(dir: &Path, args: &[&str]) -> Run {
    let r = run(env!("CARGO_BIN_EXE_fairmake"), dir, args);
    let stderr = String::from_utf8_lossy(&r.stderr);
    let tail: String = stderr
        .chars()
        .rev()
        .take(2000)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    assert!(
        !r.timed_out,
        "fairmake did not finish within {LIMIT:?}; stderr tail:\n{tail}"
    );
    assert!(
        r.signal.is_none(),
        "fairmake died of signal {:?}; stderr tail:\n{tail}",
        r.signal
    );
    assert!(!stderr.contains("panicked"), "fairmake panicked:\n{tail}");
    assert!(
        matches!(r.code, Some(0) | Some(2)),
        "fairmake exited {:?} (want 0 or a clean 2); stderr tail:\n{tail}",
        r.code
    );
    if r.code == Some(2) {
        assert!(
            stderr.contains("***"),
            "exit 2 without a GNU-style error line:\n{tail}"
        );
    }
    eprintln!("fairmake {args:?}: {:?} in {:.2?}", r.code, r.elapsed);
    r
}

/// GNU make 4.3's run, when it is installed (else `None`: nothing to compare).
fn gnu(dir: &Path, args: &[&str]) -> Option<Run> {
    let version = Command::new(GNU).arg("--version").output().ok()?;
    if !version.stdout.starts_with(b"GNU Make 4.3") {
        return None;
    }
    let r = run(GNU, dir, args);
    eprintln!("gnu make {args:?}: {:?} in {:.2?}", r.code, r.elapsed);
    Some(r)
}

/// Same exit status and stdout as GNU make, when GNU finished cleanly.
fn compare_with_gnu(dir: &Path, args: &[&str], ours: &Run) {
    let Some(theirs) = gnu(dir, args) else { return };
    if theirs.timed_out || theirs.signal.is_some() {
        eprintln!("gnu make did not finish cleanly: nothing to compare");
        return;
    }
    assert_eq!(ours.code, theirs.code, "exit status differs from GNU make");
    assert!(
        ours.stdout == theirs.stdout,
        "stdout differs from GNU make: {} vs {} bytes, first lines:\n{}\n---\n{}",
        ours.stdout.len(),
        theirs.stdout.len(),
        head(&ours.stdout),
        head(&theirs.stdout)
    );
}

fn head(b: &[u8]) -> String {
    String::from_utf8_lossy(b)
        .lines()
        .take(5)
        .collect::<Vec<_>>()
        .join("\n")
}

fn dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// Ten-way nested `$(foreach)` over digits: `10^levels` words `xDDD…`.
fn numbers(levels: usize) -> String {
    let vars = ["a", "b", "c", "e", "f", "g", "h"];
    let mut inner = String::from("x");
    for v in &vars[..levels] {
        inner.push_str(&format!("$({v})"));
    }
    for v in vars[..levels].iter().rev() {
        inner = format!("$(foreach {v},$(d),{inner})");
    }
    format!("d := 0 1 2 3 4 5 6 7 8 9\nn := {inner}\n")
}

#[test]
fn makefile_of_20_megabytes() {
    makefile_of_megabytes(20);
}

/// Long mode (README): `cargo test --release -p fairmake --test large_inputs -- --ignored`.
#[test]
#[ignore = "long: a 100 MB makefile, run by the README's long command"]
fn makefile_of_100_megabytes() {
    makefile_of_megabytes(100);
}

fn makefile_of_megabytes(mb: usize) {
    let d = dir();
    let mut text = String::with_capacity((mb + 1) << 20);
    let mut i = 0u32;
    while text.len() < mb << 20 {
        text.push_str(&format!(
            "v_{i:07} = value number {i:07} with a few words $(v_{i:07}_x)\n\
             s_{i:07} := {i:07}\n\
             t_{i:07}: d_{i:07} d_{:07} | o_{i:07}\n\t@echo building $@ from $<\n",
            i + 1
        ));
        i += 1;
    }
    let last = i - 1;
    text.push_str(&format!(
        "all:; @echo {i} rules: $(v_0000000) / $(s_{last:07}) / $(words $(v_{last:07}))\n"
    ));
    std::fs::write(d.path().join("big.mk"), &text).unwrap();
    let args = ["-f", "big.mk", "all"];
    let r = fairmake(d.path(), &args);
    assert_eq!(r.code, Some(0));
    compare_with_gnu(d.path(), &args, &r);
}

#[test]
fn variable_of_a_million_words() {
    let d = dir();
    let sorted = numbers(6)
        + "s := $(sort $(n) $(n))\n\
           all:; @echo $(words $(n)) $(words $(s)) $(firstword $(s)) $(lastword $(s))\n";
    std::fs::write(d.path().join("Makefile"), sorted).unwrap();
    let r = fairmake(d.path(), &[]);
    assert_eq!(r.code, Some(0));
    assert_eq!(
        String::from_utf8_lossy(&r.stdout),
        "1000000 1000000 x000000 x999999\n"
    );
    compare_with_gnu(d.path(), &[], &r);

    // fairmake only: GNU make 4.3's $(filter-out) puts the word array on the
    // stack (alloca) and dies of SIGSEGV on a million words.
    let filtered = numbers(6)
        + "o := $(filter-out $(wordlist 1,1000,$(n)) %5 x1%,$(n))\n\
           all:; @echo $(words $(o)) $(word 500000,$(o)) $(words $(sort $(o)))\n";
    std::fs::write(d.path().join("filter.mk"), filtered).unwrap();
    let r = fairmake(d.path(), &["-f", "filter.mk"]);
    assert_eq!(r.code, Some(0));
    assert_eq!(
        String::from_utf8_lossy(&r.stdout),
        "809100 x656554 809100\n"
    );
}

#[test]
fn include_chain_10000_deep() {
    let d = dir();
    const N: usize = 10_000;
    for i in 0..N {
        let mut t = String::new();
        if i + 1 < N {
            t.push_str(&format!("include inc{}.mk\n", i + 1));
        }
        t.push_str(&format!("V{i} := {i}\n"));
        std::fs::write(d.path().join(format!("inc{i}.mk")), t).unwrap();
    }
    std::fs::write(
        d.path().join("Makefile"),
        "include inc0.mk\nall:; @echo $(V0) $(V9999) $(words $(MAKEFILE_LIST))\n",
    )
    .unwrap();
    let r = fairmake(d.path(), &[]);
    assert_eq!(r.code, Some(0));
    assert_eq!(String::from_utf8_lossy(&r.stdout), "0 9999 10001\n");
    // Not compared with GNU make: 4.3 keeps every file of the chain open
    // (10,000 descriptors: fails under a 1024 `ulimit -n`) and takes ~10 s.
}

#[test]
fn call_recursion_10000_deep() {
    let d = dir();
    let text = numbers(4)
        + "f = $(if $(1),$(call f,$(wordlist 2,99999,$(1)))x,)\n\
           r := $(call f,$(n))\n\
           all:; @echo $(words $(n)) $(words $(subst x,x ,$(r)))\n";
    std::fs::write(d.path().join("Makefile"), text).unwrap();
    let r = fairmake(d.path(), &[]);
    assert_eq!(r.code, Some(0));
    assert_eq!(String::from_utf8_lossy(&r.stdout), "10000 10000\n");
    // Not compared: GNU make 4.3 overflows its 8 MiB stack on this (SIGSEGV);
    // fairmake runs the make on a 1 GiB stack of its own.
}

/// 100 000 variables each calling the next: the `$(call)` nesting is as
/// deep as the chain, and each level's lookups must not scan the levels
/// above it. GNU make 4.3 dies of SIGSEGV on this.
#[test]
fn call_chain_100000_deep() {
    let d = dir();
    const N: usize = 100_000;
    let mut text = String::new();
    for i in 0..N - 1 {
        text.push_str(&format!("c{i} = $(call c{},$(1))x\n", i + 1));
    }
    text.push_str(&format!("c{} = $(1)\n", N - 1));
    text.push_str("r := $(call c0,y)\nall:; @echo $(words $(subst x,x ,$(r)))\n");
    std::fs::write(d.path().join("Makefile"), text).unwrap();
    let r = fairmake(d.path(), &[]);
    assert_eq!(r.code, Some(0));
    // "yx x x ... x": the first x joins the y.
    assert_eq!(String::from_utf8_lossy(&r.stdout), format!("{}\n", N - 1));
}

/// 100 000 recursive variables each referencing the next: the loop guard
/// must stay cheap at that depth. GNU make 4.3 dies of SIGSEGV on this.
#[test]
fn reference_chain_100000_deep() {
    let d = dir();
    const N: usize = 100_000;
    let mut text = String::new();
    for i in 0..N - 1 {
        text.push_str(&format!("v{i} = $(v{})x\n", i + 1));
    }
    text.push_str(&format!(
        "v{} = y\nall:; @echo $(words $(subst x,x ,$(v0)))\n",
        N - 1
    ));
    std::fs::write(d.path().join("Makefile"), text).unwrap();
    let r = fairmake(d.path(), &[]);
    assert_eq!(r.code, Some(0));
    assert_eq!(String::from_utf8_lossy(&r.stdout), format!("{}\n", N - 1));
}

#[test]
fn eval_defining_10000_rules() {
    let d = dir();
    let text = numbers(4)
        + "$(foreach i,$(n),$(eval t$(i): p$(i) ; )$(eval p$(i): ;))\n\
           all: $(addprefix t,$(n)) ; @echo $(words $^) $(firstword $^) $(lastword $^)\n\
           .DEFAULT_GOAL := all\n";
    std::fs::write(d.path().join("Makefile"), text).unwrap();
    let r = fairmake(d.path(), &[]);
    assert_eq!(r.code, Some(0));
    assert_eq!(String::from_utf8_lossy(&r.stdout), "10000 tx0000 tx9999\n");
    compare_with_gnu(d.path(), &[], &r);
}
