//! MAKEFLAGS in both directions: decoding the value a make inherits, and
//! writing the value (and MFLAGS) its sub-makes see, in GNU make's format.
//!
//! Format (GNU 4.x, confirmed with GNU make 4.3): the first word groups the
//! set single-letter switches in table order (`BdeikLnpqrRstw`), or is empty
//! so the value starts with a space; then `-I`, `-j`, `-l`, `-O` words, then
//! long options (`--debug=`, jobserver, `--trace`, `--no-print-directory`,
//! `--warn-undefined-variables`, `--shuffle=`), then `--eval=` words, then
//! ` -- ` and the command-line variables, newest first. Blanks, backslashes
//! and `$` in written values are escaped (`\ `, `\\`, `$$`).
//!
//! 4.3 vs 4.4.1: 4.3 shows only the argument-less switches (and `--eval`)
//! while makefiles are parsed, adding `-I/-j/-l/-O/--debug`, the jobserver
//! and `-- VARS` only for recipes; 4.4 makes all of them visible at parse
//! time too, which is why command-line variables such as `a=s` now appear in
//! MAKEFLAGS inside makefiles. The format itself is shared, so one writer
//! serves both moments: pass the jobserver words once the jobserver exists.
//! 4.4's default jobserver is `--jobserver-auth=fifo:PATH` (4.3:
//! `--jobserver-auth=R,W`); that text is the caller's.

use super::getopt::{self, Item};
use super::table::{self, OptId};
use super::{apply, finish, push_operand, OptionError, Options, OutputSync, Problem};

/// How a command-line variable is written back: GNU writes the variable's
/// current flavor, so `X+=1` comes back as `X=1` and `Y::=2` as `Y:=2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarFlavor {
    /// Written `NAME=VALUE` (recursive, including `+=`, `?=`, `!=`, `:::=`).
    Recursive,
    /// Written `NAME:=VALUE`.
    Simple,
}

/// One command-line variable as it stands when MAKEFLAGS is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CmdlineVar<'a> {
    pub name: &'a [u8],
    pub flavor: VarFlavor,
    /// The unexpanded value.
    pub value: &'a [u8],
}

/// Decodes a MAKEFLAGS value a makefile gave (or GNUMAKEFLAGS as the
/// makefiles left it) into `opts`.
///
/// `makeflags` must already be expanded as a make variable reference (GNU
/// decodes `$(MAKEFLAGS)`, so `$$` arrives as `$`). As in GNU: a first word
/// without a leading `-` is a group of letters; unknown, ambiguous or
/// incomplete options are ignored silently; `-C`, `-f`, `-o`, `-W`, `-h` and
/// fairmake's own options are ignored; words other than assignments are
/// ignored; assignments (before or after `--`) become `opts.variables`.
///
/// `Ok` carries non-fatal messages GNU prints (as `PROG: message`) and then
/// carries on, such as a bad `-j` count. `Err` is fatal (`-Ox`, `--debug=x`).
pub fn parse_makeflags(opts: &mut Options, makeflags: &[u8]) -> Result<Vec<String>, OptionError> {
    decode(opts, makeflags, false)
}

/// Decodes the MAKEFLAGS (or GNUMAKEFLAGS) make inherits from its
/// environment into `opts`, as [`parse_makeflags`] does a makefile's, but
/// as a command line (GNU 4.4.1; 4.3 was as lenient as with a makefile's):
/// every switch counts (`-f`, `-C` and `-h` too), a word that is no switch nor assignment is a goal, put
/// before the command line's (`MAKEFLAGS='k i'` makes `i`), and every bad
/// option or argument is reported, then the usage text, and make stops
/// (`-j ` with its empty last word, `-Z`, a lone `4` read as `-4`).
/// getopt's own messages then have no program name (`: invalid option --
/// 'Z'`): GNU hands getopt an empty `argv[0]` for this value.
pub fn parse_environment_makeflags(
    opts: &mut Options,
    makeflags: &[u8],
) -> Result<(), OptionError> {
    decode(opts, makeflags, true).map(|_| ())
}

/// The one decoder: `from_env` says whether the value is the environment's
/// (strict, with goals) or a makefile's.
fn decode(
    opts: &mut Options,
    makeflags: &[u8],
    from_env: bool,
) -> Result<Vec<String>, OptionError> {
    let mut words = split_words(makeflags);
    if let Some(first) = words.first_mut() {
        let is_assignment = crate::assignment::looks_like_assignment(first);
        if first.first() != Some(&b'-') && !is_assignment {
            first.insert(0, b'-');
        }
    }
    let mut warnings = Vec::new();
    let mut problems = Vec::new();
    for item in getopt::scan(&words) {
        match item {
            Item::Opt { spec, value } if from_env || spec.from_env => {
                if let Err(message) = apply(opts, spec, value) {
                    warnings.push(message.clone());
                    problems.push(Problem::Make(message));
                }
            }
            Item::Opt { .. } => {}
            Item::Error(message) => problems.push(Problem::Getopt(message)),
            Item::Operand(word) => push_operand(opts, &word, from_env),
        }
    }
    if from_env && !problems.is_empty() {
        return Err(OptionError::usage_problems(problems, ""));
    }
    finish(opts).map_err(OptionError::fatal)?;
    Ok(warnings)
}

