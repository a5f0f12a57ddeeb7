//! The one option table: every GNU make 4.4.1 option, parsed from argv and
//! from MAKEFLAGS, and written back into MAKEFLAGS for sub-makes.

use std::ffi::OsString;

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
    /// `-j` came from the command line (not from MAKEFLAGS).
    pub jobs_on_command_line: bool,
}

/// A usage error: GNU prints the message, then the usage text, and exits 2.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionError {
    pub message: String,
}

/// Parses argv (without argv[0]).
pub fn parse_args(args: &[OsString]) -> Result<Options, OptionError> {
    use std::os::unix::ffi::OsStrExt;
    let mut opts = Options::default();
    let mut i = 0;
    let mut only_operands = false;
    while i < args.len() {
        let arg = args[i].as_bytes();
        i += 1;
        if only_operands || arg.first() != Some(&b'-') || arg == b"-" {
            push_operand(&mut opts, arg);
            continue;
        }
        if arg == b"--" {
            only_operands = true;
            continue;
        }
        match arg {
            b"-f" | b"-C" | b"-I" => {
                let Some(v) = args.get(i) else {
                    return Err(OptionError { message: format!("option requires an argument -- '{}'", arg[1] as char) });
                };
                i += 1;
                let v = v.as_bytes().to_vec();
                match arg[1] {
                    b'f' => opts.makefiles.push(v),
                    b'C' => opts.directories.push(v),
                    _ => opts.include_dirs.push(v),
                }
            }
            b"-n" => opts.dry_run = true,
            _ if arg.starts_with(b"-j") => {
                let n = std::str::from_utf8(&arg[2..]).ok().and_then(|s| s.parse::<u32>().ok());
                opts.jobs = Some(n);
                opts.jobs_on_command_line = true;
            }
            b"-s" => opts.silent = true,
            b"-k" => opts.keep_going = true,
            b"-r" => opts.no_builtin_rules = true,
            b"-p" => opts.print_data_base = true,
            b"--version" | b"-v" => opts.version = true,
            b"--help" | b"-h" => opts.help = true,
            _ => {
                return Err(OptionError {
                    message: format!("unrecognized option '{}'", String::from_utf8_lossy(arg)),
                })
            }
        }
    }
    Ok(opts)
}

fn push_operand(opts: &mut Options, arg: &[u8]) {
    if crate::read::assignment::looks_like_assignment(arg) {
        opts.variables.push(arg.to_vec());
    } else {
        opts.goals.push(arg.to_vec());
    }
}

/// Placeholder until the full option table lands.
pub fn usage_text(prog: &str) -> String {
    format!("Usage: {prog} [options] [target] ...\n")
}

/// `--version` output.
pub fn version_text() -> String {
    format!("GNU Make 4.4.1 compatible (fairmake {})\n", env!("CARGO_PKG_VERSION"))
}

/// The MAKEFLAGS value for children.
pub fn makeflags_value(opts: &Options, jobserver_words: &[Vec<u8>]) -> Vec<u8> {
    let mut letters = String::new();
    if opts.keep_going { letters.push('k'); }
    if opts.silent { letters.push('s'); }
    let mut out = letters.into_bytes();
    for w in jobserver_words {
        if !out.is_empty() { out.push(b' '); }
        out.extend_from_slice(w);
    }
    out
}
