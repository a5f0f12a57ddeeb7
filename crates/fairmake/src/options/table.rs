//! The declarative option table: one row per GNU make 4.4.1 switch, plus the
//! long-name aliases and fairmake's own extensions.
//!
//! Row order matters and is observable: it is the order single-letter flags
//! and long options are written into MAKEFLAGS, and the order glibc's getopt
//! lists candidates in its "is ambiguous; possibilities:" message. The order
//! was recovered from GNU make's observable behaviour (MAKEFLAGS contents and
//! ambiguity messages of `make --a`, `--n`, `--j`, ... under 4.3), with the
//! 4.4 additions (`--temp-stdin`, `--shuffle`, `--jobserver-style`) last.

/// What follows an option on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgKind {
    /// A plain switch.
    None,
    /// `-fFILE`, `-f FILE`, `--file=FILE`, `--file FILE`.
    Required,
    /// Only attached (`-O`/`-Oline`, `--debug`/`--debug=b`); `-j` and `-l`
    /// additionally take a following word that looks numeric.
    Optional,
}

/// Which switch a row (or alias) stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptId {
    Ignored,
    AlwaysMake,
    DebugAll,
    EnvironmentOverrides,
    Eval,
    Help,
    IgnoreErrors,
    KeepGoing,
    CheckSymlinkTimes,
    JustPrint,
    PrintDataBase,
    Question,
    NoBuiltinRules,
    NoBuiltinVariables,
    Silent,
    NoKeepGoing,
    Touch,
    Version,
    PrintDirectory,
    Directory,
    File,
    IncludeDir,
    Jobs,
    LoadAverage,
    OldFile,
    OutputSync,
    WhatIf,
    Debug,
    JobserverAuth,
    Trace,
    NoPrintDirectory,
    WarnUndefinedVariables,
    SyncMutex,
    NoSilent,
    JobserverFds,
    TempStdin,
    Shuffle,
    JobserverStyle,
    TraceJson,
    Stats,
    Progress,
    MemoryReserve,
}

/// One switch.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    pub id: OptId,
    pub short: Option<u8>,
    pub long: Option<&'static str>,
    pub arg: ArgKind,
    /// Honoured when it appears in MAKEFLAGS (GNU ignores e.g. `-C`, `-f`,
    /// `-o`, `-W`, `-h` there).
    pub from_env: bool,
    /// Written back into MAKEFLAGS for sub-makes (by the table walk; `--eval`
    /// and command-line variables are appended separately at the end).
    pub to_env: bool,
}

const fn row(
    id: OptId,
    short: Option<u8>,
    long: Option<&'static str>,
    arg: ArgKind,
    from_env: bool,
    to_env: bool,
) -> Spec {
    Spec {
        id,
        short,
        long,
        arg,
        from_env,
        to_env,
    }
}

use ArgKind::{None as NoArg, Optional as Opt, Required as Req};
use OptId::*;