/// MAKEFLAGS is expanded as a variable before it is parsed (GNU decodes
/// `$(MAKEFLAGS)`): the `$$` a make wrote for `--eval=$(...)` becomes `$`
/// again. What a make inherits, and the value its own MAKEFLAGS variable
/// expands to, are both in the form children get, so both go through this.
pub fn undouble_dollars(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    let mut i = 0;
    while i < value.len() {
        out.push(value[i]);
        i += if value[i] == b'$' && value.get(i + 1) == Some(&b'$') {
            2
        } else {
            1
        };
    }
    out
}

/// Splits on unescaped blanks (spaces and tabs); a backslash makes the next
/// byte literal. A newline is no blank here (GNU 4.4.1 and 4.3): it stays
/// in its word, so `-E` followed by a newline evaluates that newline, and
/// an `--eval` text of several lines comes back whole from a parent's
/// MAKEFLAGS. A value that ends in blanks after its last word has one more,
/// empty, word (GNU 4.4.1 and 4.3): `MAKEFLAGS += -j ` gives `-j` an empty
/// count and `-E ` an empty string, both said to be wrong.
fn split_words(value: &[u8]) -> Vec<Vec<u8>> {
    let mut words = Vec::new();
    let mut word: Option<Vec<u8>> = None;
    let mut bytes = value.iter().copied();
    let mut blank_after_word = false;
    while let Some(b) = bytes.next() {
        blank_after_word = matches!(b, b' ' | b'\t') && (word.is_some() || blank_after_word);
        match b {
            b' ' | b'\t' => {
                if let Some(w) = word.take() {
                    words.push(w);
                }
            }
            b'\\' => {
                let w = word.get_or_insert_with(Vec::new);
                if let Some(next) = bytes.next() {
                    w.push(next);
                }
            }
            _ => word.get_or_insert_with(Vec::new).push(b),
        }
    }
    words.extend(word);
    if blank_after_word {
        words.push(Vec::new());
    }
    words
}

/// Escapes a value for MAKEFLAGS so `split_words` (after `$` expansion)
/// gives it back. A newline ends no word, so GNU writes it as it is.
fn escape(out: &mut Vec<u8>, value: &[u8]) {
    for &b in value {
        match b {
            b' ' | b'\t' | b'\\' => out.extend([b'\\', b]),
            b'$' => out.extend(b"$$"),
            _ => out.push(b),
        }
    }
}

fn escaped(prefix: &str, value: &[u8]) -> Vec<u8> {
    let mut w = prefix.as_bytes().to_vec();
    escape(&mut w, value);
    w
}

/// Whether an argument-less switch is on, for the letters word.
fn flag_is_set(opts: &Options, id: OptId) -> bool {
    match id {
        OptId::AlwaysMake => opts.always_make,
        OptId::DebugAll => opts.debug_all,
        OptId::EnvironmentOverrides => opts.environment_overrides,
        OptId::IgnoreErrors => opts.ignore_errors,
        OptId::KeepGoing => opts.keep_going,
        OptId::CheckSymlinkTimes => opts.check_symlink_times,
        OptId::JustPrint => opts.dry_run,
        OptId::PrintDataBase => opts.print_data_base,
        OptId::Question => opts.question,
        OptId::NoBuiltinRules => opts.no_builtin_rules,
        OptId::NoBuiltinVariables => opts.no_builtin_variables,
        OptId::Silent => opts.silent,
        OptId::Touch => opts.touch,
        OptId::PrintDirectory => opts.print_directory == Some(true),
        // GNU 4.4.1 writes `S` back when `-S` has the last word.
        OptId::NoKeepGoing => opts.stop,
        _ => false,
    }
}

/// The single-letter switches, in table order (`ks`, `BeLprRw`, ...).
fn letters(opts: &Options) -> Vec<u8> {
    table::TABLE
        .iter()
        .filter(|s| s.to_env && s.arg == table::ArgKind::None)
        .filter_map(|s| s.short.filter(|_| flag_is_set(opts, s.id)))
        .collect()
}

