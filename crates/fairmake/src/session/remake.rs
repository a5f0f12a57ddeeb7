//! Remaking the makefiles (GNU manual, "How Makefiles Are Remade"): once
//! the makefiles are read, each of them, and each missing include, is a
//! goal before the command line's goals; when one of them changed, make
//! starts over from the top (`restart`), in the directory it started in.

use rustc_hash::FxHashSet;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::rc::Rc;

use crate::diag::{self, Fatal, Loc};
use crate::eval::{Evaluator, MissingInclude};
use crate::exec::Runner;
use crate::plan::{DontCare, Planner, Settled};
use crate::rules::{File, FileId};

/// What remaking the makefiles did.
pub(super) enum Remade {
    /// Nothing changed: go on with the goals, on the same runner, knowing
    /// the files already brought up to date.
    No(Box<Runner>, Box<Settled>),
    /// A makefile changed: make must start again.
    Yes,
}

/// The makefiles to remake, and what is known of each before trying.
#[derive(Default)]
struct MakefileGoals<'m> {
    /// Each time a makefile was named (read or found missing), in that
    /// order once sorted, as GNU remakes them: a makefile named twice is a
    /// goal twice, each time with its own `include` line and its own
    /// "don't care".
    goals: Vec<MakefileGoal<'m>>,
    /// The missing includes' notes (`file:line: name: No such file or
    /// directory`), one a makefile, said with their error.
    notes: Vec<(FileId, Vec<u8>, String)>,
    /// Makefiles that are there but could not be read.
    unreadable: FxHashSet<FileId>,
}

/// One naming of a makefile.
struct MakefileGoal<'m> {
    id: FileId,
    /// Its place: (makefiles read before it, 0 for a missing one and 1 for
    /// one read).
    place: (usize, u8),
    /// Named by `-include`, MAKEFILES or as a default name: its failure
    /// is quiet, and so is that of what is first tried for it
    /// (`plan::DontCare`).
    optional: bool,
    /// How it was named, when it was not found then.
    missing: Option<&'m MissingInclude>,
    /// The `include` line that named it (none for `-f`, MAKEFILES and the
    /// default names).
    loc: Option<Loc>,
}

impl MakefileGoals<'_> {
    /// Puts the goals in naming order.
    fn sort(&mut self) {
        self.goals.sort_by_key(|g| g.place);
    }

    fn ids(&self) -> Vec<FileId> {
        self.goals.iter().map(|g| g.id).collect()
    }
}

/// What updating the makefiles left behind.
struct Updated {
    /// How it ended, all said already.
    outcome: Outcome,
    /// Whether a makefile changed (or appeared).
    changed: bool,
    runner: Runner,
    settled: Settled,
}

/// How remaking the makefiles ended.
enum Outcome {
    /// Every makefile whose failure counts is up to date.
    Fine,
    /// Some failed, and make goes no further than starting over, if
    /// another changed: under -k, or when nobody said why (the recipe ran
    /// for an optional makefile). The exit status.
    Failed(i32),
    /// An error stopped make at once (no -k): no starting over.
    Stopped(i32),
}

