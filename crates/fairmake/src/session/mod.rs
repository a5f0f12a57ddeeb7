//! One run of make, start to finish: options, the initial variables, reading
//! the makefiles, remaking them, choosing the goals, and running the plan.

mod print_data_base;

use rustc_hash::FxHashSet;
use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::rc::Rc;

use crate::diag::{self, Fatal};
use crate::eval::vars::{Export, Flavor, Origin, Var};
use crate::eval::{Evaluator, Reentry};
use crate::options::{self, Options};
use crate::read::{self, ReadError};

/// `$(shell)` and `$(eval)` for the evaluator, which cannot reach the
/// executor and the reader above it (eval/reentry.rs).
pub const REENTRY: Reentry = Reentry {
    shell: crate::exec::shell::run_function,
    eval: read::eval_text,
};

/// The features `.FEATURES` lists: only what works.
const FEATURES: &str = "target-specific order-only second-expansion else-if shortest-stem undefine oneshell nocomment grouped-target extra-prereqs notintermediate shell-export archives jobserver jobserver-fifo output-sync check-symlink";

/// Runs make; returns the exit status.
pub fn run() -> i32 {
    let args: Vec<OsString> = std::env::args_os().collect();
    let argv0 = args
        .first()
        .cloned()
        .unwrap_or_else(|| OsString::from("make"));
    let program = std::path::Path::new(&argv0)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "make".into());
    let level: u32 = std::env::var("MAKELEVEL")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    diag::set_program(&program, level);

    let opts = match parse_options(&args[1..]) {
        Ok(o) => o,
        Err(e) => {
            eprint!("{}", e.render(&diag::prefix()));
            return 2;
        }
    };
    catch_stdout_write_errors();
    crate::trace::observe::note_start(&opts, level);
    if opts.help {
        return print_and_close(&options::usage_text(&program));
    }
    if opts.version {
        return print_and_close(&options::version_text());
    }
    let code = match run_with(opts, command_name(argv0.into_vec()), level) {
        Ok(code) => code,
        Err(fatal) => {
            fatal.print();
            fatal.silent_code().unwrap_or(2)
        }
    };
    close_stdout(code)
}

/// GNU's message when stdout cannot be written (a full disk, `>/dev/full`);
/// the status is 1 (EXIT_FAILURE), not make's usual 2.
fn stdout_write_error() -> i32 {
    eprintln!("{}: write error: stdout", diag::prefix());
    1
}

/// Prints `text` on stdout; a write error is GNU's `write error: stdout`.
fn print_and_close(text: &str) -> i32 {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => 0,
        Err(_) => stdout_write_error(),
    }
}

/// `$(MAKE)`: argv[0], made absolute when it is a relative path with a `/`
/// (as GNU does), so that recipes run after `-C` still find this make.
fn command_name(argv0: Vec<u8>) -> Vec<u8> {
    if argv0.first() == Some(&b'/') || !argv0.contains(&b'/') {
        return argv0;
    }
    match std::env::current_dir() {
        Ok(cwd) => [cwd.into_os_string().into_vec(), b"/".to_vec(), argv0].concat(),
        Err(_) => argv0,
    }
}

/// At exit: what is still buffered for stdout must reach it.
fn close_stdout(code: i32) -> i32 {
    use std::io::Write;
    match std::io::stdout().flush() {
        Ok(()) => code,
        Err(_) => stdout_write_error(),
    }
}

/// `println!` panics when stdout cannot be written; make instead says
/// `write error: stdout` and exits with status 1, as GNU does.
fn catch_stdout_write_errors() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") {
            // A broken pipe under a caught SIGPIPE ends make by the signal.
            crate::exec::signals::end_now_if_pending();
            std::process::exit(stdout_write_error());
        }
        previous(info);
    }));
}

/// MAKEFLAGS from the environment first, then argv (which wins), as GNU does.
fn parse_options(argv: &[OsString]) -> Result<Options, options::OptionError> {
    let mut opts = Options::default();
    // GNUMAKEFLAGS first (GNU-only switches), then MAKEFLAGS.
    if let Some(flags) = std::env::var_os("GNUMAKEFLAGS") {
        let flags = undouble_dollars(flags.as_bytes());
        for message in options::parse_makeflags(&mut opts, &flags)? {
            diag::warn(None, message);
        }
    }
    if let Some(flags) = std::env::var_os("MAKEFLAGS") {
        let flags = undouble_dollars(flags.as_bytes());
        for message in options::parse_makeflags(&mut opts, &flags)? {
            diag::warn(None, message);
        }
    }
    // Whether `-j` was given here decides if a sub-make leaves its parent's jobserver.
    let own = options::parse_args(argv)?;
    options::parse_args_into(&mut opts, argv)?;
    opts.jobs_on_command_line = own.jobs.is_some();
    Ok(opts)
}

