//! The one option table: every GNU make 4.4.1 option, parsed from argv and
//! from MAKEFLAGS, and written back into MAKEFLAGS for sub-makes.
//!
//! Layout: [`table`] declares the switches; [`getopt`] splits argument lists
//! like glibc; this module applies what was found to [`Options`];
//! [`makeflags`] reads and writes MAKEFLAGS/MFLAGS; [`usage`] has the
//! `--help` and `--version` texts; [`stdin_arg`] finds the `-f -` a restart
//! replaces.
//!
//! Precedence (confirmed against GNU make): MAKEFLAGS from the environment is
//! decoded first, then argv, so the command line wins for scalar switches
//! (`MAKEFLAGS=k make -S` does not keep going) and list options accumulate
//! environment entries first. Use [`parse_makeflags`] then [`parse_args_into`]
//! on the same [`Options`].

mod getopt;
mod makeflags;
mod stdin_arg;
mod table;
mod usage;

#[cfg(test)]
mod tests;

pub use makeflags::{
    makeflags_value, mflags_value, parse_environment_makeflags, parse_makeflags, undouble_dollars,
    variable_words, CmdlineVar, VarFlavor,
};
pub use stdin_arg::replace_stdin_makefile;
pub use usage::{owe_version, say_owed_version, usage_text, version_text};

use std::ffi::OsString;
use table::{OptId, Spec};

/// How `-O`/`--output-sync` groups a job's output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OutputSync {
    #[default]
    None,
    Line,
    Target,
    Recurse,
}

/// Which kind of jobserver a top-level make creates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum JobserverStyle {
    #[default]
    Fifo,
    Pipe,
}

/// `--shuffle` modes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Shuffle {
    #[default]
    None,
    Random,
    Reverse,
    Seed(u64),
}

impl Options {
    /// `-O` as it acts: GNU groups output only when jobs can run at once
    /// (`-j` above 1, or a jobserver inherited), so a serial make prints as
    /// it goes, `Entering directory` once at the start. `-O` stays in
    /// MAKEFLAGS all the same.
    pub fn output_sync_in_effect(&self) -> OutputSync {
        let serial = match self.jobs {
            None => self.jobserver_auth.is_none(),
            Some(Some(1)) => true,
            Some(_) => false,
        };
        // `recurse` still captures each job in a serial make (GNU 4.4.1:
        // on a full stdout its copy of the block fails, `fwrite(): ...`).
        if serial && self.output_sync != OutputSync::Recurse {
            OutputSync::None
        } else {
            self.output_sync
        }
    }

    /// Whether `Entering`/`Leaving directory` are said, in a make at
    /// `level`: -w or --no-print-directory, whichever came last; else on
    /// in a sub-make and with -C, unless -s (which implies
    /// --no-print-directory).
    pub fn prints_directory(&self, level: u32) -> bool {
        self.print_directory
            .unwrap_or(!self.silent && (level > 0 || !self.directories.is_empty()))
    }

    /// Whether each output block of -O names its directory itself
    /// (`line` and `target`; `recurse` makes the whole make one block).
    pub fn syncs_per_block(&self) -> bool {
        matches!(self.output_sync, OutputSync::Line | OutputSync::Target)
    }

    /// How `--shuffle` is named in MAKEFLAGS and after a failed command's
    /// `*** [...] Error N` (`shuffle=reverse`, `shuffle=SEED`, `identity`);
    /// `None` when nothing is shuffled. An unresolved `Random` is `random`.
    pub fn shuffle_name(&self) -> Option<String> {
        Some(match &self.shuffle {
            Shuffle::None if self.shuffle_identity => "identity".to_string(),
            Shuffle::None => return None,
            Shuffle::Random => "random".to_string(),
            Shuffle::Reverse => "reverse".to_string(),
            Shuffle::Seed(n) => n.to_string(),
        })
    }
}

/// `-d`/`--debug` categories.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Debug {
    pub basic: bool,
    pub verbose: bool,
    pub implicit: bool,
    pub jobs: bool,
    pub makefile: bool,
    pub print: bool,
    pub why: bool,
}