/// Every makefile read, and every missing include, is a goal first (GNU's
/// "remaking makefiles"): `-n`, `-q` and `-t` do not apply to them.
pub(super) fn remake_makefiles(ev: &mut Evaluator, mut runner: Runner) -> Result<Remade, Fatal> {
    let missing = std::mem::take(&mut ev.reading.missing_includes);
    let mut makefiles = MakefileGoals::default();
    add_makefiles_read(ev, &mut makefiles);
    add_missing_makefiles(ev, &missing, &mut makefiles)?;
    makefiles.sort();
    if makefiles.goals.is_empty() {
        return Ok(Remade::No(Box::new(runner), Box::default()));
    }
    // -n, -q and -t do not apply to remaking makefiles: GNU turns them off
    // meanwhile, so the recipes' MAKEFLAGS and MFLAGS lack them too. -O, -l
    // and --shuffle do apply, and --debug=j with --debug=m only (GNU's
    // debugging is off while makefiles are remade unless it covers them).
    // A makefile that is a goal on the command line too is remade under
    // -n as any goal is: its commands are shown, not run; under -t it is
    // touched (said only with -n too).
    let goal_makefiles: Vec<FileId> = {
        let goals = &ev.invocation.options.goals;
        let ids = makefiles.ids();
        goals
            .iter()
            .filter_map(|g| ev.db.lookup(g))
            .filter(|id| ids.contains(id))
            .collect()
    };
    let pretended = PretendedMakefiles {
        dry_run: if runner.mode.dry_run {
            goal_makefiles.clone()
        } else {
            Vec::new()
        },
        touch: if runner.mode.touch {
            goal_makefiles.clone()
        } else {
            Vec::new()
        },
        question: if runner.mode.question {
            goal_makefiles
        } else {
            Vec::new()
        },
    };
    let saved_mode = runner.mode.clone();
    runner.mode.dry_run = false;
    runner.mode.touch = false;
    runner.mode.question = false;
    runner.mode.debug_jobs &= ev.invocation.options.debug.makefile;
    let saved_options = ev.invocation.options.clone();
    let mut options = (*saved_options).clone();
    options.dry_run = false;
    options.touch = false;
    options.question = false;
    ev.invocation.options = Rc::new(options);
    ev.publish_makeflags();
    let mut updated = update_makefiles(ev, runner, makefiles, saved_options.clone(), pretended);
    updated.runner.mode = saved_mode;
    ev.invocation.options = saved_options;
    ev.publish_makeflags();
    match updated.outcome {
        Outcome::Stopped(code) => Err(Fatal::silent(code)),
        // A makefile that changed makes make start over even when another
        // failed (it may need what changed), as GNU 4.4.1 does.
        _ if updated.changed => {
            updated.runner.finish_jobserver();
            Ok(Remade::Yes)
        }
        Outcome::Failed(code) => Err(Fatal::silent(code)),
        Outcome::Fine => Ok(Remade::No(
            Box::new(updated.runner),
            Box::new(updated.settled),
        )),
    }
}

/// The makefiles that are goals on the command line too, to which -n, -t
/// or -q apply while makefiles are remade.
struct PretendedMakefiles {
    dry_run: Vec<FileId>,
    touch: Vec<FileId>,
    question: Vec<FileId>,
}

/// A phony makefile, or one with a `::` rule that has a recipe but no
/// prerequisites, would be remade on every run (and make would never stop
/// starting over): GNU leaves those alone. A `::` rule without a recipe
/// runs nothing, so it does not count (the manual says "with a recipe").
fn always_remade(file: &File) -> bool {
    file.phony
        || file
            .double_colon()
            .iter()
            .any(|r| r.deps.is_empty() && r.recipe.is_some())
}

/// The makefiles read; implicit rules may remake them too, so each is a
/// goal whether or not it has a rule. Those make opened, not what the
/// `MAKEFILE_LIST` variable says at the end: a makefile or the command
/// line may have assigned it (GNU keeps its own list too). Failing to
/// remake one named by `-include` or MAKEFILES goes unsaid, as its absence
/// would; the others' failure is an error.
fn add_makefiles_read(ev: &mut Evaluator, makefiles: &mut MakefileGoals) {
    let list = std::mem::take(&mut ev.reading.makefiles_read);
    for (i, read) in list.into_iter().enumerate() {
        let id = ev.db.intern(&read.name);
        if always_remade(ev.db.file(id)) {
            continue;
        }
        makefiles.goals.push(MakefileGoal {
            id,
            place: (i, 1),
            optional: read.optional,
            missing: None,
            loc: read.loc,
        });
    }
}

/// The makefiles that were not found: each is a goal, which a rule may
/// make. A required one that nothing can make stops make here.
fn add_missing_makefiles<'m>(
    ev: &mut Evaluator,
    missing: &'m [MissingInclude],
    makefiles: &mut MakefileGoals<'m>,
) -> Result<(), Fatal> {
    let mut unmakeable = false;
    for m in missing {
        let id = ev.db.intern(&m.name);
        let file = ev.db.file(id);
        // Not remade (it would be, on every run): a missing one stays missing.
        if always_remade(file) {
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
            makefiles.unreadable.insert(id);
        }
        makefiles.goals.push(MakefileGoal {
            id,
            place: (m.after_read, 0),
            optional: m.optional,
            missing: Some(m),
            loc: m.loc.clone(),
        });
        if !m.optional {
            if m.loc.is_none() {
                // A `-f` makefile that is missing is said at once, before
                // anything is remade; includes wait until their error.
                eprint!("{}", missing_line(m));
            } else if !makefiles.notes.iter().any(|n| n.0 == id) {
                // Included twice, it is noted once, where it was first
                // named (by `-include` too).
                let first = missing.iter().find(|f| f.name == m.name).unwrap_or(m);
                makefiles
                    .notes
                    .push((id, m.name.clone(), missing_line(first)));
            }
        }
    }
    if unmakeable {
        return Err(Fatal::silent(2));
    }
    Ok(())
}