/// MAKEFLAGS from the environment is expanded as a variable before it is
/// parsed: the `$$` a parent wrote for `--eval=$(...)` becomes `$` again.
fn undouble_dollars(value: &[u8]) -> Vec<u8> {
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

/// A MAKEFLAGS value whose first word is switch letters gets its `-`, so
/// that two values can be parsed as one.
fn dashed(value: &[u8]) -> Vec<u8> {
    let value = crate::words::trim(value);
    let first = crate::words::words(value).next().unwrap_or_default();
    if value.is_empty() || value[0] == b'-' || crate::assignment::looks_like_assignment(first) {
        value.to_vec()
    } else {
        [&b"-"[..], value].concat()
    }
}

fn run_with(mut opts: Options, argv0: Vec<u8>, level: u32) -> Result<i32, Fatal> {
    if let Ok(dir) = std::env::current_dir() {
        let _ = START_DIR.set(dir);
    }
    for dir in &opts.directories {
        if let Err(e) = std::env::set_current_dir(std::ffi::OsStr::from_bytes(dir)) {
            return Err(Fatal::new(
                None,
                format!("{}: {}", diag::show(dir), crate::diag::io_error_text(&e)),
            ));
        }
    }
    let cwd = std::env::current_dir()
        .map(|p| p.into_os_string().into_vec())
        .unwrap_or_default();
    // `-s` implies --no-print-directory.
    let print_directory = opts
        .print_directory
        .unwrap_or(!opts.silent && (level > 0 || !opts.directories.is_empty()));
    let reading_output = reading_capture(&mut opts);
    // Under --output-sync=line or =target each output block carries its own
    // Entering/Leaving lines instead of one pair around the run; with
    // =recurse the run is one block.
    let per_block = print_directory
        && matches!(
            opts.output_sync,
            options::OutputSync::Line | options::OutputSync::Target
        );
    if per_block {
        diag::set_sync_directory(&cwd);
    }
    // A restarted make already said where it is.
    let restarted = std::env::var_os("MAKE_RESTARTS").is_some_and(|v| !v.is_empty() && v != "0");
    if print_directory && opts.output_sync == options::OutputSync::None {
        diag::defer_enter_directory(&cwd, restarted);
    } else if print_directory && !per_block {
        diag::enter_directory(&cwd, restarted);
    }
    let code = match build(opts, argv0, level, cwd.clone(), reading_output) {
        // The error comes before `Leaving directory` (and says `Entering
        // directory` first if it is still due), as GNU's does.
        Err(fatal) if fatal.silent_code().is_none() => {
            fatal.print();
            Err(Fatal::silent(2))
        }
        other => other,
    };
    // A makefile may have turned -w on (`MAKEFLAGS += -w`).
    diag::leave_directory(&cwd);
    code
}

/// Under --output-sync, what reading the makefiles prints is one block.
/// Without a temporary file to hold it, output sync is off for the run.
fn reading_capture(opts: &mut Options) -> Option<crate::exec::output::Captured> {
    if opts.output_sync == options::OutputSync::None {
        return None;
    }
    match crate::exec::output::Captured::new() {
        Ok(c) => Some(c),
        Err(e) => {
            diag::warn(
                None,
                format_args!(
                    "cannot create temporary file: {}: suppressing output-sync",
                    crate::diag::io_error_text(&e)
                ),
            );
            opts.output_sync = options::OutputSync::None;
            None
        }
    }
}

fn build(
    mut opts: Options,
    argv0: Vec<u8>,
    level: u32,
    cwd: Vec<u8>,
    reading_output: Option<crate::exec::output::Captured>,
) -> Result<i32, Fatal> {
    // `--shuffle=random` picks a seed once, so every sub-make (through
    // MAKEFLAGS) shuffles the same way.
    if opts.shuffle == options::Shuffle::Random {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let seed = (now.as_nanos() as u64 ^ u64::from(std::process::id())) % 1_000_000_000;
        opts.shuffle = options::Shuffle::Seed(seed);
    }
    let opts = Rc::new(opts);
    let mut ev = Evaluator::new(opts.clone(), cwd.clone());
    ev.reentry = REENTRY;
    let argv: Vec<OsString> = std::env::args_os().skip(1).collect();
    let mut env_makeflags = Vec::new();
    for name in ["GNUMAKEFLAGS", "MAKEFLAGS"] {
        if let Some(v) = std::env::var_os(name) {
            env_makeflags.extend(dashed(&undouble_dollars(v.as_bytes())));
            env_makeflags.push(b' ');
        }
    }
    ev.invocation.args = Rc::new((argv, env_makeflags));
    ev.invocation.level = level;
    // A sub-make's jobserver is in MAKEFLAGS from the start (GNU sets it up
    // before reading): `$(shell $(MAKE))` children see it too.
    if !opts.jobs_on_command_line {
        ev.child_env
            .jobserver_words
            .extend(inherited_pipe_auth_word());
    }
    let redirected = reading_output
        .as_ref()
        .and_then(crate::exec::output::Captured::redirect);
    let found_makefile = match read_all(&mut ev, &opts, &argv0, &cwd) {
        // A stop while reading is said inside the block.
        Err(fatal) if redirected.is_some() => {
            fatal.print();
            Err(Fatal::silent(fatal.silent_code().unwrap_or(2)))
        }
        other => other,
    };
    drop(redirected);
    drop(reading_output);
    let found_makefile = found_makefile?;
    let result = run_after_reading(&mut ev, found_makefile);
    // `-p` prints the data base however the run ended, as GNU does.
    if opts.print_data_base {
        print_data_base::print_database(&ev);
    }
    // The copy of a makefile read from stdin goes with the last make using it.
    if let Some(copy) = &ev.reading.stdin_copy {
        let _ = std::fs::remove_file(std::ffi::OsStr::from_bytes(copy));
    }
    // The process exits next: freeing the data base piece by piece (every
    // file, variable and built-in rule) would only cost time, 5 % of a small
    // sub-make's instructions. The evaluator holds only memory, no files.
    std::mem::forget(ev);
    result
}

/// The pipe jobserver named in the inherited MAKEFLAGS.
fn inherited_pipe_auth() -> Option<fairmake_jobserver::Auth> {
    let flags = std::env::var_os("MAKEFLAGS")?;
    match fairmake_jobserver::parse_makeflags(flags.as_bytes()) {
        Ok(Some(auth @ fairmake_jobserver::Auth::Pipe { .. })) => Some(auth),
        _ => None,
    }
}

/// Its `--jobserver-auth=R,W` word.
fn inherited_pipe_auth_word() -> Option<Vec<u8>> {
    let auth = inherited_pipe_auth()?;
    Some([&b"--jobserver-auth="[..], &auth.to_bytes()].concat())
}

/// An inherited pipe jobserver is kept from the `$(shell)` commands run
/// while the makefiles are read, as GNU does: a sub-make run there says the
/// jobserver is unavailable. (Recursive recipes get it back later.)
fn keep_inherited_jobserver_private() {
    if let Some(fairmake_jobserver::Auth::Pipe { read, write }) = inherited_pipe_auth() {
        for fd in [read, write] {
            // SAFETY: fcntl on a descriptor number only reads and sets its
            // flags; a closed one just fails.
            unsafe {
                let flags = libc::fcntl(fd, libc::F_GETFD);
                if flags >= 0 {
                    libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC);
                }
            }
        }
    }
}

