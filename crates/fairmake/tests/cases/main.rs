//! Integration cases: every `tests/cases/**/*.case` file (and every directory
//! holding a `CASE` file) at the repository root becomes one named test that
//! runs `make` in a fresh sandbox and compares stdout, stderr, exit status and
//! resulting files.  The format is described in `tests/README.md`.
//!
//! Environment knobs:
//! - `FAIRMAKE_TEST_MAKE=/usr/bin/make` runs the cases against another make (the
//!   GNU oracle) instead of the built `fairmake`.  Then `pending` cases run too,
//!   and `gnu-differs` cases are skipped, as are `gnu-4.4-only` ones unless
//!   that make's `--version` says 4.4 (GNU make 4.4.1, or an old fairmake
//!   to show that a new case fails on it).
//!   A `gnu-racy` case gets up to three runs against an oracle (GNU races
//!   there itself), one against fairmake.
//! - `FAIRMAKE_TEST_BLESS=1` (only together with `FAIRMAKE_TEST_MAKE`) rewrites
//!   the stdout/stderr/status of failing cases from what the oracle did.

mod bless;
mod case;
mod check;
mod sandbox;
mod selfcheck;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Completion, Failed, Trial};

use case::Case;

/// Which make the cases run against.
#[derive(Clone)]
struct Target {
    make: PathBuf,
    /// True when `make` is an oracle (GNU make), not fairmake.
    oracle: bool,
    /// The oracle's `--version` says 4.4: `gnu-4.4-only` cases run.
    speaks_44: bool,
    bless: bool,
}

fn cases_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/cases");
    // Canonical, so that reports name `…/tests/cases/x.case` without `../..`.
    dir.canonicalize().unwrap_or(dir)
}

fn target() -> Target {
    let bless = std::env::var_os("FAIRMAKE_TEST_BLESS").is_some_and(|v| v == "1");
    match std::env::var_os("FAIRMAKE_TEST_MAKE") {
        Some(m) if !m.is_empty() => Target {
            speaks_44: version_is_44(Path::new(&m)),
            make: PathBuf::from(m),
            oracle: true,
            bless,
        },
        _ => {
            assert!(!bless, "FAIRMAKE_TEST_BLESS needs FAIRMAKE_TEST_MAKE (an oracle): never bless fairmake's own output");
            Target {
                make: PathBuf::from(env!("CARGO_BIN_EXE_fairmake")),
                oracle: false,
                speaks_44: true,
                bless,
            }
        }
    }
}

/// Whether `make --version`'s first line names 4.4 (`GNU Make 4.4.1`,
/// `GNU Make 4.4.1 compatible (fairmake …)`).
fn version_is_44(make: &Path) -> bool {
    std::process::Command::new(make)
        .arg("--version")
        .output()
        .map(|o| {
            let first = o.stdout.split(|&b| b == b'\n').next().unwrap_or_default();
            first.starts_with(b"GNU Make 4.4")
        })
        .unwrap_or(false)
}

/// Every case under `dir`, sorted by name; unreadable ones as errors so that
/// they fail loudly instead of vanishing.
fn discover(root: &Path, dir: &Path, out: &mut Vec<Result<Case, String>>) {
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) => return out.push(Err(format!("{}: {e}", dir.display()))),
    };
    entries.sort();
    for path in entries {
        let rel = path
            .strip_prefix(root)
            .expect("under root")
            .to_string_lossy()
            .into_owned();
        if path.is_dir() {
            let marker = path.join("CASE");
            if marker.is_file() {
                out.push(case::parse(rel, &marker, Some(path.clone())).map_err(|e| e.to_string()));
            } else {
                discover(root, &path, out);
            }
        } else if let Some(name) = rel.strip_suffix(".case") {
            out.push(case::parse(name.to_owned(), &path, None).map_err(|e| e.to_string()));
        }
    }
}

