//! Diagnostics in GNU make's wording: the program name, `file:line:` locations,
//! fatal errors (`*** ...  Stop.`) and warnings.

use std::fmt;
use std::io::Write;
use std::rc::Rc;
use std::sync::OnceLock;

static PROGRAM: OnceLock<String> = OnceLock::new();
/// Set from the environment at start, and again once the command line's
/// assignments are known (`make MAKELEVEL=2`).
static LEVEL: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// The GNU make release whose behaviour and messages fairmake matches
/// (`MAKE_VERSION`, `--version`, `-p`).
pub const EMULATED_VERSION: &str = "4.4.1";

/// The text of an I/O error as C's strerror gives it.
pub fn io_error_text(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(code) => {
            // SAFETY: strerror returns a valid C string for any errno value.
            let text = unsafe { std::ffi::CStr::from_ptr(libc::strerror(code)) };
            text.to_string_lossy().into_owned()
        }
        None => e.to_string(),
    }
}

/// Records the name the binary was invoked as (basename of argv[0]) and MAKELEVEL.
pub fn set_program(name: &str, level: u32) {
    let _ = PROGRAM.set(name.to_string());
    set_level(level);
}

/// Records MAKELEVEL, which the prefix shows.
pub fn set_level(level: u32) {
    LEVEL.store(level, std::sync::atomic::Ordering::Relaxed);
}

/// `make` or `make[2]`: the prefix GNU puts before messages.
pub fn prefix() -> String {
    let name = program_name();
    match LEVEL.load(std::sync::atomic::Ordering::Relaxed) {
        0 => name.to_string(),
        n => format!("{name}[{n}]"),
    }
}

/// The name make was invoked as, without the `[LEVEL]`.
pub fn program_name() -> &'static str {
    PROGRAM.get().map(String::as_str).unwrap_or("make")
}

/// Where a makefile construct came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loc {
    pub file: Rc<[u8]>,
    pub line: u32,
}

impl Loc {
    /// No place: a built-in rule's, or a variable's defined on the command
    /// line or built in. A recipe's error line says `<builtin>` for it.
    pub fn nowhere() -> Loc {
        thread_local! {
            static BUILTIN: Rc<[u8]> = Rc::from(&b"<builtin>"[..]);
        }
        Loc {
            file: BUILTIN.with(Rc::clone),
            line: 0,
        }
    }

    pub fn is_nowhere(&self) -> bool {
        self.line == 0 && *self.file == *b"<builtin>"
    }

    /// The place a diagnostic names: none for [`Loc::nowhere`] (what
    /// expanding a built-in recipe says is `make: ...` in GNU's words).
    fn said(loc: Option<&Loc>) -> Option<&Loc> {
        loc.filter(|l| !l.is_nowhere())
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", bstr::BStr::new(&self.file[..]), self.line)
    }
}

/// An error that stops make (exit status 2 unless said otherwise).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fatal {
    pub loc: Option<Loc>,
    pub message: String,
    /// A target's failure (`No rule to make target 'x'`), which the notes
    /// of missing makefiles come before (see [`set_missing_notes`]); a
    /// stop in expansion or reading (`unterminated variable reference`)
    /// is not.
    pub target_failure: bool,
}

impl Fatal {
    pub fn new(loc: Option<&Loc>, message: impl Into<String>) -> Fatal {
        Fatal {
            loc: loc.cloned(),
            message: message.into(),
            target_failure: false,
        }
    }

    /// A target that could not be made stops make.
    pub fn target_failure(message: impl Into<String>) -> Fatal {
        Fatal {
            target_failure: true,
            ..Fatal::new(None, message)
        }
    }

    /// A stop whose messages were already printed; `code` is the exit status.
    pub fn silent(code: i32) -> Fatal {
        Fatal::new(None, format!("\0{code}"))
    }

    /// The exit status of a silent stop.
    pub fn silent_code(&self) -> Option<i32> {
        self.message.strip_prefix('\0').and_then(|c| c.parse().ok())
    }

    /// Prints the stop now (inside an output block, say); what is left is
    /// a silent stop with the same exit status.
    pub fn said(self) -> Fatal {
        self.print();
        Fatal::silent(self.silent_code().unwrap_or(2))
    }