/// Runs the planner on the makefiles, as goals.
fn update_makefiles(
    ev: &mut Evaluator,
    runner: Runner,
    makefiles: MakefileGoals,
    user_options: Rc<crate::options::Options>,
    pretended: PretendedMakefiles,
) -> Updated {
    let serial = runner.is_serial();
    let goals = makefiles.ids();
    let notes = makefiles.notes;
    for &g in &goals {
        // All of them, before any is made (`run_noting_each` makes them in
        // turns).
        ev.db.file_mut(g).entered = true;
    }
    // The command line's goals are known to make before any makefile is
    // read: they ought to exist (compatibly) for the implicit rules that
    // remake a makefile, as in GNU 4.4.1.
    for goal in ev.invocation.options.goals.clone() {
        let id = ev.db.intern(&crate::read::rule_line::normalize_name(&goal));
        ev.db.file_mut(id).entered = true;
    }
    // -B remakes the makefiles only when make started with it (the command
    // line, the environment's MAKEFLAGS), not when the MAKEFLAGS variable
    // brought it (a makefile, `make MAKEFLAGS=B`), as GNU 4.4.1 and 4.3
    // do; and not after a restart, or make would remake them and restart
    // forever.
    let always_make =
        ev.switches_at_start().always_make && std::env::var_os("MAKE_RESTARTS").is_none();
    let mut planner = Planner::new(ev, runner);
    planner.makefiles_phase = true;
    planner.makefiles_always_make = always_make;
    planner.dont_care = DontCare::for_goals(makefiles.goals.iter().map(|g| g.optional).collect());
    planner.unreadable = makefiles.unreadable;
    planner.dry_run_makefiles = pretended.dry_run;
    planner.touch_makefiles = pretended.touch;
    planner.question_makefiles = pretended.question;
    planner.watched = goals.clone();
    diag::set_missing_notes(
        notes
            .iter()
            .map(|(_, n, l)| (n.clone(), l.clone()))
            .collect(),
    );
    let result = if serial && !notes.is_empty() {
        let optional: Vec<bool> = makefiles.goals.iter().map(|g| g.optional).collect();
        run_noting_each(&mut planner, &goals, &optional, &notes)
    } else {
        // In parallel the makefiles are made together: an error is about
        // the makefile looked at when it is met, a job's failure about the
        // one the job was started for. (GNU 4.4.1 says instead the note
        // of the last makefile it looked at before waiting, whichever job
        // failed: not the makefile that failed, as its manual has it.)
        planner.noted_goals = noted_goals(&makefiles.goals, &notes);
        planner.run_goals(&goals)
    };
    if result.is_ok() {
        // (An error still to be printed keeps the notes.)
        diag::set_missing_notes(Vec::new());
    }
    planner.unsettle_questioned_makefiles();
    let outcome = outcome(&mut planner, result, &makefiles.goals);
    let changed = makefiles
        .goals
        .iter()
        .any(|g| changed_for_restart(&mut planner, g));
    // The intermediate files made for any makefile go once all is said,
    // as GNU deletes them: after its last words if it stops, before it
    // starts over, else at its end with the goals' own. Giving up after
    // -k let it go on, make deletes them as the user's -n, -t or -q
    // says (said only, or kept), as GNU 4.4.1 does.
    match outcome {
        Outcome::Stopped(_) => planner.delete_intermediates(),
        Outcome::Failed(_) => planner.delete_intermediates_as_user(user_options),
        Outcome::Fine if changed => planner.delete_intermediates_as_user(user_options),
        Outcome::Fine => {}
    }
    let (runner, settled) = planner.into_settled();
    Updated {
        outcome,
        changed,
        runner,
        settled,
    }
}

/// Whether making this makefile changed it so that make starts over: only
/// a makefile that changed (appeared, or was deleted) does, not one a
/// recipe left as it was. One that failed counts only if it is required
/// and still there: a failed recipe that deleted it leaves nothing to read
/// again, and make says it failed and stops (GNU 4.4.1).
fn changed_for_restart(planner: &mut Planner<Runner>, goal: &MakefileGoal) -> bool {
    if !planner.changed_by_recipes(goal.id) {
        return false;
    }
    if !planner.has_failed(goal.id) {
        return true;
    }
    !goal.optional && planner.mtime_now(goal.id).is_some()
}

