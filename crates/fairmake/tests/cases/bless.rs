//! Rewriting a case's stdout/stderr/status sections from what the oracle (GNU
//! make) actually did.  Only allowed against an oracle: blessing fairmake's own
//! output would make its tests agree with its bugs.

use std::fmt::Write as _;

use crate::case::{Case, Match, RawSection, SECTION_MARK};
use crate::sandbox::Outcome;

/// Writes the case file back with the observed outputs.  Sections using
/// `prefix` or `sorted` matching are hand-written and kept as they are.
pub fn rewrite(case: &Case, out: &Outcome) -> std::io::Result<()> {
    let mut text = case.raw.header.clone();
    let is = |s: &RawSection, kinds: &[&str]| kinds.contains(&s.kind.as_str());
    let setup = ["file", "dir", "touch"];
    let streams = ["stdout", "stderr", "status"];
    for s in case.raw.sections.iter().filter(|s| is(s, &setup)) {
        push_raw(&mut text, s);
    }
    for (kind, got) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let keep = case
            .raw
            .sections
            .iter()
            .find(|s| s.kind == kind && hand_matched(case, kind));
        match keep {
            Some(s) => push_raw(&mut text, s),
            None if got.is_empty() => {}
            None => push_body(&mut text, kind, got),
        }
    }
    if out.status != 0 {
        let _ = writeln!(text, "{SECTION_MARK}status {}", out.status);
    }
    for s in case
        .raw
        .sections
        .iter()
        .filter(|s| !is(s, &setup) && !is(s, &streams))
    {
        push_raw(&mut text, s);
    }
    std::fs::write(&case.path, text)
}

fn hand_matched(case: &Case, kind: &str) -> bool {
    let exp = if kind == "stdout" {
        &case.stdout
    } else {
        &case.stderr
    };
    exp.as_ref().is_some_and(|e| e.mode != Match::Exact)
}

fn push_raw(text: &mut String, s: &RawSection) {
    let _ = writeln!(
        text,
        "{SECTION_MARK}{} {}",
        s.kind,
        s.args.join(" ").trim_end()
    );
    text.push_str(&String::from_utf8_lossy(&s.text));
}

/// Appends a section whose body is `body`, choosing `escaped`/`noeol` only when
/// the bytes need them.
fn push_body(text: &mut String, kind: &str, body: &[u8]) {
    let needs_escape = std::str::from_utf8(body).is_err()
        || body
            .iter()
            .any(|&b| b < 0x20 && b != b'\t' && b != b'\n' || b == 0x7f)
        || body
            .split(|&b| b == b'\n')
            .any(|l| l.starts_with(SECTION_MARK.as_bytes()));
    let noeol = !body.ends_with(b"\n");
    let mut flags = String::new();
    if needs_escape {
        flags.push_str(" escaped");
    }
    if noeol {
        flags.push_str(" noeol");
    }
    let _ = writeln!(text, "{SECTION_MARK}{kind}{flags}");
    if needs_escape {
        let mut esc = String::new();
        for &b in body {
            match b {
                b'\\' => esc.push_str("\\\\"),
                b'\n' | b'\t' | 0x20..=0x7e => esc.push(b as char),
                _ => {
                    let _ = write!(esc, "\\x{b:02x}");
                }
            }
        }
        // A body line that would read as a section line gets its `=` escaped.
        let esc = format!("\n{esc}").replace(&format!("\n{SECTION_MARK}"), "\n\\x3d== ");
        text.push_str(&esc[1..]);
    } else {
        text.push_str(std::str::from_utf8(body).expect("checked UTF-8"));
    }
    if noeol {
        text.push('\n');
    }
}