    /// Prints `file:line: *** message.  Stop.` or `make: *** message.  Stop.`.
    pub fn print(&self) {
        if self.silent_code().is_some() {
            return;
        }
        if self.target_failure {
            flush_preamble();
        }
        let line = match Loc::said(self.loc.as_ref()) {
            Some(loc) => format!("{loc}: *** {}.  Stop.\n", self.message),
            None => format!("{}: *** {}.  Stop.\n", prefix(), self.message),
        };
        write_whole(&line);
    }
}

pub type Result<T> = std::result::Result<T, Fatal>;

/// Prints `file:line: message` (or `make: message`) to stderr.
pub fn warn(loc: Option<&Loc>, message: impl fmt::Display) {
    let line = match Loc::said(loc) {
        Some(loc) => format!("{loc}: {message}\n"),
        None => format!("{}: {message}\n", prefix()),
    };
    write_whole(&line);
}

/// Prints a `make: *** message` error line that does not stop make.
pub fn error_line(message: impl fmt::Display) {
    let message = message.to_string();
    flush_preamble();
    write_whole(&format!("{}: *** {message}\n", prefix()));
}

/// A `make: *** message` line that is no error of a target (`Deleting
/// file 'x'`): the notes of missing makefiles wait for the error that
/// follows (GNU 4.4.1 deletes a signalled job's target before it says how
/// the job ended, and says the note with the latter).
pub fn notice_line(message: impl fmt::Display) {
    write_whole(&format!("{}: *** {message}\n", prefix()));
}

/// A `make: [place: target] Error 1 (ignored)` line: an error all the
/// same, which the notes of missing makefiles come before (GNU 4.4.1).
pub fn ignored_error_line(message: impl fmt::Display) {
    let message = message.to_string();
    flush_preamble();
    write_whole(&format!("{}: {message}\n", prefix()));
}

/// `make: *** Waiting for unfinished jobs....`: no target's failure, so
/// the notes of missing makefiles still wait (GNU says them with the
/// error about their makefile, not here).
pub fn waiting_for_jobs() {
    write_whole(&format!(
        "{}: *** Waiting for unfinished jobs....\n",
        prefix()
    ));
}

/// The notes of the missing makefiles (`file:line: name: No such file or
/// directory`) while makefiles are remade, and which makefile each error
/// is about.
#[derive(Default)]
struct MissingNotes {
    /// Each missing makefile's name and note, until said.
    notes: Vec<(Vec<u8>, String)>,
    /// The makefile being made (its note's name; none for a makefile
    /// without a note).
    current: Option<Vec<u8>>,
    /// The jobs started, each with the makefile it was started for.
    owners: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    /// The target of the failed job being said.
    failed_job: Option<Vec<u8>>,
}

thread_local! {
    static MISSING_NOTES: std::cell::RefCell<MissingNotes> = std::cell::RefCell::new(MissingNotes::default());
}

/// While makefiles are remade: `notes` (a missing makefile's name, its
/// note) are said, once, just before the first error about a target
/// (`No rule to make target 'x'`, `[...: x] Error 1`, ignored too) made
/// for their makefile: the manual's "make diagnoses the missing makefile"
/// once it failed to remake it. A stop that is no target's failure (an
/// expansion's `*** unterminated variable reference.  Stop.`, even in a
/// makefile's recipe) goes without them, as in GNU.
pub fn set_missing_notes(notes: Vec<(Vec<u8>, String)>) {
    MISSING_NOTES.with(|m| {
        *m.borrow_mut() = MissingNotes {
            notes,
            ..MissingNotes::default()
        }
    });
}

/// The makefile being made from now on is `name` (none: one without a
/// note): the errors said while it is looked at are about it.
pub fn set_current_makefile(name: Option<&[u8]>) {
    MISSING_NOTES.with(|m| m.borrow_mut().current = name.map(<[u8]>::to_vec));
}

/// A job for `target` starts, for the makefile being made: its failure is
/// about that makefile, even when said while make looks at another one
/// (under -j).
pub fn note_job_started(target: &[u8]) {
    MISSING_NOTES.with(|m| {
        let mut m = m.borrow_mut();
        if m.notes.is_empty() {
            return;
        }
        let current = m.current.clone();
        m.owners.push((target.to_vec(), current));
    });
}

/// Says `say`, the failure of the job for `target`.
pub fn about_failed_job(target: &[u8], say: impl FnOnce()) {
    MISSING_NOTES.with(|m| m.borrow_mut().failed_job = Some(target.to_vec()));
    say();
    MISSING_NOTES.with(|m| m.borrow_mut().failed_job = None);
}

