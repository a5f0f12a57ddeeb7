//! The case format: parsing `*.case` files (and directory cases) into a [`Case`].
//!
//! A case file is a header of `key: value` lines and `#` comments, followed by
//! sections that each start with a line `=== KIND [ARGS…]`.  Everything up to
//! the next `=== ` line is the section's body, byte for byte: tabs, trailing
//! blanks and blank lines included.  `tests/README.md` is the user-facing
//! description; this module is the one implementation of it.

use std::fmt;
use std::path::{Path, PathBuf};

/// Seconds since the epoch that `mtime=0` stands for.  Fixed and in the past, so
/// that files made by recipes during the run are always newer than every input
/// file, and so that make never sees a clock skew.
pub const MTIME_BASE: i64 = 1_000_000_000;

/// The text that begins every section line.
pub const SECTION_MARK: &str = "=== ";

/// One test case, as read from disk.
#[derive(Debug, Clone)]
pub struct Case {
    /// The test's name: its path under `tests/cases`, without `.case`.
    pub name: String,
    /// The file it was read from (the `CASE` file for directory cases).
    pub path: PathBuf,
    /// For directory cases: the directory whose other files are copied in.
    pub dir: Option<PathBuf>,
    /// The command line after `make`, already split into words.
    pub args: Vec<String>,
    /// Extra environment variables, in order.
    pub env: Vec<(String, String)>,
    /// Directory (relative to the sandbox) to run make in.
    pub cwd: Option<String>,
    /// Seconds before the run is killed and the case fails.
    pub timeout_secs: u64,
    /// What make's standard output is.
    pub stdout_kind: StdoutKind,
    pub options: Options,
    /// Files and directories to create before the run, in order.
    pub setup: Vec<Setup>,
    pub stdout: Option<Expected>,
    pub stderr: Option<Expected>,
    /// Expected exit status; `None` means the case did not say, which means 0.
    pub status: Option<i32>,
    /// Files that must exist (with content, or `None` for any content).
    pub results: Vec<(String, Option<Vec<u8>>)>,
    /// Files that must not exist after the run.
    pub absent: Vec<String>,
    /// The raw sections, kept so that blessing can rewrite the file faithfully.
    pub raw: RawCase,
}

/// What make's standard output is (the `stdout:` header line): a pipe the
/// harness reads (the default), or one of the broken outputs a user's
/// make can be given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StdoutKind {
    #[default]
    Pipe,
    /// Descriptor 1 is not open (`make >&-`).
    Closed,
    /// A pipe whose reader is gone (`make | true`, once `true` exited):
    /// a write raises SIGPIPE.
    BrokenPipe,
    /// `/dev/full`: every write fails with ENOSPC.
    Full,
}

/// Markers from the `options:` header line.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Not yet expected to pass with fairmake: reported as ignored.
    pub pending: bool,
    /// Behaviour that GNU make 4.3 lacks; the GNU cross-check skips it.
    pub gnu_44_only: bool,
    /// fairmake deliberately differs from GNU here; the cross-check skips it.
    pub gnu_differs: bool,
    /// GNU itself races here (a signal against its own reaping): against an
    /// oracle the case gets three runs and one match is enough; fairmake
    /// gets one run and must match.
    pub gnu_racy: bool,
}

/// Something to create in the sandbox before running make.
#[derive(Debug, Clone)]
pub enum Setup {
    File {
        name: String,
        content: Vec<u8>,
        mtime: i64,
        mode: Option<u32>,
    },
    Dir {
        name: String,
        mtime: i64,
    },
    /// Sets the mtime of a file copied from a directory case.
    Touch {
        name: String,
        mtime: i64,
    },
}

/// How an actual output is compared with the expected text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// Byte for byte.
    Exact,
    /// The actual output starts with the expected text.
    Prefix,
    /// Same lines in any order (for `-j` output whose order is not fixed).
    Sorted,
}

/// An expected stream.
#[derive(Debug, Clone)]
pub struct Expected {
    pub text: Vec<u8>,
    pub mode: Match,
}

/// The file split into its header and sections, for rewriting.
#[derive(Debug, Clone, Default)]
pub struct RawCase {
    pub header: String,
    pub sections: Vec<RawSection>,
}

/// One section exactly as written: its `=== ` line and its body lines.
#[derive(Debug, Clone)]
pub struct RawSection {
    pub kind: String,
    pub args: Vec<String>,
    pub line: usize,
    pub text: Vec<u8>,
}

/// A parse error with the line it is about.
#[derive(Debug)]
pub struct ParseError {
    pub path: PathBuf,
    pub line: usize,
    pub msg: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path.display(), self.line, self.msg)
    }
}

type Res<T> = Result<T, String>;