/// For each goal, the name of its note if it is a required missing
/// makefile with one (a makefile named twice has its note from the first
/// naming, said once).
fn noted_goals(
    goals: &[MakefileGoal],
    notes: &[(FileId, Vec<u8>, String)],
) -> Vec<Option<Vec<u8>>> {
    goals
        .iter()
        .map(|g| {
            let note = notes.iter().find(|n| n.0 == g.id)?;
            (!g.optional && g.missing.is_some()).then(|| note.1.clone())
        })
        .collect()
}

/// How remaking the makefiles ended, said: an error that stops make (the
/// jobs still running finish first), or each required makefile that failed
/// when no error said so (still missing after a recipe run for an optional
/// makefile), or under -k each one that failed.
fn outcome(
    planner: &mut Planner<Runner>,
    result: Result<i32, Fatal>,
    goals: &[MakefileGoal],
) -> Outcome {
    let keep_going = planner.ev.invocation.options.keep_going;
    match result {
        Err(fatal) => {
            fatal.print();
            planner.finish_running();
            Outcome::Stopped(fatal.silent_code().unwrap_or(2))
        }
        Ok(code) if code != 0 && !keep_going => Outcome::Stopped(code),
        Ok(code) => {
            let failed = failed_required(planner, goals, code == 0 && !planner.said_uncounted);
            for (name, loc) in &failed {
                failed_to_remake(name, loc.as_ref());
            }
            match (failed.is_empty(), code) {
                (true, 0) => Outcome::Fine,
                (true, code) => Outcome::Failed(code),
                (false, _) => Outcome::Failed(2),
            }
        }
    }
}

/// Each naming of a makefile whose failure is an error, where it failed,
/// in the order they were named, with its `include` line: still missing
/// (the `include` line as written); or, when some error was said (-k),
/// read and failed to remake. Without an error (`quiet_only`), a required
/// makefile can only be missing because what would have made it failed
/// quietly, for an optional one. An error said under -k that leaves the
/// exit status alone is an error here (a read `Makefile` needing what
/// failed so beneath an optional makefile's walk, GNU 4.4.1 and 4.3).
fn failed_required(
    planner: &Planner<Runner>,
    goals: &[MakefileGoal],
    quiet_only: bool,
) -> Vec<(Vec<u8>, Option<Loc>)> {
    goals
        .iter()
        .filter(|g| !g.optional)
        .filter_map(|g| {
            let name = planner.ev.db.file(g.id).name;
            match g.missing {
                // One whose recipe failed failed, even if it left the file.
                Some(m) if planner.has_failed(g.id) => Some((m.name.clone(), g.loc.clone())),
                // One made without failing (a `.DEFAULT` or empty recipe
                // that left no file) is no failure (GNU 4.4.1).
                Some(m) => (!quiet_only
                    && !planner.is_done(g.id)
                    && crate::fscache::mtime_now(name).is_none())
                .then(|| (m.name.clone(), g.loc.clone())),
                None => (!quiet_only && planner.has_failed(g.id))
                    .then(|| (name.to_vec(), g.loc.clone())),
            }
        })
        .collect()
}

/// Makes the makefiles one after the other, as GNU does, each missing
/// include alone with its note: GNU says "name: No such file or directory"
/// just before the first error printed while that makefile is the goal
/// being made, and not at all when it never gets there (an earlier
/// makefile failed and there is no `-k`) or no error is printed while it
/// is made (what it needs failed before, for another makefile). The
/// makefiles without a note between them are made in one run, as all of
/// them are when there is no note. A makefile is made for its first
/// naming: named by `-include` or MAKEFILES first (`optional`, one per
/// goal), its errors go without the note, which waits for the naming that
/// requires it (GNU 4.4.1).
fn run_noting_each(
    planner: &mut Planner<Runner>,
    goals: &[FileId],
    optional: &[bool],
    notes: &[(FileId, Vec<u8>, String)],
) -> Result<i32, Fatal> {
    let note_of = |i: usize| {
        let found = notes.iter().find(|n| n.0 == goals[i]);
        found.filter(|_| !optional.get(i).copied().unwrap_or(false))
    };
    let mut code = 0;
    let mut at = 0;
    while at < goals.len() {
        let (end, note) = match note_of(at) {
            Some((_, name, _)) => (at + 1, Some(name.clone())),
            None => {
                let next = (at..goals.len()).position(|i| note_of(i).is_some());
                (next.map_or(goals.len(), |n| at + n), None)
            }
        };
        let segment = &goals[at..end];
        at = end;
        diag::set_current_makefile(note.as_deref());
        code = planner.run_goals(segment)?;
        if code != 0 && !planner.ev.invocation.options.keep_going {
            break;
        }
    }
    Ok(code)
}