/// Runs one case and turns its mismatches into a failure report.
fn run_case(case: &Case, t: &Target) -> Result<(), Failed> {
    let (_guard, root) = sandbox::sandbox().map_err(|e| format!("sandbox: {e}"))?;
    sandbox::populate(case, &root).map_err(|e| format!("creating files: {e}"))?;
    let mut out = sandbox::run(case, &t.make, &root).map_err(|e| format!("running make: {e}"))?;
    let spellings = [root.as_path(), _guard.path()];
    out.stdout = check::normalize(&out.stdout, &spellings);
    out.stderr = check::normalize(&out.stderr, &spellings);
    let problems = check::compare(case, &out, &root);
    if problems.is_empty() {
        return Ok(());
    }
    if t.bless {
        bless::rewrite(case, &out).map_err(|e| format!("blessing: {e}"))?;
    }
    let mut report = format!(
        "case {}\n  file: {}\n  command: {}\n",
        case.name,
        case.path.display(),
        command_line(&case.args)
    );
    if t.oracle {
        report.push_str(&format!(
            "  make under test: {} (oracle)\n",
            t.make.display()
        ));
    }
    for p in problems {
        report.push_str("\n--- ");
        report.push_str(&p);
        report.push('\n');
    }
    Err(report.into())
}

/// `make ARGS` as one could paste it into a shell.
fn command_line(args: &[String]) -> String {
    let mut s = String::from("make");
    for a in args {
        let plain = !a.is_empty()
            && a.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_=./:,+%@".contains(&b));
        if plain {
            s = format!("{s} {a}");
        } else {
            s = format!("{s} '{}'", a.replace('\'', "'\\''"));
        }
    }
    s
}

fn trial(case: Case, t: &Target) -> Trial {
    let t = t.clone();
    let name = case.name.clone();
    let pending = case.options.pending && !t.oracle;
    let skip = t.oracle && (case.options.gnu_differs || (case.options.gnu_44_only && !t.speaks_44));
    Trial::ignorable_test(name, move || {
        if skip {
            return Ok(Completion::ignored_with("not comparable with this make"));
        }
        // The oracle's own races are not fairmake's to fail on; fairmake
        // never gets a second run.
        let runs = if t.oracle && case.options.gnu_racy {
            3
        } else {
            1
        };
        let mut outcome = run_case(&case, &t);
        for _ in 1..runs {
            if outcome.is_ok() {
                break;
            }
            outcome = run_case(&case, &t);
        }
        outcome.map(|()| Completion::Completed)
    })
    // Pending cases are ignored, never passed; `-- --include-ignored` runs them.
    .with_ignored_flag(pending)
}

/// One line per directory: how many cases there are still pending.
fn pending_summary(cases: &[Case]) -> String {
    let mut by_dir: BTreeMap<&str, usize> = BTreeMap::new();
    for c in cases.iter().filter(|c| c.options.pending) {
        *by_dir
            .entry(c.name.split('/').next().unwrap_or(""))
            .or_default() += 1;
    }
    let total: usize = by_dir.values().sum();
    let parts: Vec<String> = by_dir.iter().map(|(d, n)| format!("{d}: {n}")).collect();
    format!(
        "pending cases (reported as ignored): {total} [{}]; run them with `-- --include-ignored`",
        parts.join(", ")
    )
}

fn main() {
    let args = Arguments::from_args();
    let t = target();
    let root = cases_dir();
    let mut found = Vec::new();
    discover(&root, &root, &mut found);
    let mut trials = selfcheck::trials();
    let mut cases = Vec::new();
    for (i, c) in found.into_iter().enumerate() {
        match c {
            Ok(c) => {
                trials.push(trial(c.clone(), &t));
                cases.push(c);
            }
            Err(e) => trials.push(Trial::test(format!("unreadable-case-{i}"), move || {
                Err(e.into())
            })),
        }
    }
    // Printed first, so that the standard `test result:` line stays the last.
    if !t.oracle && !args.list {
        println!("{}", pending_summary(&cases));
    }
    let conclusion = libtest_mimic::run(&args, trials);
    sandbox::remove_bin_dir();
    conclusion.exit();
}
