//! One run of make, start to finish: options, the initial variables, reading
//! the makefiles, remaking them, choosing the goals, and running the plan.
//! This file holds the order of it all and the runner's setup; the initial
//! variables are `initial.rs`'s, which makefiles are read `makefiles.rs`'s,
//! remaking them and starting over `remake.rs`'s, stdout's ends
//! `stdout.rs`'s, and `-p` is `print_data_base.rs`'s.

mod initial;
mod makefiles;
mod print_data_base;
mod remake;
mod stdout;

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::rc::Rc;

use crate::diag::{self, Fatal};
use crate::eval::{Evaluator, Reentry};
use crate::options::{self, Options};
use crate::read;
use remake::Remade;

/// `$(shell)` and `$(eval)` for the evaluator, which cannot reach the
/// executor and the reader above it (eval/reentry.rs).
pub const REENTRY: Reentry = Reentry {
    shell: crate::exec::shell::run_function,
    eval: read::eval_text,
};

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
    let level = std::env::var_os("MAKELEVEL").map_or(0, |v| makelevel(v.as_bytes()));
    diag::set_program(&program, level);

    let opts = match parse_options(&args[1..]) {
        Ok(o) => o,
        Err(e) => {
            // Said before the level is known: no `[N]` (GNU 4.4.1 and 4.3).
            eprint!("{}", e.render(&program));
            return 2;
        }
    };
    // A command-line `MAKELEVEL=N` says which level this make is.
    let level = command_line_level(&opts.variables).map_or(level, |v| makelevel(&v));
    diag::set_level(level);
    stdout::catch_stdout_write_errors();
    crate::trace::observe::note_start(&opts, level);
    if opts.help {
        return stdout::print_and_close(&options::usage_text(&program));
    }
    if opts.version {
        return stdout::print_and_close(&options::version_text());
    }
    let code = match run_with(opts, command_name(argv0.into_vec()), level) {
        Ok(code) => code,
        Err(fatal) => {
            fatal.print();
            fatal.silent_code().unwrap_or(2)
        }
    };
    stdout::close_stdout(code)
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

/// MAKEFLAGS from the environment first, then argv (which wins), as GNU does.
fn parse_options(argv: &[OsString]) -> Result<Options, options::OptionError> {
    let mut opts = Options::default();
    // GNUMAKEFLAGS first (GNU-only switches), then MAKEFLAGS.
    // Each is decoded as a command line (GNU 4.4.1): a bad one stops make.
    for name in ["GNUMAKEFLAGS", "MAKEFLAGS"] {
        if let Some(flags) = std::env::var_os(name) {
            let flags = options::undouble_dollars(flags.as_bytes());
            options::parse_environment_makeflags(&mut opts, &flags)?;
        }
    }
    // Whether `-j` was given here decides if a sub-make leaves its parent's jobserver.
    let own = options::parse_args(argv)?;
    options::parse_args_into(&mut opts, argv)?;
    opts.jobs_on_command_line = own.jobs.is_some();
    // -R given at start implies -r at once (MAKEFLAGS says `rR` while the
    // makefiles are read); one a makefile adds implies it after reading.
    if opts.no_builtin_variables {
        opts.no_builtin_rules = true;
    }
    Ok(opts)
}