/// Everything the command line and MAKEFLAGS can say.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `-C DIR`, in order.
    pub directories: Vec<Vec<u8>>,
    /// `-f FILE`, in order.
    pub makefiles: Vec<Vec<u8>>,
    /// `-I DIR`, in order.
    pub include_dirs: Vec<Vec<u8>>,
    /// `-j`: `None` absent, `Some(None)` unlimited, `Some(Some(n))`.
    pub jobs: Option<Option<u32>>,
    /// `-l [N]`: `Some(None)` means no limit (a bare `-l`).
    pub load_average: Option<Option<f64>>,
    pub keep_going: bool,
    pub dry_run: bool,
    pub touch: bool,
    pub question: bool,
    pub ignore_errors: bool,
    pub silent: bool,
    pub no_silent: bool,
    pub always_make: bool,
    pub environment_overrides: bool,
    pub no_builtin_rules: bool,
    pub no_builtin_variables: bool,
    pub print_data_base: bool,
    /// `Some(true)` for `-w`, `Some(false)` for `--no-print-directory`.
    pub print_directory: Option<bool>,
    pub old_files: Vec<Vec<u8>>,
    pub new_files: Vec<Vec<u8>>,
    pub debug: Debug,
    pub trace: bool,
    pub warn_undefined_variables: bool,
    pub check_symlink_times: bool,
    pub output_sync: OutputSync,
    /// The last `--jobserver-auth=` / `--jobserver-fds=` value seen.
    pub jobserver_auth: Option<Vec<u8>>,
    pub jobserver_style: Option<JobserverStyle>,
    pub shuffle: Shuffle,
    /// `--eval=TEXT`, in order.
    pub evals: Vec<Vec<u8>>,
    pub version: bool,
    pub help: bool,
    /// `NAME=VALUE` words (any assignment operator), in order.
    pub variables: Vec<Vec<u8>>,
    /// Goals named on the command line, in order.
    pub goals: Vec<Vec<u8>>,
    /// fairmake-only: `--trace-json=FILE`.
    pub trace_json: Option<Vec<u8>>,
    /// fairmake-only: `--stats`.
    pub stats: bool,
    /// fairmake-only: `--progress`.
    pub progress: bool,
    /// fairmake-only: `--memory-reserve=SIZE`: the memory the top-level
    /// jobserver keeps free by withholding tokens (`auto` by default).
    pub memory_reserve: fairmake_jobserver::Reserve,
    /// fairmake-only: `--memory-reserve=off`: no memory-aware server.
    pub memory_off: bool,
    /// Internal: a bad `--memory-reserve` value, reported (fatally) once
    /// all switches are read.
    pub bad_memory_reserve: Option<Vec<u8>>,
    /// `-d` was given (written back as the `d` flag letter).
    pub debug_all: bool,
    /// Each `--debug[=FLAGS]` argument as given (bare `--debug` is `basic`);
    /// GNU writes these back verbatim, one `--debug=...` word each.
    pub debug_specs: Vec<Vec<u8>>,
    /// `-O`/`--output-sync` was given: GNU writes `-Onone` back when it was
    /// explicit, which `output_sync` alone cannot tell apart from absent.
    pub output_sync_set: bool,
    /// `--shuffle=identity`: GNU's undocumented fourth mode (keeps order but
    /// is passed to sub-makes); `shuffle` is `Shuffle::None` when this is set.
    pub shuffle_identity: bool,
    /// A `--jobserver-style` value other than `fifo`/`pipe`. GNU only rejects
    /// it when it creates a jobserver, with
    /// `*** unknown jobserver auth style 'X'.  Stop.`
    pub jobserver_style_invalid: Option<Vec<u8>>,
    /// `--sync-mutex=fnm:PATH`: the file whose lock keeps `-O` blocks whole
    /// across the makes of a build (see `exec::sync_mutex`).
    pub sync_mutex: Option<Vec<u8>>,
    /// `--temp-stdin=FILE`: GNU's internal option naming the copy of a stdin
    /// makefile a re-exec reads; the file is also in `makefiles`.
    pub temp_stdin: Option<Vec<u8>>,
    /// Internal: a bad `-O` type, reported (fatally) once all switches are read.
    pub bad_output_sync: Option<Vec<u8>>,
    /// Internal: a bad `--shuffle` mode, reported (fatally) once all switches are read.
    pub bad_shuffle: Option<Vec<u8>>,
    /// `-j` came from the command line (not from MAKEFLAGS).
    pub jobs_on_command_line: bool,
    /// `-S` was the last word on keeping going (GNU 4.4.1 writes `S` back).
    pub stop: bool,
}