/// The initial variables, `--eval`s and the makefiles; returns whether any
/// makefile was read.
fn read_all(ev: &mut Evaluator, opts: &Options, argv0: &[u8], cwd: &[u8]) -> Result<bool, Fatal> {
    initial_variables(ev, opts, argv0, cwd)?;
    for text in &opts.evals {
        read::eval_text(ev, text)?;
    }
    keep_inherited_jobserver_private();
    if opts.debug.basic {
        print!("{}", options::version_text());
        println!("Reading makefiles...");
    }
    read_makefiles(ev, opts)
}

/// Everything after the makefiles are read: built-in rules, remaking
/// makefiles, choosing goals, and the build.
fn run_after_reading(ev: &mut Evaluator, found_makefile: bool) -> Result<i32, Fatal> {
    // GNU reads GNUMAKEFLAGS once the makefiles are read: undefined (-R,
    // `undefine`), it is an undefined variable like any other.
    if ev.invocation.options.warn_undefined_variables && ev.globals.get(b"GNUMAKEFLAGS").is_none() {
        diag::warn(None, "warning: undefined variable 'GNUMAKEFLAGS'");
    }
    // The makefiles may have added switches through MAKEFLAGS.
    ev.makeflags_after_reading();
    // Under -q, `Entering directory` waits until a command is run: a make
    // that only answers "up to date" prints nothing, as GNU's does.
    if !ev.invocation.options.question {
        crate::diag::say_deferred_directory();
    }
    check_special_targets(ev)?;
    let opts = &ev.invocation.options.clone();
    let builtin_loc = crate::diag::Loc {
        file: std::rc::Rc::from(&b"<builtin>"[..]),
        line: 0,
    };
    ev.db.settle_pattern_rules();
    ev.db.convert_suffix_rules(!opts.no_builtin_rules);
    if !opts.no_builtin_rules {
        ev.db.add_builtin_rules(&builtin_loc);
    }
    let mode = crate::exec::Mode {
        dry_run: opts.dry_run,
        touch: opts.touch,
        question: opts.question,
        max_load: opts.load_average.flatten().filter(|l| *l > 0.0),
        output_sync: opts.output_sync,
        debug_jobs: opts.debug.jobs,
    };
    if let Some(bad) = &opts.jobserver_style_invalid {
        if opts.jobs.is_some_and(|j| j != Some(1)) {
            return Err(Fatal::new(
                None,
                format!("unknown jobserver auth style '{}'", diag::show(bad)),
            ));
        }
    }
    let style = match opts.jobserver_style {
        Some(crate::options::JobserverStyle::Pipe) => fairmake_jobserver::Style::Pipe,
        Some(crate::options::JobserverStyle::Fifo) => fairmake_jobserver::Style::Fifo,
        None => fairmake_jobserver::Style::Both,
    };
    let env_makeflags = std::env::var_os("MAKEFLAGS")
        .map(|v| v.into_vec())
        .unwrap_or_default();
    let jobs_from_command_line = opts.jobs.is_some() && opts.jobs_on_command_line;
    // Caught before the jobserver's fifo exists, so that no fatal signal
    // can end make the default way with the fifo left behind.
    let signals =
        crate::exec::SignalWatch::install().map_err(|e| Fatal::new(None, e.to_string()))?;
    let memory = (!opts.memory_off).then_some(opts.memory_reserve);
    let slots = crate::exec::slots::Slots::setup(
        opts.jobs,
        jobs_from_command_line,
        style,
        &env_makeflags,
        memory,
    );
    ev.child_env.jobserver_words = slots.makeflags_words();
    ev.child_env.jobserver_child_words = slots.child_makeflags_words();
    let sync_mutex = output_sync_lock(ev, !slots.is_serial());
    // Recipes see the jobserver in $(MAKEFLAGS) too.
    ev.publish_makeflags();
    let mut runner = crate::exec::Runner::new(slots, mode, signals);
    runner
        .remove_on_signal
        .extend(ev.reading.stdin_copy.clone());
    runner.remove_on_signal.extend(
        sync_mutex
            .as_ref()
            .map(crate::exec::sync_mutex::Owned::path),
    );
    runner.trace = crate::trace::observe::recorder(ev, opts);
    runner.progress = (opts.progress && ev.invocation.level == 0).then(|| {
        crate::trace::progress::Progress::new(
            runner.trace.as_ref().map(|t| t.path()),
            &ev.invocation.cwd,
        )
    });
    if opts.debug.basic {
        println!("Updating makefiles....");
    }
    let (runner, settled) = match remake_makefiles(ev, runner)? {
        Remade::No(runner, settled) => (*runner, settled),
        Remade::Yes => {
            // A sub-make given its own -j left its parent's jobserver: the
            // make it becomes again must not leave it (and say so) twice.
            let left_parent = jobs_from_command_line;
            drop(sync_mutex);
            return restart(
                ev.reading.stdin_copy.as_deref(),
                opts.debug.basic,
                left_parent,
            );
        }
    };
    if opts.debug.basic {
        println!("Updating goal targets....");
    }
    let goal_names: Vec<Vec<u8>> = if opts.goals.is_empty() {
        vec![default_goal(ev, found_makefile)?]
    } else {
        opts.goals.clone()
    };
    let mut goal_names = goal_names;
    // --shuffle orders the goals too.
    // (Not under .NOTPARALLEL, which keeps every order.)
    if !ev.db.not_parallel {
        crate::plan::shuffle::apply(&opts.shuffle, b"", &mut goal_names, |_| false);
    }
    let goals: Vec<crate::rules::FileId> = goal_names
        .iter()
        .map(|g| ev.db.intern(&crate::read::rule_line::normalize_name(g)))
        .collect();

    let mut planner = crate::plan::Planner::new(ev, runner);
    // Files made or checked while remaking makefiles are not looked at again.
    planner.nodes = settled;
    let result = planner.run_goals(&goals);
    let mut runner = planner.finish();
    // A signal caught after the last job (a broken pipe to the `rm` line).
    runner.die_if_signalled();
    // The status line goes before the summary and make's last words.
    drop(runner.progress.take());
    if let Some(trace) = runner.trace.take() {
        trace.finish();
    }

    match result {
        Ok(code) => Ok(code),
        Err(fatal) => {
            // Let running jobs finish before stopping, as GNU does.
            fatal.print();
            Ok(2)
        }
    }
}

