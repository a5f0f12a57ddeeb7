//! The built-in functions' names, argument counts and whether their
//! arguments are expanded first: what the compiler (`expand.rs`) needs to
//! know of them, kept apart from their bodies (`functions/`), which need
//! the whole evaluator.

/// A built-in function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FuncId {
    Abspath,
    Addprefix,
    Addsuffix,
    And,
    Basename,
    Call,
    Dir,
    Error,
    Eval,
    File,
    Filter,
    FilterOut,
    Findstring,
    Firstword,
    Flavor,
    Foreach,
    If,
    Info,
    Intcmp,
    Join,
    Lastword,
    Let,
    Notdir,
    Or,
    Origin,
    Patsubst,
    Realpath,
    Shell,
    Sort,
    Strip,
    Subst,
    Suffix,
    Value,
    Warning,
    Wildcard,
    Word,
    Wordlist,
    Words,
}

/// (name, function, minimum args, maximum args (0: any), args expanded before the call)
const TABLE: &[(&str, FuncId, usize, usize, bool)] = &[
    ("abspath", FuncId::Abspath, 0, 1, true),
    ("addprefix", FuncId::Addprefix, 2, 2, true),
    ("addsuffix", FuncId::Addsuffix, 2, 2, true),
    ("and", FuncId::And, 1, 0, false),
    ("basename", FuncId::Basename, 0, 1, true),
    ("call", FuncId::Call, 1, 0, true),
    ("dir", FuncId::Dir, 0, 1, true),
    ("error", FuncId::Error, 0, 1, true),
    ("eval", FuncId::Eval, 0, 1, true),
    ("file", FuncId::File, 1, 2, true),
    ("filter", FuncId::Filter, 2, 2, true),
    ("filter-out", FuncId::FilterOut, 2, 2, true),
    ("findstring", FuncId::Findstring, 2, 2, true),
    ("firstword", FuncId::Firstword, 0, 1, true),
    ("flavor", FuncId::Flavor, 0, 1, true),
    ("foreach", FuncId::Foreach, 3, 3, false),
    ("if", FuncId::If, 2, 3, false),
    ("info", FuncId::Info, 0, 1, true),
    ("intcmp", FuncId::Intcmp, 2, 5, false),
    ("join", FuncId::Join, 2, 2, true),
    ("lastword", FuncId::Lastword, 0, 1, true),
    ("let", FuncId::Let, 3, 3, false),
    ("notdir", FuncId::Notdir, 0, 1, true),
    ("or", FuncId::Or, 1, 0, false),
    ("origin", FuncId::Origin, 0, 1, true),
    ("patsubst", FuncId::Patsubst, 3, 3, true),
    ("realpath", FuncId::Realpath, 0, 1, true),
    ("shell", FuncId::Shell, 0, 1, true),
    ("sort", FuncId::Sort, 0, 1, true),
    ("strip", FuncId::Strip, 0, 1, true),
    ("subst", FuncId::Subst, 3, 3, true),
    ("suffix", FuncId::Suffix, 0, 1, true),
    ("value", FuncId::Value, 0, 1, true),
    ("warning", FuncId::Warning, 0, 1, true),
    ("wildcard", FuncId::Wildcard, 0, 1, true),
    ("word", FuncId::Word, 2, 2, true),
    ("wordlist", FuncId::Wordlist, 3, 3, true),
    ("words", FuncId::Words, 0, 1, true),
];

fn entry(f: FuncId) -> &'static (&'static str, FuncId, usize, usize, bool) {
    // The table is tiny; a linear scan keeps it in one place.
    TABLE
        .iter()
        .find(|e| e.1 == f)
        .expect("every FuncId is in TABLE")
}

/// The function called `name`, if it is built in.
pub fn lookup(name: &[u8]) -> Option<FuncId> {
    TABLE.iter().find(|e| e.0.as_bytes() == name).map(|e| e.1)
}

pub fn name(f: FuncId) -> &'static str {
    entry(f).0
}

pub fn min_args(f: FuncId) -> usize {
    entry(f).2
}

pub fn max_args(f: FuncId) -> usize {
    entry(f).3
}

/// Whether the arguments are expanded before the function sees them.
pub fn expands_args(f: FuncId) -> bool {
    entry(f).4
}