/// A command-line error. GNU prints every message as `PROG: message`, then,
/// for usage errors, the usage text, and exits with status 2.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionError {
    /// The first message.
    pub message: String,
    /// Further messages GNU prints after the first (it reports every bad
    /// option before giving up: `make -Z -Y` prints two lines).
    pub more: Vec<String>,
    /// Print the usage text after the messages (getopt and argument errors);
    /// false for fatal `*** ...  Stop.` errors such as a bad `--debug` flag.
    pub print_usage: bool,
    /// For each message, the name getopt says before it when it is one of
    /// getopt's (`""` for the environment's MAKEFLAGS); `None` for make's
    /// own messages, said after the program's name.
    getopt_names: Vec<Option<&'static str>>,
}

/// One problem found in an argument list: getopt's (a bad option) or
/// make's (a bad argument to a good one).
#[derive(Clone, Debug)]
pub(crate) enum Problem {
    Getopt(String),
    Make(String),
}

impl OptionError {
    fn usage(messages: Vec<String>) -> Self {
        Self::new(messages, true)
    }

    /// A usage error whose getopt messages are said after `getopt_name`.
    fn usage_problems(problems: Vec<Problem>, getopt_name: &'static str) -> Self {
        let names = problems
            .iter()
            .map(|p| matches!(p, Problem::Getopt(_)).then_some(getopt_name))
            .collect();
        let messages = problems
            .into_iter()
            .map(|p| match p {
                Problem::Getopt(m) | Problem::Make(m) => m,
            })
            .collect();
        OptionError {
            getopt_names: names,
            ..Self::usage(messages)
        }
    }

    fn fatal(message: String) -> Self {
        Self::new(vec![message], false)
    }

    fn new(mut messages: Vec<String>, print_usage: bool) -> Self {
        let message = messages.remove(0);
        OptionError {
            message,
            more: messages,
            print_usage,
            getopt_names: Vec::new(),
        }
    }

    /// Exactly what GNU writes to stderr for this error.
    pub fn render(&self, prog: &str) -> String {
        let mut out = String::new();
        for (i, m) in std::iter::once(&self.message).chain(&self.more).enumerate() {
            let name = self.getopt_names.get(i).copied().flatten().unwrap_or(prog);
            out.push_str(&format!("{name}: {m}\n"));
        }
        if self.print_usage {
            out.push_str(&usage_text(prog));
        }
        out
    }
}

/// Parses argv (without argv[0]) into fresh options.
pub fn parse_args(args: &[OsString]) -> Result<Options, OptionError> {
    let mut opts = Options::default();
    parse_args_into(&mut opts, args)?;
    Ok(opts)
}

/// Parses argv (without argv[0]) on top of what MAKEFLAGS already set.
pub fn parse_args_into(opts: &mut Options, args: &[OsString]) -> Result<(), OptionError> {
    use std::os::unix::ffi::OsStrExt;
    let words: Vec<Vec<u8>> = args.iter().map(|a| a.as_bytes().to_vec()).collect();
    let mut problems = Vec::new();
    for item in getopt::scan(&words) {
        match item {
            getopt::Item::Opt { spec, value } => {
                if let Err(p) = apply(opts, spec, value) {
                    problems.push(p);
                }
            }
            getopt::Item::Operand(word) => push_operand(opts, &word, true),
            getopt::Item::Error(e) => problems.push(e),
        }
    }
    if !problems.is_empty() {
        return Err(OptionError::usage(problems));
    }
    finish(opts).map_err(OptionError::fatal)
}

