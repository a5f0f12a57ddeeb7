//! The `fairmake-jobserver` command: MAKEFLAGS it hands down, exit status,
//! fifo removal, healing, and GNU make running under it.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_fairmake-jobserver");

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("MAKEFLAGS")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn fifo_and_descriptors_by_default_and_removed_after() {
    // The default names one fifo twice: by path, and as descriptors the
    // command inherits (first and, abbreviated, last).
    let o = run(&[
        "-j8",
        "--",
        "sh",
        "-c",
        "echo \"$MAKEFLAGS\"; f=${MAKEFLAGS#*fifo:}; f=${f%% *}; test -p \"$f\" && \
         a=${MAKEFLAGS#*auth=}; r=${a%%,*}; test \"$(stat -L -c %i /proc/self/fd/$r)\" = \"$(stat -c %i $f)\"",
    ]);
    assert!(o.status.success(), "{o:?}");
    let flags = stdout(&o);
    let words: Vec<&str> = flags.split_whitespace().collect();
    assert_eq!(words.len(), 4, "{flags}");
    assert_eq!(words[0], "-j8");
    let fds = words[1].strip_prefix("--jobserver-auth=").unwrap();
    assert_eq!(words[3], format!("--jobserver-au={fds}"));
    let path = words[2]
        .strip_prefix("--jobserver-auth=fifo:")
        .unwrap_or_else(|| panic!("{flags}"));
    assert!(!Path::new(path).exists(), "fifo removed");
    assert!(!Path::new(path).parent().unwrap().exists(), "dir removed");
}

#[test]
fn pipe_style_on_request_fds_inherited() {
    // The descriptors named must be open pipes in the child.
    let o = run(&[
        "-j3",
        "--style=pipe",
        "sh",
        "-c",
        "a=${MAKEFLAGS#*auth=}; r=${a%,*}; w=${a#*,}; echo \"$MAKEFLAGS\"; test -p /proc/self/fd/$r && test -p /proc/self/fd/$w",
    ]);
    assert!(o.status.success(), "{o:?}");
    assert!(stdout(&o).starts_with("-j3 --jobserver-auth="));
    assert!(!stdout(&o).contains("fifo:"));
}

#[test]
fn warns_when_the_command_has_its_own_j() {
    for (argv, j) in [
        (&["make", "-j4", "all"][..], "-j4"),
        (&["ninja", "-j", "3"][..], "-j3"),
        (&["cargo", "build", "--jobs=2"][..], "-j2"),
        (&["make", "-j"][..], "-j"),
    ] {
        let mut args = vec!["-j8", "--", "true"];
        args.extend_from_slice(&argv[1..]);
        let o = run(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(&format!(
                "warning: {j} given to 'true': it runs its own jobs, not the jobserver's 8"
            )),
            "{argv:?}: {err}"
        );
    }
    // Words after `--`, and other options, are the command's own business.
    let o = run(&["-j8", "--", "true", "-k", "--", "-j4"]);
    assert!(o.stderr.is_empty(), "{o:?}");
}

#[test]
fn exit_status_is_the_commands() {
    assert_eq!(
        run(&["-j2", "--", "sh", "-c", "exit 7"]).status.code(),
        Some(7)
    );
    assert_eq!(
        run(&["-j2", "--", "sh", "-c", "kill -TERM $$"])
            .status
            .code(),
        Some(143)
    );
    assert_eq!(
        run(&["-j2", "--", "/nonexistent/cmd"]).status.code(),
        Some(127)
    );
    assert_eq!(run(&["--", "true"]).status.code(), Some(2));
    assert_eq!(run(&["-j0", "true"]).status.code(), Some(2));
    assert_eq!(
        run(&["-j2", "--style=bogus", "true"]).status.code(),
        Some(2)
    );
}

#[test]
fn heals_tokens_lost_by_the_command() {
    // The command takes two of three tokens and never gives them back.
    let o = run(&[
        "-j4",
        "--style=fifo",
        "--",
        "sh",
        "-c",
        "dd bs=1 count=2 of=/dev/null status=none < \"${MAKEFLAGS#*fifo:}\"",
    ]);
    assert!(o.status.success(), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("2 jobserver token(s) were not given back by clients that exited; restored"),
        "{err}"
    );
    // Nothing lost: nothing said.
    let o = run(&["-j4", "--", "true"]);
    assert!(o.stderr.is_empty(), "{o:?}");
}

#[test]
fn gnu_make_under_pipe_style_shares_the_slots() {
    if !Path::new("/usr/bin/make").exists() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("fmjs-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mf = dir.join("Makefile");
    // Each job records itself while running; at most 3 may overlap.
    std::fs::write(
        &mf,
        "all: a b c d e f\na b c d e f:\n\t@mkdir $(D)/run.$@ && ls -d $(D)/run.* | wc -l >> $(D)/counts; sleep 0.1; rmdir $(D)/run.$@\n",
    )
    .unwrap();
    let d = dir.to_str().unwrap();
    let o = run(&[
        "-j3",
        "--style=pipe",
        "--",
        "/usr/bin/make",
        "-s",
        "-f",
        mf.to_str().unwrap(),
        &format!("D={d}"),
    ]);
    assert!(o.status.success(), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !err.contains("warning") && !err.contains("INTERNAL"),
        "{err}"
    );
    let counts = std::fs::read_to_string(dir.join("counts")).unwrap();
    let max = counts
        .lines()
        .filter_map(|l| l.trim().parse::<u32>().ok())
        .max()
        .unwrap();
    assert!(max <= 3, "{max} jobs at once under -j3");
    assert!(max >= 2, "make did not use the jobserver");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn help_prints_usage_and_succeeds() {
    for flag in ["--help", "-h"] {
        let o = run(&[flag]);
        assert!(o.status.success(), "{flag}: {o:?}");
        let text = stdout(&o);
        assert!(text.starts_with("usage: fairmake-jobserver -jN"), "{text}");
        assert!(text.contains("--style=pipe"), "{text}");
    }
    // After the command, --help is the command's.
    let o = run(&["-j2", "--", "sh", "-c", "echo $0", "--help"]);
    assert_eq!(stdout(&o), "--help\n");
}
