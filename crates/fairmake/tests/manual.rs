//! The manual page (`docs/fairmake.1`) describes every option `--help`
//! lists, fairmake's own ones included, and the helper programs. (CI also
//! renders it with `man --warnings -l`; see `.ci/run`.)

use std::process::Command;

fn manual() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/fairmake.1");
    std::fs::read_to_string(path)
        .expect("docs/fairmake.1")
        // roff escapes every hyphen a reader may type.
        .replace("\\-", "-")
}

/// The long options named in a help text.
fn long_options(help: &str) -> Vec<String> {
    let mut names: Vec<String> = help
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter_map(|w| w.strip_prefix("--"))
        .map(|w| w.split(['=', '[']).next().unwrap_or_default().to_string())
        .filter(|w| !w.is_empty())
        .collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn the_manual_names_every_option_of_help() {
    let out = Command::new(env!("CARGO_BIN_EXE_fairmake"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    let man = manual();
    let options = long_options(&help);
    assert!(options.len() > 40, "{options:?}");
    for name in options {
        assert!(
            man.contains(&format!("--{name}")),
            "--{name} is not in docs/fairmake.1"
        );
    }
    for section in [
        ".SH ENVIRONMENT",
        ".SH EXIT STATUS",
        ".SH DIFFERENCES FROM GNU MAKE",
    ] {
        assert!(man.contains(section), "{section}");
    }
}

#[test]
fn the_manual_names_the_helper_programs_options() {
    let man = manual();
    for name in [
        ".B fairmake-report",
        ".B fairmake-jobserver",
        "--style=pipe",
        ".SH COMPANION PROGRAMS",
    ] {
        assert!(man.contains(name), "{name}");
    }
}