/// Sets what one option says. An `Err` is a usage-level message.
fn apply(opts: &mut Options, spec: &Spec, value: Option<Vec<u8>>) -> Result<(), String> {
    if spec.arg == table::ArgKind::Required {
        let v = value.unwrap_or_default();
        if v.is_empty() {
            return Err(format!(
                "the '{}' option requires a non-empty string argument",
                display_name(spec)
            ));
        }
        apply_string(opts, spec.id, v);
        return Ok(());
    }
    match spec.id {
        OptId::Jobs => opts.jobs = Some(parse_jobs(value)?),
        OptId::LoadAverage => opts.load_average = Some(value.as_deref().and_then(parse_load)),
        OptId::OutputSync => {
            // The last -O wins, so an earlier bad type no longer matters.
            opts.bad_output_sync = None;
            opts.output_sync_set = true;
            opts.output_sync = match value {
                None => OutputSync::Target,
                // Checked in `finish`, after --debug, as GNU does.
                Some(v) => parse_output_sync(&v).unwrap_or_else(|| {
                    opts.output_sync_set = false;
                    pending_bad_sync(opts, v);
                    OutputSync::None
                }),
            };
        }
        OptId::Debug => {
            let v = value.unwrap_or_else(|| b"basic".to_vec());
            if v.is_empty() {
                return Err("the '--debug' option requires a non-empty string argument".into());
            }
            push_once(&mut opts.debug_specs, v);
        }
        OptId::Shuffle => set_shuffle(opts, value.unwrap_or_else(|| b"random".to_vec())),
        id => apply_flag(opts, id),
    }
    Ok(())
}

/// GNU names an option by its letter when it has one (`--eval=` is "'-E'").
fn display_name(spec: &Spec) -> String {
    match (spec.short, spec.long) {
        (Some(c), _) => format!("-{}", c as char),
        (None, Some(l)) => format!("--{l}"),
        (None, None) => unreachable!("every row has a name"),
    }
}

/// A list option holds each value once, as GNU 4.4.1's do (4.3 kept
/// repeats): `-C a -C a` goes into `a` once, `--eval X+=1` twice appends
/// once, and a switch MAKEFLAGS gives back (`-I`, `--eval`) is not added
/// again. `-f` is the exception: a makefile named twice is read twice.
fn push_once(list: &mut Vec<Vec<u8>>, v: Vec<u8>) {
    if !list.contains(&v) {
        list.push(v);
    }
}

/// [`push_once`] for a file or directory name, kept without its leading
/// `./` (`-I ./inc` is `-Iinc` in MAKEFLAGS, `-f ./mk` reads `mk`), as GNU
/// 4.4.1 and 4.3 keep them. A repeat either way is dropped, so that the
/// command line applied again after reading adds nothing (GNU asks only of
/// the name as given, and keeps `inc` twice for `-I inc -I ./inc`).
fn push_name_once(list: &mut Vec<Vec<u8>>, v: Vec<u8>) {
    let name = without_dot_slash(&v);
    if !list.contains(&v) && !list.contains(&name) {
        list.push(name);
    }
}

/// `name` without its leading `./`s and the slashes after each; `./` when
/// nothing else is left.
fn without_dot_slash(name: &[u8]) -> Vec<u8> {
    let mut rest = name;
    while let Some(after) = rest.strip_prefix(b"./") {
        rest = after;
        while let Some(after) = rest.strip_prefix(b"/") {
            rest = after;
        }
    }
    if rest.is_empty() {
        return b"./".to_vec();
    }
    rest.to_vec()
}