/// The makefile `name` was remade: its note is not said (a recipe that
/// made it and then failed still has it said, as GNU does).
pub fn drop_preamble_note(name: &[u8]) {
    MISSING_NOTES.with(|m| m.borrow_mut().notes.retain(|(n, _)| n != name));
}

/// Says the note of the makefile the error being said is about, if it is
/// still due.
fn flush_preamble() {
    let note = MISSING_NOTES.with(|m| {
        let mut m = m.borrow_mut();
        let owner = match &m.failed_job {
            Some(target) => m
                .owners
                .iter()
                .rev()
                .find(|(t, _)| t == target)
                .map_or_else(|| m.current.clone(), |(_, o)| o.clone()),
            None => m.current.clone(),
        }?;
        let at = m.notes.iter().position(|(n, _)| *n == owner)?;
        Some(m.notes.remove(at).1)
    });
    if let Some(line) = note {
        write_whole(&line);
    }
}

/// Writes a message to stderr in one `write`, so that the lines of parallel
/// sub-makes sharing the terminal never mix.
fn write_whole(line: &str) {
    say_deferred_directory();
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

static SYNC_DIRECTORY: std::sync::Mutex<Option<Vec<u8>>> = std::sync::Mutex::new(None);

/// `make: Entering directory '/x'` (or Leaving).
pub fn directory_line(what: &str, dir: &[u8]) -> String {
    format!("{}: {what} directory '{}'", prefix(), show(dir))
}

/// Whether `Entering directory` was said and `Leaving directory` is owed.
static ENTERED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `Entering directory` not said yet, and whether to say it quietly: GNU
/// (4.4.1 and 4.3) says it before make's first message, the first recipe
/// line it shows or the first command it runs; a make that does none of
/// these says neither it nor `Leaving directory`. So a makefile's
/// `MAKEFLAGS += --no-print-directory` still silences it (Kbuild's sub-make
/// in `O=out` prints no Entering/Leaving lines).
static PENDING_DIRECTORY: std::sync::Mutex<Option<(Vec<u8>, bool)>> = std::sync::Mutex::new(None);

/// Says `Entering directory` (see [`enter_directory`]) when it is due:
/// before make's first message, recipe line shown or command run.
pub fn defer_enter_directory(dir: &[u8], quietly: bool) {
    if let Ok(mut pending) = PENDING_DIRECTORY.lock() {
        *pending = Some((dir.to_vec(), quietly));
    }
}

/// A makefile turned `-w` off before `Entering directory` was due.
pub fn cancel_enter_directory() {
    if let Ok(mut pending) = PENDING_DIRECTORY.lock() {
        *pending = None;
    }
}

/// Says the deferred `Entering directory`, if any: make is about to print.
pub fn say_deferred_directory() {
    let pending = PENDING_DIRECTORY.lock().ok().and_then(|mut p| p.take());
    if let Some((dir, quietly)) = pending {
        enter_directory(&dir, quietly);
    }
}

/// The makefiles are read: a restarted make records the `Entering
/// directory` the make before it said, so that `Leaving directory` is
/// owed whatever it prints.
pub fn makefiles_read() {
    let mut pending = PENDING_DIRECTORY.lock().ok();
    let quiet = pending
        .as_mut()
        .and_then(|p| p.take_if(|(_, quietly)| *quietly));
    drop(pending);
    if let Some((dir, _)) = quiet {
        enter_directory(&dir, true);
    }
}

/// Says `Entering directory` once: at start for `-w`, or when a makefile
/// turns `-w` on through MAKEFLAGS. `quietly` records it without printing
/// (a restarted make already said it). Not under `-O`, where each output
/// block names its directory.
pub fn enter_directory(dir: &[u8], quietly: bool) {
    use std::sync::atomic::Ordering;
    if sync_directory().is_some() || ENTERED.swap(true, Ordering::Relaxed) {
        return;
    }
    if !quietly {
        say_directory_line(&directory_line("Entering", dir));
    }
}

/// Whether the make before a restart said `Entering directory`: GNU
/// (4.4.1 and 4.3) writes `MAKE_RESTARTS` as `-N` then and `N` when it had
/// not, so only the sign tells; a `MAKE_RESTARTS` a sub-make inherits from
/// its parent's command line has none.
pub fn entered_before_restart() -> bool {
    use std::os::unix::ffi::OsStrExt;
    std::env::var_os("MAKE_RESTARTS").is_some_and(|v| v.as_bytes().first() == Some(&b'-'))
}

/// Whether `Entering directory` was said (and `Leaving directory` is owed):
/// a restart passes it on.
pub fn entered() -> bool {
    ENTERED.load(std::sync::atomic::Ordering::Relaxed)
}

/// `Leaving directory` is owed for an `Entering directory` the make before
/// a restart said, whatever this make prints.
pub fn owe_leaving_directory() {
    ENTERED.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Says `Leaving directory` if `Entering directory` was said.
pub fn leave_directory(dir: &[u8]) {
    if ENTERED.swap(false, std::sync::atomic::Ordering::Relaxed) {
        say_directory_line(&directory_line("Leaving", dir));
    }
}

/// A directory line on stdout.  A failed write does not stop make here (an
/// error message may be on its way to stderr): what stays unwritten makes
/// the exit say `write error: stdout`, as GNU's buffered stdout does.
fn say_directory_line(line: &str) {
    if let Err(e) = writeln!(std::io::stdout(), "{line}") {
        // The stream is in error from now on (a block copied later does
        // not say `fwrite()` again), as GNU's stdio stream is.
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            note_stdout_failed();
        } else if let Some(end) = ON_BROKEN_STDOUT.get() {
            end();
        }
    }
}

/// What a directory line that finds stdout's reader gone does: the write
/// raised SIGPIPE, and GNU make dies of it in that write, before any
/// message of its own. The session sets it (the signal path lies above
/// this module). No job of this make is running then: the line is said
/// before the first command runs, or after the last has ended.
static ON_BROKEN_STDOUT: OnceLock<fn()> = OnceLock::new();

/// Sets what a directory line's broken pipe does (see [`ON_BROKEN_STDOUT`]).
pub fn on_broken_stdout(end: fn()) {
    let _ = ON_BROKEN_STDOUT.set(end);
}

/// Under -O with -w: the directory each synchronized output block names.
pub fn set_sync_directory(dir: &[u8]) {
    if let Ok(mut d) = SYNC_DIRECTORY.lock() {
        *d = Some(dir.to_vec());
    }
}

pub fn sync_directory() -> Option<Vec<u8>> {
    SYNC_DIRECTORY.lock().ok().and_then(|d| d.clone())
}

/// Output blocks no longer name their directory (a serial make's `-O`
/// groups nothing); returns the directory they named.
pub fn end_sync_directory() -> Option<Vec<u8>> {
    SYNC_DIRECTORY.lock().ok().and_then(|mut d| d.take())
}

/// Bytes shown as text in a message.
pub fn show(bytes: &[u8]) -> &bstr::BStr {
    bstr::BStr::new(bytes)
}

/// A write to stdout failed on the way (an output-sync block): make's
/// exit says `write error: stdout` with status 1, as GNU's does.
static STDOUT_FAILED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// A line on stdout, flushed at once (a job's children write to the same
/// place). A full device does not stop the build: make's exit says `write
/// error: stdout` (status 1), as GNU's buffered stdout does.
pub fn flushed_line(text: &[u8]) {
    let mut out = std::io::stdout().lock();
    let written = out
        .write_all(text)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    if let Err(e) = written {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            note_stdout_failed();
        }
    }
}

pub fn note_stdout_failed() {
    STDOUT_FAILED.store(true, std::sync::atomic::Ordering::Relaxed);
}

pub fn stdout_failed() -> bool {
    STDOUT_FAILED.load(std::sync::atomic::Ordering::Relaxed)
}

/// A message of make's on stdout (`touch x`, `'x' is up to date.`,
/// `--trace`'s lines): a deferred `Entering directory` is due first. (-d's
/// lines and `-p`'s data base, printed with `out_line`, do not make it due,
/// in GNU 4.4.1 and 4.3.)
pub fn message_line(args: std::fmt::Arguments<'_>) {
    say_deferred_directory();
    out_line(args);
}

/// One line of make's own output on stdout (a message, -d's lines). GNU's stdout is buffered and its errors are found
/// at exit, so a full device does not stop the build: the failure is noted
/// and said then (`write error: stdout`, status 1). A closed pipe panics as
/// `println!` does, which make turns into its SIGPIPE ending.
pub fn out_line(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let written = stdout
        .write_fmt(args)
        .and_then(|()| stdout.write_all(b"\n"));
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            drop(stdout);
            panic!("failed printing to stdout: {e}");
        }
        Err(_) => note_stdout_failed(),
    }
}
