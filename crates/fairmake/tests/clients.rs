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

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::time::Duration;

use e2e::{fairmake, gnu_make, logged_recipe, run, JobLog, Sandbox};

const LIMIT: Duration = Duration::from_secs(40);

// The client -------------------------------------------------------------

/// The client: see [`e2e::client_main`].
#[test]
fn zz_client_entry() {
    e2e::client_main();
}

use e2e::{client_line, client_var};

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

/// In a sub-make, a job's shell is killed while the job it started runs
/// on: the sub-make keeps that job's slot (and token) until the orphan is
/// gone, so the tree never runs more than 4 jobs at once. (The sub-make
/// outlives the orphan here: one that exits first gives the slot back, as
/// its parent cannot tell the orphan from a daemon a recipe left.)
#[test]
fn a_killed_jobs_orphan_keeps_its_slot_in_a_submake() {
    let sb = Sandbox::new();
    let log = sb.join("jobs.log");
    let l = log.display();
    let mut sub = String::from("all: k s1 s2 s3 s4 s5 s6\n");
    sub.push_str(&format!(
        "k:\n\t@(echo start k >> {l}; sleep 0.8; echo end k >> {l}) & sleep 0.1; kill -9 $$$$\n"
    ));
    for j in 1..=6 {
        sub.push_str(&format!(
            "s{j}:\n{}",
            logged_recipe(&log, &format!("s{j}"), 500)
        ));
    }
    sb.write("sub.mk", &sub);
    let mut top = String::from("all: sub o1 o2 o3 o4\nsub:\n\t+@$(MAKE) -s -k -f sub.mk\n");
    for j in 1..=4 {
        top.push_str(&format!(
            "o{j}:\n{}",
            logged_recipe(&log, &format!("o{j}"), 300)
        ));
    }
    sb.write("top.mk", &top);
    let mut cmd = sb.command(&fairmake());
    cmd.args(["-k", "-j4", "-f", "top.mk"]);
    let o = run(&sb, cmd, LIMIT);
    o.check(
        o.code() == Some(2),
        "exit status is not 2 (the killed shell)",
    );
    let jl = JobLog::read(&log);
    o.check(jl.ended().len() == 11, "not every job ran to its end");
    let max = jl.max_concurrency();
    o.check(max <= 4, &format!("{max} jobs ran at once under -j4"));
    o.check(!o.stderr.contains("INTERNAL"), "tokens missing at exit");
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

// 5. Real clients under the default style ------------------------------------

/// The ninja binaries to try: `$FAIRMAKE_TEST_NINJA` (colon-separated;
/// `.ci/run` sets it to PyPI's ninja in a venv), and upstream ninja where
/// `tools/build-reference` put it.
fn ninjas() -> Vec<std::path::PathBuf> {
    let mut found: Vec<std::path::PathBuf> = std::env::var("FAIRMAKE_TEST_NINJA")
        .unwrap_or_default()
        .split(':')
        .filter(|p| !p.is_empty())
        .map(std::path::PathBuf::from)
        .collect();
    let upstream = std::path::PathBuf::from("/work/ref/ninja-upstream/bin/ninja");
    if upstream.exists() {
        found.push(upstream);
    }
    found
}

/// The example: `nin` runs ninja (8 edges) without `+`, `b` is a
/// sub-make. ninja joins the jobserver (by the fifo: upstream 1.13 speaks
/// nothing else) and the whole tree runs at most 4 jobs, silently.
#[test]
fn ninja_without_plus_shares_the_slots() {
    let list = ninjas();
    if e2e::required("ninja ($FAIRMAKE_TEST_NINJA)", list.first().cloned()).is_none() {
        return;
    }
    for ninja in list {
        let sb = Sandbox::new();
        let log = sb.join("jobs.log");
        write_sub(&sb, &log, 4, 300);
        let mut build = format!(
            "rule s\n  command = echo start $out >> {l}; sleep 0.5; echo end $out >> {l}; touch $out\n",
            l = log.display()
        );
        for i in 1..=8 {
            build.push_str(&format!("build n{i}: s\n"));
        }
        sb.write("nd/build.ninja", &build);
        sb.write(
            "top.mk",
            "all: nin b\nnin:\n\t@$(NINJA) --quiet -C nd\nb:\n\t+@$(MAKE) -s -f sub.mk\n",
        );
        let mut cmd = sb.command(&fairmake());
        cmd.args(["-j4", "-f", "top.mk"])
            .arg(format!("NINJA={}", ninja.display()));
        let o = run(&sb, cmd, LIMIT);
        let what = ninja.display();
        o.check(
            o.code() == Some(0),
            &format!("{what}: exit status is not 0"),
        );
        let jl = JobLog::read(&log);
        o.check(jl.started().len() == 12, "not every job ran");
        let max = jl.max_concurrency();
        o.check(
            max <= 4,
            &format!("{what}: {max} jobs ran at once under -j4"),
        );
        o.check(
            max_of(&jl, 'n') >= 2,
            &format!("{what}: ninja ran serially"),
        );
        o.check(
            !o.stdout.contains("Ignoring jobserver"),
            &format!("{what} ignored the jobserver"),
        );
        o.check(
            !o.stderr.contains("restored"),
            "tokens held by ninja were restored",
        );
        o.check(!o.stderr.contains("INTERNAL"), "tokens missing at exit");
        eprintln!(
            "{what}: at most {max} jobs at once, ninja {}",
            max_of(&jl, 'n')
        );
    }
}

/// GCC 12's `-flto=jobserver` (Debian 12) reads only the first
/// `--jobserver-auth=` word, and only as `R,W`: from a `+` line its LTRANS
/// make joins the jobserver (it said "jobserver is not available" under a
/// fifo) and shares the 4 slots with the rest of the build.
#[test]
fn gcc_lto_jobserver_shares_the_slots() {
    let gcc = std::path::PathBuf::from("/usr/bin/gcc");
    if e2e::required("gcc", gcc.exists().then_some(gcc)).is_none() {
        return;
    }
    let sb = Sandbox::new();
    let log = sb.join("jobs.log");
    for i in 1..=8 {
        sb.write(
            &format!("f{i}.c"),
            &format!("volatile int s{i};\nint f{i}(int x) {{ int s = 0; for (int k = 0; k < x; k++) s += k ^ {i}; s{i} = s; return s; }}\n"),
        );
    }
    sb.write(
        "main.c",
        "int f1(int),f2(int),f3(int),f4(int),f5(int),f6(int),f7(int),f8(int);\n\
         int main(void) { return (f1(1)+f2(2)+f3(3)+f4(4)+f5(5)+f6(6)+f7(7)+f8(8)) & 1; }\n",
    );
    // lto-wrapper runs `make` from PATH: this one logs each LTRANS job.
    let bin = sb.join("bin");
    sb.write(
        "bin/make",
        &format!(
            "#!/bin/sh\nexec /usr/bin/make SHELL={} \"$@\"\n",
            sb.join("logsh").display()
        ),
    );
    sb.write(
        "logsh",
        &format!(
            "#!/bin/sh\necho start lt$$ >> {l}; /bin/sh \"$@\"; s=$?; sleep 0.3; echo end lt$$ >> {l}; exit $s\n",
            l = log.display()
        ),
    );
    for f in ["bin/make", "logsh"] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(sb.join(f), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let mut top = String::from(
        "OBJS = main.o f1.o f2.o f3.o f4.o f5.o f6.o f7.o f8.o\nall: prog other\n\
         prog: $(OBJS)\n\t+@gcc -flto=jobserver -flto-partition=max -O2 -o $@ $(OBJS)\n\
         %.o: %.c\n\t@gcc -flto -O2 -c $< -o $@\nother: .WAIT o1 o2 o3 o4 o5 o6\n",
    );
    for i in 1..=6 {
        top.push_str(&format!(
            "o{i}:\n{}",
            logged_recipe(&log, &format!("o{i}"), 300)
        ));
    }
    sb.write("Makefile", &top);
    let mut cmd = sb.command(&fairmake());
    cmd.args(["-j4", "all"])
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()));
    let o = run(&sb, cmd, LIMIT);
    o.check(o.code() == Some(0), "exit status is not 0");
    o.check(
        !o.stderr.contains("jobserver is not available"),
        "GCC did not find the jobserver",
    );
    let jl = JobLog::read(&log);
    let lt = max_of(&jl, 'l');
    o.check(
        lt >= 2,
        &format!("LTRANS ran {lt} at once: not through the jobserver"),
    );
    let max = jl.max_concurrency();
    o.check(max <= 4, &format!("{max} jobs ran at once under -j4"));
    o.assert_clean_stderr();
    eprintln!("gcc LTO: at most {max} jobs at once, LTRANS {lt}");
}