fn run_with(mut opts: Options, argv0: Vec<u8>, level: u32) -> Result<i32, Fatal> {
    let start = remake::note_start_dir();
    for dir in &opts.directories {
        if let Err(e) = std::env::set_current_dir(std::ffi::OsStr::from_bytes(dir)) {
            let fatal = Fatal::new(
                None,
                format!("{}: {}", diag::show(dir), crate::diag::io_error_text(&e)),
            );
            // GNU 4.4.1 says the directory make started in around the
            // stop, as it would around the run (4.3 says neither).
            if opts.prints_directory(level) {
                diag::enter_directory(&start, false);
                let said = fatal.said();
                diag::leave_directory(&start);
                return Err(said);
            }
            return Err(fatal);
        }
    }
    let cwd = std::env::current_dir()
        .map(|p| p.into_os_string().into_vec())
        .unwrap_or_default();
    let print_directory = opts.prints_directory(level);
    let reading_output = reading_capture(&mut opts);
    // Under --output-sync=line or =target each output block carries its own
    // Entering/Leaving lines instead of one pair around the run; with
    // =recurse the run is one block, whose lines are said as without -O.
    let per_block = print_directory && opts.syncs_per_block();
    // A restarted make already said where it is.
    let restarted = crate::diag::entered_before_restart();
    if per_block {
        diag::set_sync_directory(&cwd);
        // The make before the restart ran one job at a time and said it
        // once for the run: its `Leaving directory` is owed, after this
        // make's blocks (GNU 4.4.1).
        if restarted {
            diag::owe_leaving_directory();
        }
    }
    // A caught SIGPIPE from a directory line ends make at once, as the
    // uncaught one ends GNU make (when SIGPIPE was ignored at start-up,
    // nothing is pending and make goes on).
    diag::on_broken_stdout(crate::exec::signals::end_now_if_pending);
    // Said when make first prints (a makefile's -s may still silence it).
    if print_directory && !per_block {
        diag::defer_enter_directory(&cwd, restarted);
    }
    let code = match build(opts, argv0, level, cwd.clone(), reading_output) {
        // The error comes before `Leaving directory` (and says `Entering
        // directory` first if it is still due), as GNU's does.
        Err(fatal) if fatal.silent_code().is_none() => Err(fatal.said()),
        other => other,
    };
    options::say_owed_version();
    // A makefile may have turned -w on (`MAKEFLAGS += -w`).
    diag::leave_directory(&cwd);
    code
}

