//! Checks of the harness itself (named `harness/…`): the parser keeps bytes
//! exactly, and the comparison really fails on a mismatch — a harness that
//! cannot fail would make every case meaningless.

use libtest_mimic::{Failed, Trial};

use crate::case::{self, Match};
use crate::check;
use crate::sandbox::Outcome;

fn ensure(ok: bool, what: &str) -> Result<(), Failed> {
    if ok {
        Ok(())
    } else {
        Err(what.into())
    }
}

fn parse_text(text: &str) -> Result<case::Case, Failed> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("x.case");
    std::fs::write(&path, text).map_err(|e| e.to_string())?;
    case::parse("x".into(), &path, None).map_err(|e| e.to_string().into())
}

fn parses_bytes_exactly() -> Result<(), Failed> {
    let c = parse_text(
        "# c\nargs: -f 'a b' X=\"1 2\"\noptions: pending | gnu-4.4-only\n=== file Makefile mtime=-5\nall:\n\techo hi  \n\n=== file raw noeol escaped\na\\tb\\x01\\\\\n=== stdout\nhi\n=== status 2\n=== absent x y\n",
    )?;
    ensure(c.args == ["-f", "a b", "X=1 2"], "args split")?;
    ensure(
        c.options.pending && c.options.gnu_44_only && !c.options.gnu_differs,
        "options",
    )?;
    let case::Setup::File { content, mtime, .. } = &c.setup[0] else {
        return Err("setup 0".into());
    };
    ensure(
        content == b"all:\n\techo hi  \n\n" && *mtime == -5,
        "tabs, trailing blanks, blank lines kept",
    )?;
    let case::Setup::File { content, .. } = &c.setup[1] else {
        return Err("setup 1".into());
    };
    ensure(content == b"a\tb\x01\\", "escaped + noeol")?;
    ensure(
        c.stdout.as_ref().map(|e| e.text.as_slice()) == Some(b"hi\n"),
        "stdout",
    )?;
    ensure(
        c.status == Some(2) && c.absent == ["x", "y"],
        "status, absent",
    )
}

fn rejects_typos() -> Result<(), Failed> {
    for bad in [
        "=== stdot\n",
        "optoins: pending\n",
        "options: pendng\n",
        "=== file x escaped\n\\q\n",
        "=== status\n",
    ] {
        ensure(parse_text(bad).is_err(), bad)?;
    }
    Ok(())
}

fn mismatch_fails() -> Result<(), Failed> {
    let c = parse_text("=== stdout\nhi\n=== status 2\n")?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let out = |so: &[u8], st| Outcome {
        stdout: so.to_vec(),
        stderr: Vec::new(),
        status: st,
        timed_out: false,
    };
    ensure(
        check::compare(&c, &out(b"hi\n", 2), dir.path()).is_empty(),
        "exact match passes",
    )?;
    ensure(
        !check::compare(&c, &out(b"hi \n", 2), dir.path()).is_empty(),
        "trailing blank is a mismatch",
    )?;
    ensure(
        !check::compare(&c, &out(b"hi", 2), dir.path()).is_empty(),
        "missing newline is a mismatch",
    )?;
    ensure(
        !check::compare(&c, &out(b"hi\n", 0), dir.path()).is_empty(),
        "status is checked",
    )?;
    let silent = parse_text("=== file a\n")?;
    ensure(
        !check::compare(&silent, &out(b"x\n", 0), dir.path()).is_empty(),
        "omitted stdout means empty",
    )?;
    let files = parse_text("=== result f\nyes\n=== absent g\n")?;
    ensure(
        !check::compare(&files, &out(b"", 0), dir.path()).is_empty(),
        "missing result file fails",
    )?;
    std::fs::write(dir.path().join("f"), "yes\n").map_err(|e| e.to_string())?;
    ensure(
        check::compare(&files, &out(b"", 0), dir.path()).is_empty(),
        "present result file passes",
    )?;
    std::fs::write(dir.path().join("g"), "").map_err(|e| e.to_string())?;
    ensure(
        !check::compare(&files, &out(b"", 0), dir.path()).is_empty(),
        "file that must be absent fails",
    )
}

fn match_modes() -> Result<(), Failed> {
    let e = |text: &[u8], mode| case::Expected {
        text: text.to_vec(),
        mode,
    };
    ensure(
        check::stream_matches(&e(b"a\n", Match::Prefix), b"a\nb\n"),
        "prefix",
    )?;
    ensure(
        !check::stream_matches(&e(b"b\n", Match::Prefix), b"a\nb\n"),
        "prefix mismatch",
    )?;
    ensure(
        check::stream_matches(&e(b"b\na\n", Match::Sorted), b"a\nb\n"),
        "sorted",
    )?;
    ensure(
        !check::stream_matches(&e(b"a\na\n", Match::Sorted), b"a\nb\n"),
        "sorted mismatch",
    )?;
    let n = check::normalize(b"x /tmp/q/y", &[std::path::Path::new("/tmp/q")]);
    ensure(n == b"x $TMP/y", "normalize")
}

pub fn trials() -> Vec<Trial> {
    vec![
        Trial::test("harness/parses-bytes-exactly", parses_bytes_exactly),
        Trial::test("harness/rejects-typos", rejects_typos),
        Trial::test("harness/mismatch-fails", mismatch_fails),
        Trial::test("harness/match-modes", match_modes),
    ]
}