/// cargo started without `+` runs a build script whose `cc` crate (with
/// its `parallel` feature) compiles 8 C files: cargo and cc join the fifo
/// and share the 4 slots with a sub-make. (An interop check: this passed
/// before the default style changed too, as cargo reads the fifo.) Offline: `cc` is in the
/// workspace's own lock file (a build dependency of `psm`).
#[test]
fn cargo_build_script_with_cc_shares_the_slots() {
    let cargo = std::env::var_os("CARGO").map(std::path::PathBuf::from);
    let Some(cargo) = e2e::required("cargo", cargo) else {
        return;
    };
    let sb = Sandbox::new();
    let log = sb.join("jobs.log");
    write_sub(&sb, &log, 3, 200);
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let lock = std::fs::read_to_string(workspace.join("Cargo.lock")).unwrap();
    let cc_version = lock
        .split("[[package]]")
        .find(|p| p.contains("name = \"cc\""))
        .and_then(|p| p.split("version = \"").nth(1))
        .and_then(|v| v.split('"').next())
        .expect("cc in Cargo.lock")
        .to_string();
    sb.write("proj/Cargo.lock", &lock);
    sb.write(
        "proj/Cargo.toml",
        &format!(
            "[package]\nname = \"ccjobs\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [build-dependencies]\ncc = {{ version = \"={cc_version}\", features = [\"parallel\"] }}\n"
        ),
    );
    sb.write("proj/src/lib.rs", "");
    let mut files = String::new();
    for i in 1..=8 {
        sb.write(
            &format!("proj/c/f{i}.c"),
            &format!("int f{i}(void) {{ return {i}; }}\n"),
        );
        files.push_str(&format!("\"c/f{i}.c\", "));
    }
    sb.write(
        "proj/build.rs",
        &format!("fn main() {{ cc::Build::new().files([{files}]).compile(\"ccjobs\"); }}\n"),
    );
    sb.write(
        "logcc",
        &format!(
            "#!/bin/sh\necho start cc$$ >> {l}; sleep 0.5; /usr/bin/cc \"$@\"; s=$?; echo end cc$$ >> {l}; exit $s\n",
            l = log.display()
        ),
    );
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(sb.join("logcc"), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    sb.write(
        "top.mk",
        "all: crate sub\ncrate:\n\t@$(CARGO) build --offline -q --manifest-path proj/Cargo.toml\n\
         sub:\n\t+@while ! grep -q cc jobs.log 2>/dev/null; do sleep 0.05; done; $(MAKE) -s -f sub.mk\n",
    );
    let mut cmd = sb.command(&fairmake());
    cmd.args(["-j4", "-f", "top.mk"])
        .arg(format!("CARGO={}", cargo.display()))
        .env("CC", sb.join("logcc"))
        .env("CARGO_TARGET_DIR", sb.join("target"));
    // rustc lives beside cargo.
    if let Some(dir) = cargo.parent() {
        cmd.env("PATH", format!("{}:/usr/bin:/bin", dir.display()));
    }
    for var in ["HOME", "CARGO_HOME", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN"] {
        if let Some(v) = std::env::var_os(var) {
            cmd.env(var, v);
        }
    }
    let o = run(&sb, cmd, Duration::from_secs(300));
    o.check(o.code() == Some(0), "exit status is not 0");
    let jl = JobLog::read(&log);
    let cc = max_of(&jl, 'c');
    // cc also runs the compiler to probe it: 8 compiles or more.
    o.check(
        jl.started().iter().filter(|n| n.starts_with('c')).count() >= 8,
        "not every C file was compiled",
    );
    o.check(
        cc >= 2,
        &format!("cc compiled {cc} at once: not through the jobserver"),
    );
    let max = jl.max_concurrency();
    o.check(max <= 4, &format!("{max} jobs ran at once under -j4"));
    o.check(
        !o.stderr.contains("restored") && !o.stderr.contains("INTERNAL"),
        "tokens lost or restored",
    );
    eprintln!("cargo + cc: at most {max} jobs at once, cc {cc}");
}