/// Under `-O`: the lock that keeps output blocks whole across the makes of
/// the build, inherited or, in a parallel top-level make, created here and
/// named in MAKEFLAGS (`--sync-mutex=`). Returns the file to remove at exit
/// when this make created it.
fn output_sync_lock(ev: &mut Evaluator, parallel: bool) -> Option<crate::exec::sync_mutex::Owned> {
    if ev.invocation.options.output_sync == options::OutputSync::None {
        return None;
    }
    let inherited = ev.invocation.options.sync_mutex.clone();
    let (value, owned) = crate::exec::sync_mutex::setup(inherited.as_deref(), parallel);
    if value != inherited {
        Rc::make_mut(&mut ev.invocation.options).sync_mutex = value;
    }
    owned
}

/// Reads `-f` makefiles, or the first of GNUmakefile, makefile, Makefile.
/// Returns whether any makefile was read.
fn read_makefiles(ev: &mut Evaluator, opts: &Options) -> Result<bool, Fatal> {
    // MAKEFILES (from the environment or the command line) names makefiles
    // read first, quietly when missing; their targets never become the
    // default goal.
    let list = ev.global_value(b"MAKEFILES").map(<[u8]>::to_vec);
    let list = ev.expand_text(&list.unwrap_or_default())?;
    let names: Vec<Vec<u8>> = crate::words::words(&list).map(<[u8]>::to_vec).collect();
    if !names.is_empty() {
        let saved_goal = ev.global_value(b".DEFAULT_GOAL").map(<[u8]>::to_vec);
        for name in names {
            read::announce(ev, &name, read::ReadAs::Optional);
            let path = read::find_include(ev, &name);
            match read::read_makefile(ev, &path) {
                Ok(()) => {}
                Err(ReadError::Fatal(e)) => return Err(e),
                Err(ReadError::NotFound(e)) => optional_makefile(ev, name, e.raw_os_error()),
            }
        }
        let goal = saved_goal.unwrap_or_default();
        ev.set_global(b".DEFAULT_GOAL", &goal, Flavor::Simple, Origin::File);
    }
    if !opts.makefiles.is_empty() {
        if opts
            .makefiles
            .iter()
            .filter(|m| m.as_slice() == b"-")
            .count()
            > 1
        {
            return Err(Fatal::new(
                None,
                "Makefile from standard input specified twice",
            ));
        }
        // After a restart, `--temp-stdin=FILE` (also in the list) stands for `-`.
        if let Some(copy) = &opts.temp_stdin {
            ev.reading.stdin_copy = Some(copy.clone());
        }
        for name in &opts.makefiles {
            if name == b"-" && opts.temp_stdin.is_some() {
                continue;
            }
            read::announce(ev, name, read::ReadAs::Main);
            match read::read_makefile(ev, name) {
                Ok(()) => {}
                Err(ReadError::Fatal(e)) => return Err(e),
                Err(ReadError::NotFound(e)) => {
                    ev.reading
                        .missing_includes
                        .push(crate::eval::MissingInclude {
                            name: name.clone(),
                            loc: None,
                            optional: false,
                            error: e.raw_os_error(),
                        });
                }
            }
        }
        return Ok(true);
    }
    for name in [&b"GNUmakefile"[..], b"makefile", b"Makefile"] {
        if std::path::Path::new(std::ffi::OsStr::from_bytes(name)).exists() {
            read::announce(ev, name, read::ReadAs::Main);
            match read::read_makefile(ev, name) {
                Ok(()) => return Ok(true),
                Err(ReadError::Fatal(e)) => return Err(e),
                Err(ReadError::NotFound(_)) => continue,
            }
        }
    }
    // None there: a rule may make one (then make starts again).
    for name in [&b"GNUmakefile"[..], b"makefile", b"Makefile"] {
        optional_makefile(ev, name.to_vec(), None);
    }
    Ok(false)
}