/// Reads one case file.  `dir` is set for directory cases.
pub fn parse(name: String, path: &Path, dir: Option<PathBuf>) -> Result<Case, ParseError> {
    let bytes = std::fs::read(path).map_err(|e| ParseError {
        path: path.to_owned(),
        line: 0,
        msg: e.to_string(),
    })?;
    let raw = split_sections(&bytes).map_err(|(line, msg)| ParseError {
        path: path.to_owned(),
        line,
        msg,
    })?;
    let mut case = Case {
        name,
        path: path.to_owned(),
        dir,
        args: Vec::new(),
        env: Vec::new(),
        cwd: None,
        timeout_secs: 10,
        stdout_kind: StdoutKind::Pipe,
        options: Options::default(),
        setup: Vec::new(),
        stdout: None,
        stderr: None,
        status: None,
        results: Vec::new(),
        absent: Vec::new(),
        raw: RawCase::default(),
    };
    let err = |line, msg| ParseError {
        path: path.to_owned(),
        line,
        msg,
    };
    parse_header(&mut case, &raw.header).map_err(|(l, m)| err(l, m))?;
    for sec in &raw.sections {
        apply_section(&mut case, sec).map_err(|m| err(sec.line, m))?;
    }
    case.raw = raw;
    Ok(case)
}

/// Splits the file into the header text and the raw sections.
fn split_sections(bytes: &[u8]) -> Result<RawCase, (usize, String)> {
    let mut raw = RawCase::default();
    let mut header = Vec::new();
    for (i, line) in lines(bytes).enumerate() {
        if let Some(rest) = line.strip_prefix(SECTION_MARK.as_bytes()) {
            let rest = std::str::from_utf8(rest)
                .map_err(|_| (i + 1, "section line is not UTF-8".to_owned()))?;
            let mut words = rest.split_whitespace().map(str::to_owned);
            let kind = words
                .next()
                .ok_or((i + 1, "empty section line".to_owned()))?;
            raw.sections.push(RawSection {
                kind,
                args: words.collect(),
                line: i + 1,
                text: Vec::new(),
            });
        } else if let Some(sec) = raw.sections.last_mut() {
            sec.text.extend_from_slice(line);
            sec.text.push(b'\n');
        } else {
            header.extend_from_slice(line);
            header.push(b'\n');
        }
    }
    raw.header = String::from_utf8(header).map_err(|_| (1, "header is not UTF-8".to_owned()))?;
    Ok(raw)
}

/// The file's lines without their `\n`; a missing final newline is not special
/// (that is what the `noeol` flag is for).
fn lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let empty = bytes.is_empty();
    body.split(|&b| b == b'\n').filter(move |_| !empty)
}

fn parse_header(case: &mut Case, header: &str) -> Result<(), (usize, String)> {
    for (i, line) in header.lines().enumerate() {
        let n = i + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let (key, value) = line
            .split_once(':')
            .ok_or((n, format!("expected `key: value`, got {line:?}")))?;
        let value = value.strip_prefix(' ').unwrap_or(value);
        header_field(case, key.trim(), value).map_err(|m| (n, m))?;
    }
    Ok(())
}

fn header_field(case: &mut Case, key: &str, value: &str) -> Res<()> {
    match key {
        "args" => case.args = split_words(value)?,
        "env" => {
            let (k, v) = value.split_once('=').ok_or("env needs NAME=VALUE")?;
            case.env.push((k.to_owned(), v.to_owned()));
        }
        "cwd" => case.cwd = Some(value.trim().to_owned()),
        "timeout" => case.timeout_secs = value.trim().parse().map_err(|_| "bad timeout")?,
        "stdout" => {
            case.stdout_kind = match value.trim() {
                "pipe" => StdoutKind::Pipe,
                "closed" => StdoutKind::Closed,
                "broken-pipe" => StdoutKind::BrokenPipe,
                "full" => StdoutKind::Full,
                other => return Err(format!("unknown stdout kind {other:?}")),
            }
        }
        "options" => {
            for opt in value.split(|c: char| c == '|' || c == ',' || c.is_whitespace()) {
                match opt {
                    "" => {}
                    "pending" => case.options.pending = true,
                    "gnu-4.4-only" => case.options.gnu_44_only = true,
                    "gnu-differs" => case.options.gnu_differs = true,
                    "gnu-racy" => case.options.gnu_racy = true,
                    other => return Err(format!("unknown option {other:?}")),
                }
            }
        }
        other => return Err(format!("unknown header field {other:?}")),
    }
    Ok(())
}

/// Flags that may follow a section's name, with their values.
#[derive(Default)]
struct Flags {
    noeol: bool,
    escaped: bool,
    mtime: i64,
    mode: Option<u32>,
    matching: Option<Match>,
}

fn parse_flags(args: &[String]) -> Res<Flags> {
    let mut f = Flags::default();
    for a in args {
        match a.as_str() {
            "noeol" => f.noeol = true,
            "escaped" => f.escaped = true,
            "prefix" => f.matching = Some(Match::Prefix),
            "sorted" => f.matching = Some(Match::Sorted),
            _ => {
                if let Some(v) = a.strip_prefix("mtime=") {
                    f.mtime = v.parse().map_err(|_| format!("bad mtime {v:?}"))?;
                } else if let Some(v) = a.strip_prefix("mode=") {
                    f.mode =
                        Some(u32::from_str_radix(v, 8).map_err(|_| format!("bad mode {v:?}"))?);
                } else {
                    return Err(format!("unknown flag {a:?}"));
                }
            }
        }
    }
    Ok(f)
}