fn apply_string(opts: &mut Options, id: OptId, v: Vec<u8>) {
    match id {
        OptId::Directory => push_name_once(&mut opts.directories, v),
        OptId::File => opts.makefiles.push(without_dot_slash(&v)),
        OptId::IncludeDir => push_name_once(&mut opts.include_dirs, v),
        OptId::OldFile => push_name_once(&mut opts.old_files, v),
        OptId::WhatIf => push_name_once(&mut opts.new_files, v),
        OptId::Eval => push_once(&mut opts.evals, v),
        OptId::JobserverAuth | OptId::JobserverFds => opts.jobserver_auth = Some(v),
        OptId::SyncMutex => opts.sync_mutex = Some(v),
        OptId::TempStdin => {
            opts.makefiles.push(v.clone());
            opts.temp_stdin = Some(v);
        }
        OptId::JobserverStyle => {
            let (style, invalid) = match v.as_slice() {
                b"fifo" => (Some(JobserverStyle::Fifo), None),
                b"pipe" => (Some(JobserverStyle::Pipe), None),
                _ => (None, Some(v)),
            };
            opts.jobserver_style = style;
            opts.jobserver_style_invalid = invalid;
        }
        OptId::TraceJson => opts.trace_json = Some(v),
        OptId::MemoryReserve => set_memory_reserve(opts, v),
        other => unreachable!("{other:?} takes no string"),
    }
}

fn apply_flag(opts: &mut Options, id: OptId) {
    match id {
        OptId::Ignored => {}
        OptId::AlwaysMake => opts.always_make = true,
        OptId::DebugAll => opts.debug_all = true,
        OptId::EnvironmentOverrides => opts.environment_overrides = true,
        OptId::Help => opts.help = true,
        OptId::IgnoreErrors => opts.ignore_errors = true,
        OptId::KeepGoing => {
            opts.keep_going = true;
            opts.stop = false;
        }
        OptId::NoKeepGoing => {
            opts.keep_going = false;
            opts.stop = true;
        }
        OptId::CheckSymlinkTimes => opts.check_symlink_times = true,
        OptId::JustPrint => opts.dry_run = true,
        OptId::PrintDataBase => opts.print_data_base = true,
        OptId::Question => opts.question = true,
        OptId::NoBuiltinRules => opts.no_builtin_rules = true,
        OptId::NoBuiltinVariables => opts.no_builtin_variables = true,
        OptId::Silent => {
            opts.silent = true;
            opts.no_silent = false;
        }
        OptId::NoSilent => {
            opts.silent = false;
            opts.no_silent = true;
        }
        OptId::Touch => opts.touch = true,
        OptId::Version => opts.version = true,
        OptId::PrintDirectory => opts.print_directory = Some(true),
        OptId::NoPrintDirectory => opts.print_directory = Some(false),
        OptId::Trace => opts.trace = true,
        OptId::WarnUndefinedVariables => opts.warn_undefined_variables = true,
        OptId::Stats => opts.stats = true,
        OptId::Progress => opts.progress = true,
        other => unreachable!("{other:?} takes an argument"),
    }
}

/// `-j` with no count means "no limit"; a count must be all digits and >= 1.
fn parse_jobs(value: Option<Vec<u8>>) -> Result<Option<u32>, String> {
    let Some(v) = value else { return Ok(None) };
    let bad = || "the '-j' option requires a positive integer argument".to_string();
    if v.is_empty() || !v.iter().all(u8::is_ascii_digit) {
        return Err(bad());
    }
    match std::str::from_utf8(&v)
        .ok()
        .and_then(|s| s.parse::<u32>().ok())
    {
        Some(n) if n >= 1 => Ok(Some(n)),
        _ => Err(bad()),
    }
}