/// A makefile that may be missing: remade if a rule can, quietly otherwise.
fn optional_makefile(ev: &mut Evaluator, name: Vec<u8>, error: Option<i32>) {
    ev.reading
        .missing_includes
        .push(crate::eval::MissingInclude {
            name,
            loc: None,
            optional: true,
            error,
        });
}

/// Contradictions between special targets that GNU refuses.
fn check_special_targets(ev: &Evaluator) -> Result<(), Fatal> {
    for file in &ev.db.files {
        if !file.notintermediate {
            continue;
        }
        let other = if file.intermediate {
            ".INTERMEDIATE"
        } else if file.secondary {
            ".SECONDARY"
        } else {
            continue;
        };
        return Err(Fatal::new(
            None,
            format!(
                "{} cannot be both .NOTINTERMEDIATE and {other}",
                diag::show(file.name)
            ),
        ));
    }
    if ev.db.secondary_all && ev.db.notintermediate_all {
        return Err(Fatal::new(
            None,
            ".NOTINTERMEDIATE and .SECONDARY are mutually exclusive",
        ));
    }
    Ok(())
}

/// The goal when the command line names none: `.DEFAULT_GOAL`, expanded
/// (it may be `$N`, or recursive), which must name one target.
fn default_goal(ev: &mut Evaluator, found_makefile: bool) -> Result<Vec<u8>, Fatal> {
    let mut default = Vec::new();
    ev.expand_var(b".DEFAULT_GOAL", &mut default)?;
    let default = crate::words::trim(&default).to_vec();
    // The target that set it may have blanks in its name (`a\ b:`).
    let first_target = ev.db.first_target.map(|id| ev.db.file(id).name);
    if first_target == Some(&default[..]) {
        return Ok(default);
    }
    let mut words = crate::words::words(&default);
    match (words.next(), words.next()) {
        (Some(goal), None) => Ok(goal.to_vec()),
        (Some(_), Some(_)) => Err(Fatal::new(
            None,
            ".DEFAULT_GOAL contains more than one target",
        )),
        (None, _) if found_makefile => Err(Fatal::new(None, "No targets")),
        (None, _) => Err(Fatal::new(
            None,
            "No targets specified and no makefile found",
        )),
    }
}

/// What remaking the makefiles did.
enum Remade {
    /// Nothing changed: go on with the goals, on the same runner, knowing
    /// the files already brought up to date.
    No(Box<crate::exec::Runner>, Vec<crate::plan::Node>),
    /// A makefile changed: make must start again.
    Yes,
}

