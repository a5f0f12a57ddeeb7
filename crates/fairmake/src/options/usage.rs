//! The `--help` and `--version` texts.
//!
//! `--help` reproduces GNU make 4.4.1's option list line for line (scripts
//! and users grep it), then lists fairmake's own options under a heading
//! of their own, and ends with a bug-report line that names fairmake's
//! tracker: fairmake's bugs are not GNU's to receive.

/// GNU make 4.4.1's option summary, between the "Usage:" line and the
/// trailing build/bug-report lines.
const OPTION_LINES: &str = "\
Options:
  -b, -m                      Ignored for compatibility.
  -B, --always-make           Unconditionally make all targets.
  -C DIRECTORY, --directory=DIRECTORY
                              Change to DIRECTORY before doing anything.
  -d                          Print lots of debugging information.
  --debug[=FLAGS]             Print various types of debugging information.
  -e, --environment-overrides
                              Environment variables override makefiles.
  -E STRING, --eval=STRING    Evaluate STRING as a makefile statement.
  -f FILE, --file=FILE, --makefile=FILE
                              Read FILE as a makefile.
  -h, --help                  Print this message and exit.
  -i, --ignore-errors         Ignore errors from recipes.
  -I DIRECTORY, --include-dir=DIRECTORY
                              Search DIRECTORY for included makefiles.
  -j [N], --jobs[=N]          Allow N jobs at once; infinite jobs with no arg.
  --jobserver-style=STYLE     Select the style of jobserver to use.
  -k, --keep-going            Keep going when some targets can't be made.
  -l [N], --load-average[=N], --max-load[=N]
                              Don't start multiple jobs unless load is below N.
  -L, --check-symlink-times   Use the latest mtime between symlinks and target.
  -n, --just-print, --dry-run, --recon
                              Don't actually run any recipe; just print them.
  -o FILE, --old-file=FILE, --assume-old=FILE
                              Consider FILE to be very old and don't remake it.
  -O[TYPE], --output-sync[=TYPE]
                              Synchronize output of parallel jobs by TYPE.
  -p, --print-data-base       Print make's internal database.
  -q, --question              Run no recipe; exit status says if up to date.
  -r, --no-builtin-rules      Disable the built-in implicit rules.
  -R, --no-builtin-variables  Disable the built-in variable settings.
  --shuffle[={SEED|random|reverse|none}]
                              Perform shuffle of prerequisites and goals.
  -s, --silent, --quiet       Don't echo recipes.
  --no-silent                 Echo recipes (disable --silent mode).
  -S, --no-keep-going, --stop
                              Turns off -k.
  -t, --touch                 Touch targets instead of remaking them.
  --trace                     Print tracing information.
  -v, --version               Print the version number of make and exit.
  -w, --print-directory       Print the current directory.
  --no-print-directory        Turn off -w, even if it was turned on implicitly.
  -W FILE, --what-if=FILE, --new-file=FILE, --assume-new=FILE
                              Consider FILE to be infinitely new.
  --warn-undefined-variables  Warn when an undefined variable is referenced.
";

/// fairmake's own options, which GNU make does not have (see
/// `table::EXTENSIONS`); never passed to sub-makes.
const EXTENSION_LINES: &str = "\
fairmake's own options (not in GNU make; not passed to sub-makes):
  --memory-reserve=SIZE       Keep SIZE of memory free (auto, 512M, 5%, off).
  --progress                  Show the whole build's progress on stderr.
  --stats                     Print a summary of the build on stderr at the end.
  --trace-json=FILE           Write a Chrome/Perfetto trace of the build to FILE.
";

/// Where fairmake's bugs go: the issues of the repository Cargo names.
fn bug_tracker() -> String {
    format!(
        "{}/issues",
        env!("CARGO_PKG_REPOSITORY").trim_end_matches('/')
    )
}

/// The host triple GNU prints after "This program built for".
fn host_triple() -> String {
    let arch = std::env::consts::ARCH;
    match std::env::consts::OS {
        "linux" => format!("{arch}-pc-linux-gnu"),
        "macos" => format!("{arch}-apple-darwin"),
        os => format!("{arch}-unknown-{os}"),
    }
}

/// The `--help` text (also printed after usage errors, to stderr).
pub fn usage_text(prog: &str) -> String {
    format!(
        "Usage: {prog} [options] [target] ...\n{OPTION_LINES}\n{EXTENSION_LINES}\n\
         This program built for {}\n\
         Report bugs to <{}>\n",
        host_triple(),
        bug_tracker()
    )
}

/// `-v` that a makefile turned on (`MAKEFLAGS += v`): make goes on, and
/// says its version as it ends, before `Leaving directory` (GNU 4.4.1
/// and 4.3).
static VERSION_OWED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// A makefile's MAKEFLAGS asked for the version: see [`say_owed_version`].
pub fn owe_version() {
    VERSION_OWED.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// As make ends: the version, if a makefile asked for it. It is no
/// message: it makes no `Entering directory` due.
pub fn say_owed_version() {
    if VERSION_OWED.swap(false, std::sync::atomic::Ordering::Relaxed) {
        for line in version_text().lines() {
            crate::diag::out_line(format_args!("{line}"));
        }
    }
}

/// The `--version` text. The first line keeps "GNU Make 4.4.1" so scripts
/// that parse it see the behaviour fairmake implements; the rest is honest
/// about what this program is.
pub fn version_text() -> String {
    format!(
        "GNU Make {} compatible (fairmake {})\n\
         Built for {}\n\
         fairmake is an independent reimplementation of GNU make in Rust;\n\
         it is not GNU make and contains no GNU make code.\n\
         License: MIT OR Apache-2.0, at your option.\n\
         This is free software: you are free to change and redistribute it.\n\
         There is NO WARRANTY, to the extent permitted by law.\n",
        crate::diag::EMULATED_VERSION,
        env!("CARGO_PKG_VERSION"),
        host_triple()
    )
}
