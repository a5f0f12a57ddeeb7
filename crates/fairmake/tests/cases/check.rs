//! Comparing a run's outcome with a case's expectations, and reporting every
//! mismatch as a readable diff.

use std::fmt::Write as _;
use std::path::Path;

use similar::TextDiff;

use crate::case::{Case, Expected, Match};
use crate::sandbox::Outcome;

/// What output says instead of the sandbox's path.
pub const TMP_MARK: &[u8] = b"$TMP";

/// Replaces every spelling of the sandbox path with `$TMP`.
pub fn normalize(out: &[u8], spellings: &[&Path]) -> Vec<u8> {
    let mut v = out.to_vec();
    for p in spellings {
        v = replace(&v, p.as_os_str().as_encoded_bytes(), TMP_MARK);
    }
    v
}

fn replace(hay: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    if from.is_empty() {
        return hay.to_vec();
    }
    let mut out = Vec::with_capacity(hay.len());
    let mut i = 0;
    while i < hay.len() {
        if hay[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(hay[i]);
            i += 1;
        }
    }
    out
}

/// Every mismatch between `out` (already normalized) and the case, as report
/// paragraphs; empty when the case passed.
pub fn compare(case: &Case, out: &Outcome, root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    if out.timed_out {
        problems.push(format!("timed out after {} s (killed)", case.timeout_secs));
    }
    let empty = Expected {
        text: Vec::new(),
        mode: Match::Exact,
    };
    for (what, exp, actual) in [
        (
            "stdout",
            case.stdout.as_ref().unwrap_or(&empty),
            &out.stdout,
        ),
        (
            "stderr",
            case.stderr.as_ref().unwrap_or(&empty),
            &out.stderr,
        ),
    ] {
        if !stream_matches(exp, actual) {
            problems.push(format!(
                "{what} differs ({:?} match):\n{}",
                exp.mode,
                diff(&exp.text, actual)
            ));
        }
    }
    let want = case.status.unwrap_or(0);
    if out.status != want {
        problems.push(format!("exit status: expected {want}, got {}", out.status));
    }
    check_files(case, root, &mut problems);
    problems
}

pub fn stream_matches(exp: &Expected, actual: &[u8]) -> bool {
    match exp.mode {
        Match::Exact => exp.text == actual,
        Match::Prefix => actual.starts_with(&exp.text),
        Match::Sorted => sorted_lines(&exp.text) == sorted_lines(actual),
    }
}

fn sorted_lines(b: &[u8]) -> Vec<&[u8]> {
    let mut v: Vec<&[u8]> = b.split_inclusive(|&c| c == b'\n').collect();
    v.sort();
    v
}

fn check_files(case: &Case, root: &Path, problems: &mut Vec<String>) {
    for (name, content) in &case.results {
        match (std::fs::read(root.join(name)), content) {
            (Err(e), _) => problems.push(format!("file {name}: expected to exist, but {e}")),
            (Ok(got), Some(want)) if &got != want => {
                problems.push(format!("file {name} differs:\n{}", diff(want, &got)));
            }
            _ => {}
        }
    }
    for name in &case.absent {
        if root.join(name).symlink_metadata().is_ok() {
            problems.push(format!("file {name}: expected NOT to exist, but it does"));
        }
    }
}

/// A unified diff, expected → actual.  When the difference is invisible in
/// plain text (whitespace, control bytes, final newline), both sides are shown
/// escaped instead.
pub fn diff(expected: &[u8], actual: &[u8]) -> String {
    let (e, a) = (
        String::from_utf8_lossy(expected),
        String::from_utf8_lossy(actual),
    );
    let visible = e.trim_end() != a.trim_end()
        && !e
            .lines()
            .zip(a.lines())
            .any(|(x, y)| x != y && x.trim_end() == y.trim_end());
    let (e, a) = if visible {
        (e.into_owned(), a.into_owned())
    } else {
        (escape_lines(expected), escape_lines(actual))
    };
    let mut s = String::new();
    if !visible {
        s.push_str("(whitespace or invisible bytes differ: lines shown escaped, `$` marks each line end)\n");
    }
    let d = TextDiff::from_lines(&e, &a);
    let _ = write!(
        s,
        "{}",
        d.unified_diff()
            .context_radius(3)
            .missing_newline_hint(true)
            .header("expected", "actual")
    );
    s
}

/// Each line made visible: tabs as `\t`, control and non-ASCII bytes as `\xHH`,
/// and a `$` where the line ended (absent on a last line without newline).
fn escape_lines(b: &[u8]) -> String {
    let mut s = String::new();
    for line in b.split_inclusive(|&c| c == b'\n') {
        for &c in line {
            match c {
                b'\n' => s.push_str("$\n"),
                b'\t' => s.push_str("\\t"),
                b'\\' => s.push_str("\\\\"),
                0x20..=0x7e => s.push(c as char),
                _ => {
                    let _ = write!(s, "\\x{c:02x}");
                }
            }
        }
    }
    if !b.ends_with(b"\n") && !b.is_empty() {
        s.push_str("   <- no newline at end\n");
    }
    s
}