/// The words after the letters, in table order; `--eval` words last.
fn option_words(opts: &Options, jobserver: Option<&str>, with_evals: bool) -> Vec<Vec<u8>> {
    let mut words = Vec::new();
    for spec in table::TABLE.iter().filter(|s| s.to_env) {
        match spec.id {
            OptId::IncludeDir => words.extend(unique(&opts.include_dirs).map(|d| escaped("-I", d))),
            OptId::Jobs => words.extend(jobs_word(opts.jobs)),
            OptId::LoadAverage => {
                if let Some(Some(load)) = opts.load_average {
                    words.push(format!("-l{}", format_g(load)).into_bytes());
                }
            }
            OptId::OutputSync if opts.output_sync_set => {
                words.push(format!("-O{}", sync_name(opts.output_sync)).into_bytes());
            }
            OptId::Debug => words.extend(unique(&opts.debug_specs).map(|d| escaped("--debug=", d))),
            OptId::NoSilent if opts.no_silent => words.push(b"--no-silent".to_vec()),
            OptId::JobserverAuth => words.extend(jobserver.map(|j| j.as_bytes().to_vec())),
            OptId::Trace if opts.trace => words.push(b"--trace".to_vec()),
            OptId::NoPrintDirectory if opts.print_directory == Some(false) => {
                words.push(b"--no-print-directory".to_vec());
            }
            OptId::WarnUndefinedVariables if opts.warn_undefined_variables => {
                words.push(b"--warn-undefined-variables".to_vec());
            }
            OptId::SyncMutex => {
                words.extend(opts.sync_mutex.iter().map(|m| escaped("--sync-mutex=", m)))
            }
            OptId::Shuffle => words.extend(shuffle_word(opts)),
            _ => {}
        }
    }
    if with_evals {
        words.extend(opts.evals.iter().map(|e| escaped("--eval=", e)));
    }
    words
}

/// Values in order, each once: an option given in the makefile, the
/// environment and the command line is written back once.
fn unique(values: &[Vec<u8>]) -> impl Iterator<Item = &Vec<u8>> {
    values
        .iter()
        .enumerate()
        .filter(move |(i, v)| !values[..*i].contains(v))
        .map(|(_, v)| v)
}

fn jobs_word(jobs: Option<Option<u32>>) -> Option<Vec<u8>> {
    match jobs? {
        None => Some(b"-j".to_vec()),
        Some(n) => Some(format!("-j{n}").into_bytes()),
    }
}

fn sync_name(sync: OutputSync) -> &'static str {
    match sync {
        OutputSync::None => "none",
        OutputSync::Line => "line",
        OutputSync::Target => "target",
        OutputSync::Recurse => "recurse",
    }
}

/// GNU passes the seed it picked for `--shuffle=random`, so every sub-make
/// shuffles alike: resolve `Shuffle::Random` to `Shuffle::Seed` before
/// writing. An unresolved `Random` is written as `random`.
fn shuffle_word(opts: &Options) -> Option<Vec<u8>> {
    let mode = opts.shuffle_name()?;
    Some(format!("--shuffle={mode}").into_bytes())
}

/// C's `%g`: six significant digits, trailing zeros dropped, exponent form
/// below 1e-4 or from 1e6 (GNU prints the `-l` load that way).
fn format_g(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    // C's %g spells these `inf` and `nan` (`-l1e999` is infinite).
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if x.is_nan() {
        return "nan".into();
    }
    let sci = format!("{x:.5e}");
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return sci;
    };
    let Ok(exp) = exp.parse::<i32>() else {
        return sci;
    };
    let trim = |s: String| {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim(mantissa.to_string()), exp.abs())
    } else {
        let decimals = usize::try_from(5 - exp).unwrap_or(0);
        trim(format!("{x:.decimals$}"))
    }
}

/// `NAME=VALUE` words, newest variable first as GNU writes them. A name given
/// twice keeps its first position and its last value.
/// The `NAME=value` words for `-- ...` (newest first, one per name), as
/// MAKEOVERRIDES holds them.
pub fn variable_words(vars: &[CmdlineVar]) -> Vec<Vec<u8>> {
    let mut unique: Vec<CmdlineVar> = Vec::new();
    for v in vars {
        match unique.iter_mut().find(|u| u.name == v.name) {
            Some(u) => *u = *v,
            None => unique.push(*v),
        }
    }
    unique
        .iter()
        .rev()
        .map(|v| {
            let mut w = Vec::new();
            escape(&mut w, v.name);
            w.extend_from_slice(match v.flavor {
                VarFlavor::Recursive => b"=",
                VarFlavor::Simple => b":=",
            });
            escape(&mut w, v.value);
            w
        })
        .collect()
}

/// The MAKEFLAGS value a sub-make sees. `jobserver_words` is the complete
/// jobserver text, e.g. `--jobserver-auth=fifo:/tmp/GMfifo123` (4.4) or
/// `--jobserver-auth=3,4` (pipe style), or `None` when there is no jobserver.
pub fn makeflags_value(
    opts: &Options,
    jobserver_words: Option<&str>,
    cmdline_vars: &[CmdlineVar],
) -> Vec<u8> {
    let mut out = letters(opts);
    for word in option_words(opts, jobserver_words, true) {
        out.push(b' ');
        out.extend(word);
    }
    let vars = variable_words(cmdline_vars);
    if !vars.is_empty() {
        out.extend(b" --");
        for word in vars {
            out.push(b' ');
            out.extend(word);
        }
    }
    out
}

/// The MFLAGS value: the same switches with a leading `-` on the letters and
/// no leading blank, but without `--eval` words and variables.
pub fn mflags_value(opts: &Options, jobserver_words: Option<&str>) -> Vec<u8> {
    let mut words = Vec::new();
    let letters = letters(opts);
    if !letters.is_empty() {
        words.push([b"-".as_slice(), &letters].concat());
    }
    words.extend(option_words(opts, jobserver_words, false));
    words.join(&b' ')
}