/// Every makefile read, and every missing include, is a goal first (GNU's
/// "remaking makefiles"): `-n`, `-q` and `-t` do not apply to them.
fn remake_makefiles(ev: &mut Evaluator, mut runner: crate::exec::Runner) -> Result<Remade, Fatal> {
    let missing = std::mem::take(&mut ev.reading.missing_includes);
    let list = ev
        .global_value(b"MAKEFILE_LIST")
        .map(<[u8]>::to_vec)
        .unwrap_or_default();
    let mut goals = Vec::new();
    // Membership of the lists below is asked once per makefile: sets, as a
    // tree may include thousands of `.d` files.
    let mut goal_set = FxHashSet::default();
    for name in crate::words::words(&list) {
        if name == b"-" {
            continue;
        }
        // Implicit rules may remake a makefile too.
        let id = ev.db.intern(name);
        let file = ev.db.file(id);
        // A phony makefile, or a `::` one without prerequisites, would be
        // remade on every run: GNU leaves those alone.
        let always_remade = file.phony || file.double_colon().iter().any(|r| r.deps.is_empty());
        if !always_remade && goal_set.insert(id) {
            goals.push(id);
        }
    }
    let mut dont_care = FxHashSet::default();
    let mut required = Vec::new();
    let mut preamble = Vec::new();
    let mut unmakeable = false;
    let mut unreadable = FxHashSet::default();
    for m in &missing {
        let id = ev.db.intern(&m.name);
        let file = ev.db.file(id);
        // A phony makefile, or a `::` one without prerequisites, is not
        // remade (it would be, on every run): a missing one stays missing.
        if file.phony || file.double_colon().iter().any(|r| r.deps.is_empty()) {
            if !m.optional {
                print_missing(m);
                unmakeable = true;
            }
            continue;
        }
        let exists = crate::fscache::mtime_now(&m.name).is_some();
        let has_rule = file.rule.recipe.is_some()
            || !file.rule.deps.is_empty()
            || !file.double_colon().is_empty();
        if !m.optional && exists && !has_rule {
            // There but unreadable, and nothing can make it anew.
            print_missing(m);
            return Err(Fatal::new(
                None,
                format!("No rule to make target '{}'", diag::show(&m.name)),
            ));
        }
        if exists {
            unreadable.insert(id);
        }
        if goal_set.insert(id) {
            goals.push(id);
        }
        if m.optional {
            dont_care.insert(id);
        } else {
            required.push((id, m));
            if m.loc.is_none() {
                // A `-f` makefile that is missing is said at once, before
                // anything is remade; includes wait until their error.
                eprint!("{}", missing_line(m));
            } else {
                preamble.push((m.name.clone(), missing_line(m)));
            }
        }
    }
    if unmakeable {
        return Err(Fatal::silent(2));
    }
    if goals.is_empty() {
        return Ok(Remade::No(Box::new(runner), Vec::new()));
    }
    // What only optional makefiles need may fail quietly too.
    let (optional, required_ids): (Vec<crate::rules::FileId>, Vec<crate::rules::FileId>) =
        goals.iter().partition(|g| dont_care.contains(g));
    let needed: FxHashSet<crate::rules::FileId> =
        explicit_closure(ev, &required_ids).into_iter().collect();
    for id in explicit_closure(ev, &optional) {
        if !needed.contains(&id) {
            dont_care.insert(id);
        }
    }
    let saved_mode = runner.mode;
    // -n, -q and -t do not apply to remaking makefiles.
    runner.mode = crate::exec::Mode::default();
    diag::set_preamble(preamble);
    let mut planner = crate::plan::Planner::new(ev, runner);
    planner.makefiles_phase = true;
    planner.dont_care = dont_care;
    planner.unreadable = unreadable;
    planner.watched = goals.clone();
    let result = planner.run_goals(&goals);
    if result.is_ok() {
        // (An error still to be printed keeps the notes.)
        diag::set_preamble(Vec::new());
    }
    // Required makefiles still missing after a failure nobody reported
    // (the recipe was run for an optional one).
    let unreported: Vec<&crate::eval::MissingInclude> = required
        .iter()
        .filter(|(id, _)| {
            planner.has_failed(*id)
                && crate::fscache::mtime_now(planner.ev.db.file(*id).name).is_none()
        })
        .map(|&(_, m)| m)
        .collect();
    // Only a makefile that changed (or appeared) makes make start over: a
    // recipe that left it as it was does not.
    let remade: Vec<bool> = goals
        .iter()
        .map(|&g| planner.changed_by_recipes(g))
        .collect();
    let (mut runner, settled) = planner.into_settled();
    runner.mode = saved_mode;
    match result {
        Ok(0) if !unreported.is_empty() => {
            for m in unreported {
                diag::warn(
                    m.loc.as_ref(),
                    format_args!("Failed to remake makefile '{}'.", diag::show(&m.name)),
                );
            }
            return Err(Fatal::silent(2));
        }
        Ok(0) => {}
        Ok(code) if !ev.invocation.options.keep_going => return Err(Fatal::silent(code)),
        Ok(code) => {
            // `-k`: every required makefile still missing is named.
            let mut failed = false;
            for (id, m) in &required {
                if crate::fscache::mtime_now(ev.db.file(*id).name).is_none() {
                    diag::warn(
                        m.loc.as_ref(),
                        format_args!("Failed to remake makefile '{}'.", diag::show(&m.name)),
                    );
                    failed = true;
                }
            }
            return Err(Fatal::silent(if failed { 2 } else { code }));
        }
        Err(fatal) => return Err(fatal),
    }
    if remade.iter().any(|&r| r) {
        runner.finish_jobserver();
        return Ok(Remade::Yes);
    }
    Ok(Remade::No(Box::new(runner), settled))
}