fn failed_to_remake(name: &[u8], loc: Option<&Loc>) {
    diag::warn(
        loc,
        format_args!("Failed to remake makefile '{}'.", diag::show(name)),
    );
}

/// The note for a missing makefile: `file:line: name: No such file or
/// directory`, or `make: name: ...` for a `-f` one.
fn missing_line(m: &MissingInclude) -> String {
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

fn print_missing(m: &MissingInclude) {
    let text = m
        .error
        .map(|c| crate::diag::io_error_text(&std::io::Error::from_raw_os_error(c)))
        .unwrap_or_default();
    diag::warn(
        m.loc.as_ref(),
        format_args!("{}: {text}", diag::show(&m.name)),
    );
}

/// The directory make was started in (restarts go back there before `-C`).
static START_DIR: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

/// Remembers the directory make was started in, for `restart`; returns
/// it (said around a failed `-C`).
pub(super) fn note_start_dir() -> Vec<u8> {
    use std::os::unix::ffi::OsStringExt;
    let Ok(dir) = std::env::current_dir() else {
        return Vec::new();
    };
    let _ = START_DIR.set(dir.clone());
    dir.into_os_string().into_vec()
}

/// `MAKE_RESTARTS` for the next make: the count, signed `-` when this make
/// said `Entering directory` so that the next does not say it again.
fn restarts_value(count: u32) -> String {
    let sign = if crate::diag::entered() { "-" } else { "" };
    format!("{sign}{count}")
}

/// Starts make again from the top, in the directory it started in, with
/// `MAKE_RESTARTS` counting the restarts.
pub(super) fn restart(
    stdin_copy: Option<&[u8]>,
    debug_basic: bool,
    left_parent_jobserver: bool,
) -> Result<i32, Fatal> {
    use std::os::unix::process::CommandExt;
    let restarts: u32 = std::env::var("MAKE_RESTARTS")
        .ok()
        .and_then(|v| v.trim_start_matches('-').parse().ok())
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
    let args = restart_args(args.collect(), stdin_copy);
    if debug_basic {
        let words: Vec<String> = std::iter::once(argv0.clone())
            .chain(args.iter().cloned())
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        crate::diag::out_line(format_args!(
            "Re-executing[{}]: {}",
            restarts + 1,
            words.join(" ")
        ));
        let _ = std::io::stdout().flush();
    }
    let mut command = std::process::Command::new(&exe);
    command
        .arg0(argv0)
        .args(args)
        .env("MAKE_RESTARTS", restarts_value(restarts + 1));
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

/// The arguments make starts again with: its own, with the makefile from
/// standard input read again from its copy (`--temp-stdin=FILE` in the
/// place of the `-f -`, as GNU 4.4.1 writes it).
fn restart_args(
    args: Vec<std::ffi::OsString>,
    stdin_copy: Option<&[u8]>,
) -> Vec<std::ffi::OsString> {
    let Some(copy) = stdin_copy else {
        return args;
    };
    if args
        .iter()
        .any(|a| a.as_bytes().starts_with(b"--temp-stdin="))
    {
        return args;
    }
    let temp = [&b"--temp-stdin="[..], copy].concat();
    let words: Vec<Vec<u8>> = args.into_iter().map(|a| a.into_vec()).collect();
    let words = match crate::options::replace_stdin_makefile(&words, &temp) {
        Some(replaced) => replaced,
        None => words.into_iter().chain(std::iter::once(temp)).collect(),
    };
    words
        .into_iter()
        .map(std::ffi::OsString::from_vec)
        .collect()
}

/// MAKEFLAGS without the words that name a jobserver.
fn without_jobserver_auth(flags: &[u8]) -> std::ffi::OsString {
    let kept: Vec<&[u8]> = flags
        .split(|&b| b == b' ')
        .filter(|w| !fairmake_jobserver::is_jobserver_word(w))
        .collect();
    std::ffi::OsString::from_vec(kept.join(&b' '))
}