/// The body as the bytes it stands for, after `escaped` and `noeol`.
fn body(text: &[u8], flags: &Flags) -> Res<Vec<u8>> {
    let mut out = if flags.escaped {
        unescape(text)?
    } else {
        text.to_vec()
    };
    if flags.noeol && out.pop() != Some(b'\n') {
        return Err("noeol on an empty section".into());
    }
    Ok(out)
}

/// Splits `NAME [flags…]` section arguments.
fn name_and_flags(sec: &RawSection) -> Res<(String, Flags)> {
    let (name, rest) = sec
        .args
        .split_first()
        .ok_or_else(|| format!("`{}` needs a file name", sec.kind))?;
    if name.starts_with('/') || name.split('/').any(|c| c == "..") {
        return Err(format!("{name:?} must stay inside the sandbox"));
    }
    Ok((name.clone(), parse_flags(rest)?))
}

fn no_body(sec: &RawSection) -> Res<()> {
    if sec.text.iter().all(|b| b.is_ascii_whitespace()) {
        Ok(())
    } else {
        Err(format!("`{}` takes no body", sec.kind))
    }
}

fn apply_section(case: &mut Case, sec: &RawSection) -> Res<()> {
    match sec.kind.as_str() {
        "file" => {
            let (name, f) = name_and_flags(sec)?;
            let content = body(&sec.text, &f)?;
            case.setup.push(Setup::File {
                name,
                content,
                mtime: f.mtime,
                mode: f.mode,
            });
        }
        "dir" => {
            let (name, f) = name_and_flags(sec)?;
            no_body(sec)?;
            case.setup.push(Setup::Dir {
                name,
                mtime: f.mtime,
            });
        }
        "touch" => {
            let (name, f) = name_and_flags(sec)?;
            no_body(sec)?;
            case.setup.push(Setup::Touch {
                name,
                mtime: f.mtime,
            });
        }
        "stdout" | "stderr" => {
            let f = parse_flags(&sec.args)?;
            let exp = Expected {
                text: body(&sec.text, &f)?,
                mode: f.matching.unwrap_or(Match::Exact),
            };
            let slot = if sec.kind == "stdout" {
                &mut case.stdout
            } else {
                &mut case.stderr
            };
            if slot.replace(exp).is_some() {
                return Err(format!("second `{}` section", sec.kind));
            }
        }
        "status" => {
            let [n] = sec.args.as_slice() else {
                return Err("usage: === status N".into());
            };
            no_body(sec)?;
            case.status = Some(n.parse().map_err(|_| format!("bad status {n:?}"))?);
        }
        "result" => {
            let (name, f) = name_and_flags(sec)?;
            case.results.push((name, Some(body(&sec.text, &f)?)));
        }
        "exists" | "absent" => {
            no_body(sec)?;
            if sec.args.is_empty() {
                return Err(format!("`{}` needs file names", sec.kind));
            }
            for name in &sec.args {
                if sec.kind == "exists" {
                    case.results.push((name.clone(), None));
                } else {
                    case.absent.push(name.clone());
                }
            }
        }
        other => return Err(format!("unknown section `{other}`")),
    }
    Ok(())
}

/// Decodes `\\ \t \n \r \s \xHH` in an `escaped` body; any other backslash is an
/// error, so that a typo cannot silently become part of the expectation.
pub fn unescape(text: &[u8]) -> Res<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    let mut it = text.iter().copied();
    while let Some(b) = it.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match it.next() {
            Some(b'\\') => out.push(b'\\'),
            Some(b't') => out.push(b'\t'),
            Some(b'n') => out.push(b'\n'),
            Some(b'r') => out.push(b'\r'),
            Some(b's') => out.push(b' '),
            Some(b'x') => {
                let hex = [it.next().unwrap_or(b'?'), it.next().unwrap_or(b'?')];
                let s = std::str::from_utf8(&hex).map_err(|_| "bad \\x escape")?;
                out.push(u8::from_str_radix(s, 16).map_err(|_| format!("bad \\x escape {s:?}"))?);
            }
            other => {
                return Err(format!(
                    "unknown escape \\{}",
                    other.map(|b| b as char).unwrap_or(' ')
                ))
            }
        }
    }
    Ok(out)
}

/// Splits a command line the way a POSIX shell would for the simple cases that
/// matter here: blanks separate words; '…' is literal; "…" and \ escape.
pub fn split_words(s: &str) -> Res<Vec<String>> {
    let mut words = Vec::new();
    let mut cur: Option<String> = None;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => words.extend(cur.take()),
            '\'' => {
                let w = cur.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => w.push(c),
                        None => return Err("unterminated '".into()),
                    }
                }
            }
            '"' => {
                let w = cur.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => w.push(chars.next().ok_or("trailing \\")?),
                        Some(c) => w.push(c),
                        None => return Err("unterminated \"".into()),
                    }
                }
            }
            '\\' => cur
                .get_or_insert_with(String::new)
                .push(chars.next().ok_or("trailing \\")?),
            c => cur.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(cur);
    Ok(words)
}