/// `-l N`: GNU reads the longest leading decimal number (like `strtod`), so
/// `3x` is 3 and `x` is 0; a negative load means no limit.
fn parse_load(v: &[u8]) -> Option<f64> {
    if let Some(special) = parse_load_special(v) {
        return (special >= 0.0 || special.is_nan()).then_some(special);
    }
    let mut end = 0;
    let digits = |s: &[u8], mut i: usize| {
        while i < s.len() && s[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    if matches!(v.first(), Some(b'+' | b'-')) {
        end = 1;
    }
    let int_end = digits(v, end);
    let mut mantissa_end = int_end;
    if v.get(int_end) == Some(&b'.') {
        mantissa_end = digits(v, int_end + 1);
    }
    let has_digits = mantissa_end > end + usize::from(v.get(int_end) == Some(&b'.'));
    if !has_digits {
        return Some(0.0);
    }
    end = mantissa_end;
    if matches!(v.get(end), Some(b'e' | b'E')) {
        let mut e = end + 1;
        if matches!(v.get(e), Some(b'+' | b'-')) {
            e += 1;
        }
        let exp_end = digits(v, e);
        if exp_end > e {
            end = exp_end;
        }
    }
    let n: f64 = std::str::from_utf8(&v[..end]).ok()?.parse().ok()?;
    (n >= 0.0).then_some(n)
}

/// The spellings C's `strtod` reads besides decimal numbers: `inf`,
/// `infinity` and `nan` in any case, and hexadecimal `0x...` (its integer
/// part), each with an optional sign. MAKEFLAGS carries `-linf` (the way
/// `%g` writes an overflowing `-l1e999`) and must read back as written.
fn parse_load_special(v: &[u8]) -> Option<f64> {
    let (sign, rest) = match v.first() {
        Some(b'-') => (-1.0, &v[1..]),
        Some(b'+') => (1.0, &v[1..]),
        _ => (1.0, v),
    };
    let lower = rest.to_ascii_lowercase();
    if lower.starts_with(b"inf") {
        return Some(sign * f64::INFINITY);
    }
    if lower.starts_with(b"nan") {
        return Some(f64::NAN);
    }
    let hex = lower.strip_prefix(b"0x")?;
    let digits: Vec<u8> = hex
        .iter()
        .copied()
        .take_while(u8::is_ascii_hexdigit)
        .collect();
    if digits.is_empty() {
        return None;
    }
    let value = digits.iter().fold(0.0, |acc, &d| {
        acc * 16.0 + f64::from((d as char).to_digit(16).unwrap_or(0))
    });
    Some(sign * value)
}

fn parse_output_sync(v: &[u8]) -> Option<OutputSync> {
    match v {
        b"none" => Some(OutputSync::None),
        b"line" => Some(OutputSync::Line),
        b"target" => Some(OutputSync::Target),
        b"recurse" => Some(OutputSync::Recurse),
        _ => None,
    }
}

/// A bad `-O` type is fatal, but only after `--debug` has been checked, so it
/// waits for `finish`.
fn pending_bad_sync(opts: &mut Options, v: Vec<u8>) {
    opts.bad_output_sync = Some(v);
}

fn set_shuffle(opts: &mut Options, v: Vec<u8>) {
    // The last --shuffle wins, so an earlier bad mode no longer matters.
    opts.bad_shuffle = None;
    opts.shuffle_identity = false;
    let lower = v.to_ascii_lowercase();
    opts.shuffle = match lower.as_slice() {
        b"random" => Shuffle::Random,
        b"reverse" => Shuffle::Reverse,
        b"none" => Shuffle::None,
        b"identity" => {
            opts.shuffle_identity = true;
            Shuffle::None
        }
        _ => match std::str::from_utf8(&v)
            .ok()
            .and_then(|s| s.parse::<u32>().ok())
        {
            Some(seed) => Shuffle::Seed(u64::from(seed)),
            None => {
                opts.bad_shuffle = Some(v);
                Shuffle::None
            }
        },
    };
}

/// `--memory-reserve`: `off`, or what [`fairmake_jobserver::Reserve::parse`]
/// reads. The last one wins, so an earlier bad value no longer matters.
fn set_memory_reserve(opts: &mut Options, v: Vec<u8>) {
    opts.bad_memory_reserve = None;
    opts.memory_off = false;
    let text = std::str::from_utf8(&v).unwrap_or("");
    if text == "off" {
        opts.memory_off = true;
        return;
    }
    match fairmake_jobserver::Reserve::parse(text) {
        Some(r) => opts.memory_reserve = r,
        None => opts.bad_memory_reserve = Some(v),
    }
}

/// Checks GNU makes after all switches are read (fatal, no usage text), and
/// recomputes the debug categories from `-d` and the `--debug` words.
fn finish(opts: &mut Options) -> Result<(), String> {
    opts.debug = debug_categories(opts.debug_all, &opts.debug_specs)?;
    if let Some(v) = opts.bad_output_sync.take() {
        return Err(format!(
            "*** unknown output-sync type '{}'.  Stop.",
            String::from_utf8_lossy(&v)
        ));
    }
    if let Some(v) = opts.bad_shuffle.take() {
        return Err(format!(
            "*** invalid shuffle mode: '{}'.  Stop.",
            String::from_utf8_lossy(&v)
        ));
    }
    if let Some(v) = opts.bad_memory_reserve.take() {
        return Err(format!(
            "*** invalid memory reserve '{}' (a size such as 512M or 2G, a percentage such as 5%, auto or off).  Stop.",
            String::from_utf8_lossy(&v)
        ));
    }
    Ok(())
}

/// `-d` is "all"; each `--debug` word is a list of flags separated by commas
/// or spaces, of which only the first letter counts (`--debug=bogus` is
/// `basic`); `n` clears everything so far.
fn debug_categories(all: bool, specs: &[Vec<u8>]) -> Result<Debug, String> {
    let everything = Debug {
        basic: true,
        verbose: true,
        implicit: true,
        jobs: true,
        makefile: true,
        print: true,
        why: true,
    };
    let mut d = if all { everything } else { Debug::default() };
    for spec in specs {
        let mut rest = spec.as_slice();
        while let Some(&c) = rest.first() {
            match c.to_ascii_lowercase() {
                b'a' => d = everything,
                b'b' => d.basic = true,
                b'i' => (d.basic, d.implicit) = (true, true),
                b'j' => d.jobs = true,
                b'm' => (d.basic, d.makefile) = (true, true),
                b'n' => d = Debug::default(),
                b'p' => d.print = true,
                b'v' => (d.basic, d.verbose) = (true, true),
                b'w' => d.why = true,
                _ => {
                    return Err(format!(
                        "*** unknown debug level specification '{}'.  Stop.",
                        String::from_utf8_lossy(rest)
                    ))
                }
            }
            let word_end = rest.iter().position(|&b| b == b',' || b == b' ');
            rest = word_end.map_or(&[][..], |e| &rest[e + 1..]);
        }
    }
    Ok(d)
}

/// A non-option word: an assignment is a command-line variable, anything
/// else a goal (argv, the environment's MAKEFLAGS) or ignored (a makefile's
/// MAKEFLAGS). GNU ignores a lone `-` and
/// an empty word (`make ''` makes the default goal).
fn push_operand(opts: &mut Options, arg: &[u8], goals_allowed: bool) {
    if arg == b"-" || arg.is_empty() {
        return;
    }
    if crate::assignment::looks_like_assignment(arg) {
        opts.variables.push(arg.to_vec());
    } else if goals_allowed {
        opts.goals.push(arg.to_vec());
    }
}

/// The directories `include` searches (`.INCLUDE_DIRS`): the `-I` dirs that
/// exist, in order, then the default ones that exist. `-I-` forgets every
/// directory before it, the defaults included.
pub fn include_path(dirs: &[Vec<u8>]) -> Vec<Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    let is_dir = |d: &[u8]| std::path::Path::new(std::ffi::OsStr::from_bytes(d)).is_dir();
    let mut path = Vec::new();
    let mut defaults = true;
    for dir in dirs {
        if dir == b"-" {
            path.clear();
            defaults = false;
            continue;
        }
        let mut dir = dir.as_slice();
        while dir.len() > 1 && dir.ends_with(b"/") {
            dir = &dir[..dir.len() - 1];
        }
        if is_dir(dir) {
            path.push(dir.to_vec());
        }
    }
    if defaults {
        for dir in [
            &b"/usr/local/include"[..],
            b"/usr/gnu/include",
            b"/usr/include",
        ] {
            if is_dir(dir) {
                path.push(dir.to_vec());
            }
        }
    }
    path
}