/// Under --output-sync=line or =target, what reading the makefiles prints
/// is one block; under =recurse it goes out as it comes (GNU 4.4.1: the
/// make as a whole is the parent's block). Without a temporary file to
/// hold it, output sync is off for the run.
fn reading_capture(opts: &mut Options) -> Option<crate::exec::output::Captured> {
    if matches!(
        opts.output_sync,
        options::OutputSync::None | options::OutputSync::Recurse
    ) {
        return None;
    }
    match crate::exec::output::Captured::new() {
        Ok(c) => Some(c),
        Err(e) => {
            crate::exec::sync_mutex::say_suppressed(&e);
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
    ev.invocation.args = Rc::new((argv, initial::environment_makeflags()));
    ev.invocation.level = level;
    // A sub-make's jobserver is in MAKEFLAGS from the start (GNU sets it up
    // before reading): `$(shell $(MAKE))` children see it too.
    if !opts.jobs_on_command_line {
        ev.child_env.jobserver_words.extend(inherited_auth_word());
    }
    let reading = ReadingBlock(reading_output);
    match reading.within(|| read_all(&mut ev, &opts, &argv0, &cwd)) {
        Ok(()) => {}
        Err(fatal) => {
            drop(reading);
            remove_stdin_copy(&ev);
            // A stop while reading prints it too (GNU 4.4.1, 4.3).
            if ev.invocation.options.print_data_base {
                let said = fatal.said();
                print_data_base::print_database(&ev);
                return Err(said);
            }
            return Err(fatal);
        }
    }
    let builtin_variables_defined = !opts.no_builtin_variables;
    let result = run_after_reading(&mut ev, builtin_variables_defined, reading);
    // `-p` prints the data base however the run ended, as GNU does; a
    // makefile may ask for it too (`MAKEFLAGS += p`).
    if ev.invocation.options.print_data_base {
        print_data_base::print_database(&ev);
    }
    remove_stdin_copy(&ev);
    // The process exits next: freeing the data base piece by piece (every
    // file, variable and built-in rule) would only cost time, 5 % of a small
    // sub-make's instructions. The evaluator holds only memory, no files.
    std::mem::forget(ev);
    result
}

/// Under `-O` (`line`, `target`), what make says while it reads the
/// makefiles and settles what they set (MAKEFLAGS, `.EXTRA_PREREQS`,
/// VPATH) is one output block, with its own `Entering`/`Leaving directory`
/// lines, a stop included (GNU 4.4.1 and 4.3); it is shown when dropped.
struct ReadingBlock(Option<crate::exec::output::Captured>);

impl ReadingBlock {
    /// Runs `step` with stdout and stderr going into the block; a stop it
    /// ends in is said inside the block too.
    fn within<T>(&self, step: impl FnOnce() -> Result<T, Fatal>) -> Result<T, Fatal> {
        let redirected = self
            .0
            .as_ref()
            .and_then(crate::exec::output::Captured::redirect);
        let result = match step() {
            Err(fatal) if redirected.is_some() => Err(fatal.said()),
            other => other,
        };
        drop(redirected);
        result
    }
}

/// The copy of a makefile read from stdin goes with the last make using it
/// (one that stops while reading too).
fn remove_stdin_copy(ev: &Evaluator) {
    if let Some(copy) = &ev.reading.stdin_copy {
        let _ = std::fs::remove_file(std::ffi::OsStr::from_bytes(copy));
    }
}

/// The jobserver named in the inherited MAKEFLAGS.
fn inherited_auth() -> Option<fairmake_jobserver::Auth> {
    let flags = std::env::var_os("MAKEFLAGS")?;
    fairmake_jobserver::parse_makeflags(flags.as_bytes())
        .ok()
        .flatten()
}

/// The inherited jobserver, when it is a pipe.
fn inherited_pipe_auth() -> Option<fairmake_jobserver::Auth> {
    inherited_auth().filter(|auth| matches!(auth, fairmake_jobserver::Auth::Pipe { .. }))
}

/// Its `--jobserver-auth=` word (`R,W` or `fifo:PATH`): a fifo only if
/// the path is one (any other is said when the jobserver is joined, and
/// make runs without it).
fn inherited_auth_word() -> Option<Vec<u8>> {
    use std::os::unix::fs::FileTypeExt;
    let auth = inherited_auth()?;
    if let fairmake_jobserver::Auth::Fifo(path) = &auth {
        let is_fifo = std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo());
        if !is_fifo {
            return None;
        }
    }
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

/// The initial variables, `--eval`s and the makefiles.
fn read_all(ev: &mut Evaluator, opts: &Options, argv0: &[u8], cwd: &[u8]) -> Result<(), Fatal> {
    initial::initial_variables(ev, opts, argv0, cwd)?;
    for text in &opts.evals {
        read::eval_text(ev, text)?;
    }
    keep_inherited_jobserver_private();
    if opts.debug.basic {
        print!("{}", options::version_text());
        crate::diag::out_line(format_args!("Reading makefiles..."));
    }
    makefiles::read_makefiles(ev, opts)?;
    crate::read::settle_every_file(&mut ev.db);
    // GNU checks what the makefiles said of special targets as part of
    // reading them: under -O its stop is said in the reading's block.
    check_special_targets(ev)
}

/// Everything after the makefiles are read: built-in rules, remaking
/// makefiles, choosing goals, and the build.
fn run_after_reading(
    ev: &mut Evaluator,
    builtin_variables_defined: bool,
    reading: ReadingBlock,
) -> Result<i32, Fatal> {
    // A serial make's -O groups nothing once the makefiles are read and
    // GNUMAKEFLAGS and MAKEFLAGS decoded (see `serial_output`): its block
    // ends with them, their warnings inside (GNU 4.4.1).
    let serial = ev.invocation.options.output_sync_in_effect() == options::OutputSync::None;
    reading.within(|| after_reading(ev, builtin_variables_defined))?;
    let reading = if serial {
        drop(reading);
        serial_output(&ev.invocation.options, options::OutputSync::None);
        ReadingBlock(None)
    } else {
        reading
    };
    let opts = &reading.within(|| {
        let opts = ev.invocation.options.clone();
        add_builtin_rules(ev, &opts)?;
        Ok(opts)
    })?;
    check_jobserver_style(opts)?;
    let jobs_from_command_line = opts.jobs.is_some() && opts.jobs_on_command_line;
    // The runner takes the real stdout (its -O lock), outside the block.
    let (runner, sync_mutex) = start_runner(ev, opts, jobs_from_command_line)?;
    // The search paths come after the implicit rules, as in GNU make (its
    // suffix-rule warning comes before VPATH's `$(info)`), and after the
    // jobserver: VPATH's expansion sees it in MAKEFLAGS, after its
    // warnings (GNU 4.4.1). Rules come only from the makefiles: one that
    // expanding VPATH defines (`$(eval a.x: b.x)`) comes too late.
    ev.db.rules_closed = true;
    reading.within(|| crate::plan::settle_search_paths(ev))?;
    drop(reading);
    if opts.debug.basic {
        crate::diag::out_line(format_args!("Updating makefiles...."));
    }
    let (runner, settled) = match remake::remake_makefiles(ev, runner)? {
        Remade::No(runner, settled) => (*runner, *settled),
        Remade::Yes => {
            // A sub-make given its own -j left its parent's jobserver: the
            // make it becomes again must not leave it (and say so) twice.
            let left_parent = jobs_from_command_line;
            drop(sync_mutex);
            return remake::restart(
                ev.reading.stdin_copy.as_deref(),
                opts.debug.basic,
                left_parent,
            );
        }
    };
    // (`No targets` stops make only now: what remaking the makefiles left
    // behind is cleaned up as at any stop.)
    let goals = goal_ids(ev, opts);
    // Not said when there is no goal to update (GNU 4.4.1).
    if opts.debug.basic && goals.is_ok() {
        crate::diag::out_line(format_args!("Updating goal targets...."));
    }
    let code = update_goals(ev, runner, settled, goals);
    drop(sync_mutex);
    code
}

/// What GNU does as soon as the makefiles are read, before anything is
/// made: the switches and variables they added.
/// `builtin_variables_defined`: no `-R` at start.
fn after_reading(ev: &mut Evaluator, builtin_variables_defined: bool) -> Result<(), Fatal> {
    // The variables a command line's MAKEFLAGS or GNUMAKEFLAGS holds count
    // as the environment's (GNU 4.4.1): a makefile's definition beats them,
    // except under -e.
    let env =
        crate::eval::vars::Origin::as_if_environment(ev.invocation.options.environment_overrides);
    let refers_to_overrides = ev.makeflags_refers_to_overrides();
    // GNU reads GNUMAKEFLAGS, then MAKEFLAGS, once the makefiles are
    // read: undefined (-R, `undefine`), each is an undefined variable like
    // any other, warned of as it is read (after GNUMAKEFLAGS's expansion).
    // (Decoding GNUMAKEFLAGS defines MAKEFLAGS: what the makefiles left
    // counts.)
    let makeflags_undefined = undefined(ev, "MAKEFLAGS");
    warn_undefined(undefined(ev, "GNUMAKEFLAGS"), "GNUMAKEFLAGS");
    let variables = ev.decode_gnumakeflags()?;
    read::define_makeflags_variables(ev, &variables, env)?;
    // The makefiles may have added switches through MAKEFLAGS.
    warn_undefined(makeflags_undefined, "MAKEFLAGS");
    let variables = ev.makeflags_after_reading(builtin_variables_defined, refers_to_overrides)?;
    read::define_makeflags_variables(ev, &variables, env)?;
    // (Defined again from MAKEFLAGS: not when it no longer holds SHELL.)
    let shell_named = variables
        .iter()
        .any(|a| crate::assignment::split_word(a).is_some_and(|(name, _, _)| name == b"SHELL"));
    initial::command_line_shell_for_recipes(ev, shell_named);
    if ev.db.export_all_variables {
        ev.child_env.export_all = true;
    }
    // `Entering directory` waits for make's first words (see `diag`).
    crate::diag::makefiles_read();
    Ok(())
}

/// Whether `--warn-undefined-variables` warns of a flag variable
/// (GNUMAKEFLAGS, MAKEFLAGS) make reads after the makefiles.
fn undefined(ev: &Evaluator, name: &str) -> bool {
    ev.invocation.options.warn_undefined_variables && ev.globals.get(name.as_bytes()).is_none()
}

/// The warning `undefined` asks for.
fn warn_undefined(undefined: bool, name: &str) {
    if undefined {
        diag::warn(None, format_args!("warning: undefined variable '{name}'"));
    }
}

/// The implicit rules: the makefiles' pattern rules settled, the suffix
/// rules converted, and the built-in ones after them (GNU manual, "Using
/// Implicit Rules"; `-r` leaves the built-in ones out). The global
/// `.EXTRA_PREREQS` is expanded on the way, as GNU does: for the files
/// before the suffix rules (whose prerequisites they count as), then each
/// target's own value, for the implicit rules after the suffix rules.
fn add_builtin_rules(ev: &mut Evaluator, opts: &Options) -> Result<(), Fatal> {
    let builtin_loc = crate::diag::Loc::nowhere();
    let files = ev.expand_global_value(b".EXTRA_PREREQS")?;
    let own = crate::plan::expand_own_extra_prereqs(ev)?;
    ev.db.settle_pattern_rules();
    let extra = !crate::words::trim(&files).is_empty();
    if !opts.no_builtin_rules {
        ev.db.enter_builtin_suffix_rules(&builtin_loc);
    }
    let suffixes_own = ev.db.lookup(b".SUFFIXES").and_then(|id| own.get(&id));
    let suffix_extras = ev.db.suffix_extras(&files, suffixes_own.map(|o| &o[..]));
    ev.db.convert_suffix_rules(extra, suffix_extras);
    if !opts.no_builtin_rules {
        ev.db.add_builtin_rules(&builtin_loc);
    }
    let rules = ev.expand_global_value(b".EXTRA_PREREQS")?;
    ev.reading.extra_prereqs = Some(crate::eval::ExtraPrereqs { files, rules, own });
    Ok(())
}

/// A bad `--jobserver-style` is an error only when there are jobs to share.
fn check_jobserver_style(opts: &Options) -> Result<(), Fatal> {
    if let Some(bad) = &opts.jobserver_style_invalid {
        if opts.jobs.is_some_and(|j| j != Some(1)) {
            return Err(Fatal::new(
                None,
                format!("unknown jobserver auth style '{}'", diag::show(bad)),
            ));
        }
    }
    Ok(())
}

/// The runner, with its job slots (a jobserver, new or inherited), the
/// signals it watches, and under `-O` the output lock, which is returned
/// to be kept until make ends.
fn start_runner(
    ev: &mut Evaluator,
    opts: &Options,
    jobs_from_command_line: bool,
) -> Result<(crate::exec::Runner, Option<crate::exec::sync_mutex::Owned>), Fatal> {
    let style = match opts.jobserver_style {
        Some(crate::options::JobserverStyle::Pipe) => fairmake_jobserver::Style::Pipe,
        Some(crate::options::JobserverStyle::Fifo) => fairmake_jobserver::Style::Fifo,
        None => fairmake_jobserver::Style::Both,
    };
    let env_makeflags = std::env::var_os("MAKEFLAGS")
        .map(|v| v.into_vec())
        .unwrap_or_default();
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
    )?;
    if opts.debug.verbose || opts.debug.jobs {
        if let Some(auth) = slots.controller() {
            let mut line = b"Using jobserver controller ".to_vec();
            line.extend_from_slice(&auth);
            diag::flushed_line(&line);
        }
    }
    ev.child_env.jobserver_words = slots.makeflags_words();
    ev.child_env.jobserver_child_words = slots.child_makeflags_words();
    let (sync_mutex, output_sync) = match output_sync_lock(ev, !slots.is_serial()) {
        Ok(owned) => (owned, opts.output_sync_in_effect()),
        Err(e) => {
            crate::exec::sync_mutex::say_suppressed(&e);
            (None, options::OutputSync::None)
        }
    };
    let mode = crate::exec::Mode {
        dry_run: opts.dry_run,
        touch: opts.touch,
        question: opts.question,
        keep_going: opts.keep_going,
        max_load: opts.load_average.flatten().filter(|l| *l > 0.0),
        output_sync,
        debug_jobs: opts.debug.jobs,
        shuffle: opts.shuffle_name(),
    };
    serial_output(opts, output_sync);
    // Recipes see the jobserver in $(MAKEFLAGS) too.
    ev.publish_makeflags();
    let mut runner = crate::exec::Runner::new(slots, mode, signals);
    watch_runner(ev, opts, &mut runner, sync_mutex.as_ref());
    Ok((runner, sync_mutex))
}

/// `-O` in a make that runs one job at a time (or without a lock file)
/// groups nothing (GNU): once the makefiles are read (their output was one
/// block), jobs print as they go, inside one `Entering`/`Leaving
/// directory` pair said when due.
fn serial_output(opts: &Options, in_effect: options::OutputSync) {
    if opts.output_sync == options::OutputSync::None || in_effect != options::OutputSync::None {
        return;
    }
    if let Some(dir) = diag::end_sync_directory() {
        let restarted = crate::diag::entered_before_restart();
        diag::defer_enter_directory(&dir, restarted);
        // As `after_reading` does without -O.
        diag::makefiles_read();
    }
}

/// What the runner removes if a signal ends make, and what it reports
/// (`--trace-json`, `--progress`).
fn watch_runner(
    ev: &mut Evaluator,
    opts: &Options,
    runner: &mut crate::exec::Runner,
    sync_mutex: Option<&crate::exec::sync_mutex::Owned>,
) {
    runner
        .remove_on_signal
        .extend(ev.reading.stdin_copy.clone());
    runner
        .remove_on_signal
        .extend(sync_mutex.map(crate::exec::sync_mutex::Owned::path));
    runner.trace = crate::trace::observe::recorder(ev, opts);
    runner.progress = (opts.progress && ev.invocation.level == 0).then(|| {
        crate::trace::progress::Progress::new(
            runner.trace.as_ref().map(|t| t.path()),
            &ev.invocation.cwd,
        )
    });
}

/// The goals: the command line's, or the default goal (GNU manual,
/// "Arguments to Specify the Goals"), in `--shuffle`'s order.
fn goal_ids(ev: &mut Evaluator, opts: &Options) -> Result<Vec<crate::rules::FileId>, Fatal> {
    let mut goal_names: Vec<Vec<u8>> = if opts.goals.is_empty() {
        vec![default_goal(ev)?]
    } else {
        opts.goals.clone()
    };
    // --shuffle orders the goals too.
    // (Not under .NOTPARALLEL, which keeps every order.)
    if !ev.db.not_parallel {
        crate::plan::shuffle::apply(&opts.shuffle, b"", &mut goal_names, |_| false);
    }
    Ok(goal_names
        .iter()
        .map(|g| ev.db.intern(&crate::read::rule_line::normalize_name(g)))
        .collect())
}

/// Brings the goals up to date; returns the exit status.
fn update_goals(
    ev: &mut Evaluator,
    runner: crate::exec::Runner,
    settled: crate::plan::Settled,
    goals: Result<Vec<crate::rules::FileId>, Fatal>,
) -> Result<i32, Fatal> {
    let goal_is_default = ev.invocation.options.goals.is_empty();
    let mut planner = crate::plan::Planner::new(ev, runner);
    planner.goal_is_default = goal_is_default;
    // Files made or checked while remaking makefiles are not looked at again.
    planner.resume(settled);
    let result = goals.and_then(|goals| planner.run_goals(&goals));
    if let Err(fatal) = &result {
        // Let running jobs finish before stopping, as GNU does; then the
        // intermediate files made so far are deleted, as at a normal end.
        fatal.print();
        planner.finish_running();
        planner.runner.finish_jobserver();
        planner.delete_intermediates();
    }
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
        Err(_) => Ok(2),
    }
}