/// Every file the explicit rules of `roots` lead to, `roots` included.
fn explicit_closure(ev: &Evaluator, roots: &[crate::rules::FileId]) -> Vec<crate::rules::FileId> {
    let mut order: Vec<crate::rules::FileId> = Vec::with_capacity(roots.len());
    let mut seen = FxHashSet::default();
    order.extend(roots.iter().copied().filter(|&r| seen.insert(r)));
    let mut i = 0;
    while i < order.len() {
        let file = ev.db.file(order[i]);
        for dep in file
            .rule
            .deps
            .iter()
            .chain(file.double_colon().iter().flat_map(|r| r.deps.iter()))
        {
            if seen.insert(dep.file()) {
                order.push(dep.file());
            }
        }
        i += 1;
    }
    order
}

fn missing_line(m: &crate::eval::MissingInclude) -> String {
    let text = m
        .error
        .map(|c| crate::diag::io_error_text(&std::io::Error::from_raw_os_error(c)))
        .unwrap_or_default();
    let message = format!("{}: {text}", diag::show(&m.name));
    match &m.loc {
        Some(loc) => format!("{loc}: {message}\n"),
        None => format!("{}: {message}\n", diag::prefix()),
    }
}

fn print_missing(m: &crate::eval::MissingInclude) {
    let text = m
        .error
        .map(|c| crate::diag::io_error_text(&std::io::Error::from_raw_os_error(c)))
        .unwrap_or_default();
    diag::warn(
        m.loc.as_ref(),
        format_args!("{}: {text}", diag::show(&m.name)),
    );
}