/// GNU make's switches, in GNU's table order.
#[rustfmt::skip]
pub static TABLE: &[Spec] = &[
    // Plain switches.
    row(Ignored, Some(b'b'), None, NoArg, false, false),
    row(AlwaysMake, Some(b'B'), Some("always-make"), NoArg, true, true),
    row(DebugAll, Some(b'd'), None, NoArg, true, true),
    row(EnvironmentOverrides, Some(b'e'), Some("environment-overrides"), NoArg, true, true),
    row(Eval, Some(b'E'), Some("eval"), Req, true, false),
    row(Help, Some(b'h'), Some("help"), NoArg, false, false),
    row(IgnoreErrors, Some(b'i'), Some("ignore-errors"), NoArg, true, true),
    row(KeepGoing, Some(b'k'), Some("keep-going"), NoArg, true, true),
    row(CheckSymlinkTimes, Some(b'L'), Some("check-symlink-times"), NoArg, true, true),
    row(Ignored, Some(b'm'), None, NoArg, false, false),
    row(JustPrint, Some(b'n'), Some("just-print"), NoArg, true, true),
    row(PrintDataBase, Some(b'p'), Some("print-data-base"), NoArg, true, true),
    row(Question, Some(b'q'), Some("question"), NoArg, true, true),
    row(NoBuiltinRules, Some(b'r'), Some("no-builtin-rules"), NoArg, true, true),
    row(NoBuiltinVariables, Some(b'R'), Some("no-builtin-variables"), NoArg, true, true),
    row(Silent, Some(b's'), Some("silent"), NoArg, true, true),
    row(NoKeepGoing, Some(b'S'), Some("no-keep-going"), NoArg, true, true),
    row(Touch, Some(b't'), Some("touch"), NoArg, true, true),
    row(Version, Some(b'v'), Some("version"), NoArg, true, false),
    row(PrintDirectory, Some(b'w'), Some("print-directory"), NoArg, true, true),
    // Switches with arguments.
    row(Directory, Some(b'C'), Some("directory"), Req, false, false),
    row(File, Some(b'f'), Some("file"), Req, false, false),
    row(IncludeDir, Some(b'I'), Some("include-dir"), Req, true, true),
    row(Jobs, Some(b'j'), Some("jobs"), Opt, true, true),
    row(LoadAverage, Some(b'l'), Some("load-average"), Opt, true, true),
    row(OldFile, Some(b'o'), Some("old-file"), Req, false, false),
    row(OutputSync, Some(b'O'), Some("output-sync"), Opt, true, true),
    row(WhatIf, Some(b'W'), Some("what-if"), Req, false, false),
    // Long-only switches.
    row(Debug, None, Some("debug"), Opt, true, true),
    row(JobserverAuth, None, Some("jobserver-auth"), Req, true, true),
    row(Trace, None, Some("trace"), NoArg, true, true),
    row(NoPrintDirectory, None, Some("no-print-directory"), NoArg, true, true),
    row(WarnUndefinedVariables, None, Some("warn-undefined-variables"), NoArg, true, true),
    row(SyncMutex, None, Some("sync-mutex"), Req, true, true),
    row(NoSilent, None, Some("no-silent"), NoArg, true, true),
    row(JobserverFds, None, Some("jobserver-fds"), Req, true, false),
    row(TempStdin, None, Some("temp-stdin"), Req, false, false),
    row(Shuffle, None, Some("shuffle"), Opt, true, true),
    row(JobserverStyle, None, Some("jobserver-style"), Req, true, false),
];

/// Extra long names GNU appends after the table's own long names.
pub static ALIASES: &[(&str, OptId)] = &[
    ("quiet", Silent),
    ("stop", NoKeepGoing),
    ("new-file", WhatIf),
    ("assume-new", WhatIf),
    ("assume-old", OldFile),
    ("max-load", LoadAverage),
    ("dry-run", JustPrint),
    ("recon", JustPrint),
    ("makefile", File),
];

/// fairmake-only long options. They match only when spelled in full, so that
/// every abbreviation GNU accepts (`--st` for `--stop`, `--tr` for `--trace`)
/// keeps meaning what it means in GNU make. Never written to MAKEFLAGS.
#[rustfmt::skip]
pub static EXTENSIONS: &[Spec] = &[
    row(TraceJson, None, Some("trace-json"), Req, false, false),
    row(Stats, None, Some("stats"), NoArg, false, false),
    row(Progress, None, Some("progress"), NoArg, false, false),
    row(MemoryReserve, None, Some("memory-reserve"), Req, false, false),
];

/// The row for `id` (aliases share their target's row).
pub fn spec(id: OptId) -> &'static Spec {
    TABLE
        .iter()
        .chain(EXTENSIONS)
        .find(|s| s.id == id)
        .expect("every OptId has a row")
}

/// The row for a short option letter.
pub fn by_short(c: u8) -> Option<&'static Spec> {
    TABLE.iter().find(|s| s.short == Some(c))
}

/// Every GNU long name with its switch, in getopt's index order: table rows
/// first, then aliases.
pub fn long_names() -> impl Iterator<Item = (&'static str, OptId)> {
    TABLE
        .iter()
        .filter_map(|s| s.long.map(|l| (l, s.id)))
        .chain(ALIASES.iter().copied())
}