/// Under `-O`: the lock that keeps output blocks whole across the makes of
/// the build, inherited or, in a parallel top-level make, created here and
/// named in MAKEFLAGS (`--sync-mutex=`). Returns the file to remove at exit
/// when this make created it; an error when none could be made.
fn output_sync_lock(
    ev: &mut Evaluator,
    parallel: bool,
) -> std::io::Result<Option<crate::exec::sync_mutex::Owned>> {
    let sync = ev.invocation.options.output_sync_in_effect();
    if sync == options::OutputSync::None {
        return Ok(None);
    }
    let inherited = ev.invocation.options.sync_mutex.clone();
    // GNU 4.4.1 makes the file under -Orecurse too, serial or not (so an
    // unwritable TMPDIR turns output sync off), but names no mutex in
    // MAKEFLAGS then: a make's output is all its parent's to write.
    let recurse = sync == options::OutputSync::Recurse;
    let (value, owned) = crate::exec::sync_mutex::setup(inherited.as_deref(), parallel || recurse)?;
    if recurse {
        return Ok(None);
    }
    if value != inherited {
        Rc::make_mut(&mut ev.invocation.options).sync_mutex = value;
    }
    Ok(owned)
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
/// (it may be `$N`, or recursive) and globbed, which must name one target.
/// With none, whether a makefile was found is what MAKEFILE_LIST holds
/// as written, as GNU has it: empty (a command line's `MAKEFILE_LIST=`)
/// or undefined is no makefile.
fn default_goal(ev: &mut Evaluator) -> Result<Vec<u8>, Fatal> {
    let mut default = Vec::new();
    ev.expand_own_var(b".DEFAULT_GOAL", &mut default)?;
    // The target that set it may have blanks in its name (`a\ b:`), even
    // last (`$(objs):` with objs `a\`).
    let first_target = ev.db.first_target.map(|id| ev.db.file(id).name);
    if first_target == Some(&default[..]) {
        return Ok(default);
    }
    let default = crate::words::trim(&default).to_vec();
    if first_target == Some(&default[..]) {
        return Ok(default);
    }
    // Its words are names as a rule's are: a blank escaped with `\` is
    // kept in one (`a\ b` is one goal), and they are globbed (`x*`).
    let names = crate::read::name_words(&default)
        .into_iter()
        .map(std::borrow::Cow::into_owned)
        .collect();
    let names = crate::read::glob_names(ev, names);
    let mut words = names.iter();
    match (words.next(), words.next()) {
        (Some(goal), None) => Ok(goal.to_vec()),
        (Some(_), Some(_)) => Err(Fatal::new(
            None,
            ".DEFAULT_GOAL contains more than one target",
        )),
        (None, _)
            if ev
                .global_value(b"MAKEFILE_LIST")
                .is_some_and(|v| !v.is_empty()) =>
        {
            Err(Fatal::new(None, "No targets"))
        }
        (None, _) => Err(Fatal::new(
            None,
            "No targets specified and no makefile found",
        )),
    }
}

/// The value the command line's assignments give `MAKELEVEL`, as written
/// (GNU 4.4.1 takes the level from it: `make MAKELEVEL=1` prints
/// `Entering directory` and its sub-makes are at level 2), starting from
/// the environment's; `None` when the command line assigns none. A `!=`
/// is not run here.
fn command_line_level(variables: &[Vec<u8>]) -> Option<Vec<u8>> {
    use crate::assignment::{find_operator, AssignOp};
    let mut value: Option<Vec<u8>> = std::env::var_os("MAKELEVEL").map(OsStringExt::into_vec);
    let mut assigned = false;
    for word in variables {
        let Some((start, op, end)) = find_operator(word) else {
            continue;
        };
        let name = crate::words::trim(&word[..start]);
        if name != b"MAKELEVEL" {
            continue;
        }
        let text = word[end..].trim_ascii_start().to_vec();
        value = match (op, value) {
            (AssignOp::Shell, old) => old,
            (AssignOp::Conditional, Some(old)) => Some(old),
            (AssignOp::Append, Some(old)) => Some([old, b" ".to_vec(), text].concat()),
            _ => Some(text),
        };
        assigned = true;
    }
    value.filter(|_| assigned)
}

/// `MAKELEVEL` read as C's `atoi` reads it, as GNU does: leading blanks, a
/// sign, the digits up to the first other byte (`2 x.o` is 2), wrapping
/// to a C `int`; nothing or a negative level is 0.
fn makelevel(text: &[u8]) -> u32 {
    let text = text.trim_ascii_start();
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text),
    };
    let mut value: i64 = 0;
    for &b in digits.iter().take_while(|b| b.is_ascii_digit()) {
        value = value.wrapping_mul(10).wrapping_add(i64::from(b - b'0'));
    }
    let value = if negative {
        value.wrapping_neg()
    } else {
        value
    } as i32;
    u32::try_from(value).unwrap_or(0)
}