/// Starts make again from the top, in the directory it started in, with
/// `MAKE_RESTARTS` counting the restarts.
fn restart(
    stdin_copy: Option<&[u8]>,
    debug_basic: bool,
    left_parent_jobserver: bool,
) -> Result<i32, Fatal> {
    use std::os::unix::process::CommandExt;
    let restarts: u32 = std::env::var("MAKE_RESTARTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut args = std::env::args_os();
    let argv0 = args.next().unwrap_or_default();
    // argv[0] when it is a path (GNU re-executes that), else this program.
    let exe = if argv0.as_bytes().contains(&b'/') {
        argv0.clone()
    } else {
        std::env::current_exe()
            .map(|p| p.into_os_string())
            .unwrap_or_else(|_| argv0.clone())
    };
    if let Some(start) = START_DIR.get() {
        let _ = std::env::set_current_dir(start);
    }
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let mut args: Vec<std::ffi::OsString> = args.collect();
    // The makefile from stdin is read again from its copy.
    if let Some(copy) = stdin_copy {
        if !args
            .iter()
            .any(|a| a.as_bytes().starts_with(b"--temp-stdin="))
        {
            args.push(std::ffi::OsString::from_vec(
                [&b"--temp-stdin="[..], copy].concat(),
            ));
        }
    }
    if debug_basic {
        let words: Vec<String> = std::iter::once(argv0.clone())
            .chain(args.iter().cloned())
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        println!("Re-executing[{}]: {}", restarts + 1, words.join(" "));
        let _ = std::io::stdout().flush();
    }
    let mut command = std::process::Command::new(&exe);
    command
        .arg0(argv0)
        .args(args)
        .env("MAKE_RESTARTS", (restarts + 1).to_string());
    if left_parent_jobserver {
        if let Some(flags) = std::env::var_os("MAKEFLAGS") {
            command.env("MAKEFLAGS", without_jobserver_auth(flags.as_bytes()));
        }
    }
    let err = command.exec();
    diag::warn(
        None,
        format_args!(
            "{}: {}",
            exe.to_string_lossy(),
            crate::diag::io_error_text(&err)
        ),
    );
    Ok(127)
}

/// MAKEFLAGS without the words that name a jobserver.
fn without_jobserver_auth(flags: &[u8]) -> std::ffi::OsString {
    let kept: Vec<&[u8]> = flags
        .split(|&b| b == b' ')
        .filter(|w| !fairmake_jobserver::is_jobserver_word(w))
        .collect();
    std::ffi::OsString::from_vec(kept.join(&b' '))
}

/// The directory make was started in (restarts go back there before `-C`).
static START_DIR: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

/// The value of `MAKECMDGOALS`: the goals as make names them, without a
/// leading `./` (Kbuild matches `arch/%` against `./arch/x86/`), with their
/// `\:` kept.
fn makecmdgoals(goals: &[Vec<u8>]) -> Vec<u8> {
    let names: Vec<&[u8]> = goals
        .iter()
        .map(|g| crate::read::rule_line::strip_dot_slash(g))
        .collect();
    names.join(&b' ')
}

fn initial_variables(
    ev: &mut Evaluator,
    opts: &Options,
    argv0: &[u8],
    cwd: &[u8],
) -> Result<(), Fatal> {
    // Under `-e` an imported variable becomes "environment override" when
    // the makefiles first define it (`Evaluator::define`), as in GNU 4.4.
    let env_origin = Origin::Environment;
    for (k, v) in std::env::vars_os() {
        let (k, v) = (k.into_vec(), v.into_vec());
        if k == b"SHELL" {
            ev.child_env.original_shell = Some(v);
            continue;
        }
        if k == b"MAKEFLAGS" || k == b"MFLAGS" || k == b"MAKELEVEL" {
            continue;
        }
        if k == b"MAKE_RESTARTS" {
            // Only for this make: a sub-make starts its own count.
            let mut var = Var::new(v, Flavor::Simple, Origin::Override);
            var.export = Export::No;
            ev.globals.insert(&k, var);
            continue;
        }
        if k == b"GNUMAKEFLAGS" {
            // Its switches are in MAKEFLAGS now: children see it empty.
            let mut var = Var::new(Vec::new(), Flavor::Simple, env_origin);
            var.export = Export::Yes;
            ev.globals.insert(&k, var);
            continue;
        }
        let mut var = Var::new(v, Flavor::Recursive, env_origin);
        var.export = Export::Yes;
        ev.globals.insert(&k, var);
    }
    let defaults: [(&[u8], Vec<u8>); 12] = [
        (b"MAKE_VERSION", diag::EMULATED_VERSION.into()),
        (b"MAKE_HOST", b"x86_64-pc-linux-gnu".to_vec()),
        (b"SHELL", b"/bin/sh".to_vec()),
        (b".SHELLFLAGS", b"-c".to_vec()),
        (b"MAKE_COMMAND", argv0.to_vec()),
        (b"MAKE", b"$(MAKE_COMMAND)".to_vec()),
        (b".FEATURES", FEATURES.into()),
        (
            b".INCLUDE_DIRS",
            crate::options::include_path(&opts.include_dirs).join(&b' '),
        ),
        (b"MAKEFILE_LIST", Vec::new()),
        (b".RECIPEPREFIX", Vec::new()),
        // GNU 4.4 defines these two empty, even under -R.
        (b"MAKEFILES", Vec::new()),
        (b".LOADED", Vec::new()),
    ];
    for (name, value) in defaults {
        // An environment value wins over a default (Kbuild exports MAKE and
        // link-vmlinux.sh runs `${MAKE}` from a sub-make's recipe).
        let from_env = ev
            .globals
            .get(name)
            .is_some_and(|v| v.origin == Origin::Environment);
        if from_env && !matches!(name, b"MAKEFILE_LIST" | b".RECIPEPREFIX") {
            continue;
        }
        let flavor = if name == b"MAKE" {
            Flavor::Recursive
        } else {
            Flavor::Simple
        };
        ev.globals
            .insert(name, Var::new(value, flavor, Origin::Default));
    }
    let simple_file = [
        (&b"CURDIR"[..], cwd.to_vec()),
        (b"MAKELEVEL", ev.invocation.level.to_string().into_bytes()),
        (b"MAKECMDGOALS", makecmdgoals(&opts.goals)),
    ];
    for (name, value) in simple_file {
        let origin = if name == b"MAKELEVEL" {
            Origin::Environment
        } else {
            Origin::File
        };
        ev.globals
            .insert(name, Var::new(value, Flavor::Simple, origin));
    }
    if let Some(v) = ev.globals.get_mut(b"MAKELEVEL") {
        v.export = Export::Yes;
    }
    let overrides = ev.overrides_from_options();
    ev.globals.insert(
        b"MAKEOVERRIDES",
        Var::new(overrides, Flavor::Simple, Origin::Default),
    );
    ev.publish_makeflags();
    if !opts.no_builtin_variables {
        for &(name, value) in crate::rules::builtin::VARIABLES {
            // The environment's value beats a default one.
            if ev.globals.get(name).is_none() {
                ev.globals.insert(
                    name,
                    Var::new(value.to_vec(), Flavor::Recursive, Origin::Default),
                );
            }
        }
    }
    if !opts.no_builtin_rules {
        ev.globals.insert(
            b"SUFFIXES",
            Var::new(
                crate::rules::builtin::SUFFIXES.to_vec(),
                Flavor::Simple,
                Origin::Default,
            ),
        );
        let suffixes = ev.db.intern(b".SUFFIXES");
        let deps = crate::read::rule_line::intern_deps(ev, crate::rules::builtin::SUFFIXES);
        ev.db.file_mut(suffixes).rule.deps = deps;
    }
    for assignment in &opts.variables {
        let Some((start, op, end)) = crate::assignment::find_operator(assignment) else {
            continue;
        };
        let name = crate::words::trim(&assignment[..start]).to_vec();
        // As in a makefile, the value starts at its first non-blank
        // (binutils passes `LDFLAGS="${LDFLAGS}"` with LDFLAGS a blank).
        let value = crate::words::trim_start(&assignment[end..]);
        read::assign(
            ev,
            None,
            &name,
            op,
            value,
            read::Modifiers::default(),
            Origin::CommandLine,
        )?;
    }
    Ok(())
}
