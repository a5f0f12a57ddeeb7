//! The bodies of fairmake's fuzz targets, shared by the libFuzzer binaries in
//! `fuzz_targets/`, so that a crash can also be replayed from a plain test.
//!
//! Evaluation runs on one long-lived worker thread with a large stack, as the
//! make itself does (`run_from_env` uses 1 GiB): deep but finite recursion is
//! not a bug. Inputs that recurse forever (`x = $(call x)` then `$(call x)`,
//! `$(eval $(x))` feeding itself) overflow it anyway; GNU make 4.3 dies on
//! those too (SIGSEGV), so such crashes are triaged against `/usr/bin/make`
//! and not counted as findings (see `fuzz/README.md`).

use std::rc::Rc;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Mutex, OnceLock};

use fairmake::{Flavor, Origin};
use fairmake::{Evaluator, Expansion};
use fairmake::Options;

/// Inputs longer than this are ignored (libFuzzer's `-max_len` should match).
pub const MAX_INPUT: usize = 4096;

/// Stack of the worker thread. Smaller than the make's 1 GiB so that an
/// unbounded recursion fails in well under a second instead of timing out.
pub const STACK: usize = 256 << 20;

type Job = Box<dyn FnOnce() + Send>;

struct Worker {
    jobs: SyncSender<Job>,
    done: Receiver<()>,
}

fn worker() -> &'static Mutex<Worker> {
    static WORKER: OnceLock<Mutex<Worker>> = OnceLock::new();
    WORKER.get_or_init(|| {
        let (jobs, job_rx) = sync_channel::<Job>(0);
        let (done_tx, done) = sync_channel(0);
        std::thread::Builder::new()
            .name("fuzz-eval".into())
            .stack_size(STACK)
            .spawn(move || {
                for job in job_rx {
                    job();
                    let _ = done_tx.send(());
                }
            })
            .expect("spawn the evaluation thread");
        Mutex::new(Worker { jobs, done })
    })
}

/// Runs `f` on the large-stack worker and waits for it. A panic there
/// aborts the process through libFuzzer's panic hook (a crash), as it should.
pub fn on_big_stack(f: impl FnOnce() + Send + 'static) {
    let w = worker().lock().unwrap_or_else(|e| e.into_inner());
    w.jobs.send(Box::new(f)).expect("evaluation thread alive");
    if w.done.recv().is_err() {
        // The worker died: only a panic without libFuzzer's hook gets here.
        panic!("evaluation thread panicked");
    }
}

/// A sandboxed evaluator: no `$(shell)`, `!=`, `$(file)` or `include`.
pub fn evaluator() -> Evaluator {
    let mut ev = Evaluator::new(Rc::new(Options::default()), b"/tmp".to_vec());
    ev.invocation.sandboxed = true;
    ev.reentry = fairmake::REENTRY;
    ev
}

/// Target (a): the bytes as a makefile, read and evaluated.
pub fn read_eval(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    let data = data.to_vec();
    on_big_stack(move || {
        let mut ev = evaluator();
        // Errors (missing separator, $(error), ...) are fine; panics are not.
        let _ = fairmake::eval_text(&mut ev, &data);
    });
}

/// Target (b): the compiler and the expander.
///
/// Input: optional variable definitions, then the text to expand. Lines
/// before the first NUL byte of the form `NAME=VALUE` (recursive) or
/// `NAME:=VALUE` (simple) are set as globals directly, without the reader;
/// everything after the NUL (or the whole input when there is none) is
/// compiled with `Expansion::parse` and expanded.
pub fn expand(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    let data = data.to_vec();
    on_big_stack(move || {
        let (defs, text) = match data.iter().position(|&b| b == 0) {
            Some(nul) => (&data[..nul], &data[nul + 1..]),
            None => (&[][..], &data[..]),
        };
        let mut ev = evaluator();
        for line in defs.split(|&b| b == b'\n') {
            let Some(eq) = line.iter().position(|&b| b == b'=') else {
                continue;
            };
            let (name, value) = (&line[..eq], &line[eq + 1..]);
            let (name, flavor) = match name.strip_suffix(b":") {
                Some(n) => (n, Flavor::Simple),
                None => (name, Flavor::Recursive),
            };
            if !name.is_empty() {
                ev.set_global(name, value, flavor, Origin::File);
            }
        }
        let exp = Expansion::parse(text);
        // Compiling is deterministic.
        assert_eq!(exp, Expansion::parse(text), "parse is not deterministic");
        // Text without `$` is its own expansion.
        if !text.contains(&b'$') {
            assert_eq!(
                exp.as_literal(),
                Some(text),
                "plain text did not compile to itself"
            );
        }
        let mut out = Vec::new();
        let result = ev.expand(&exp, &mut out);
        if !text.contains(&b'$') {
            assert!(result.is_ok());
            assert_eq!(out, text, "plain text did not expand to itself");
        }
        // `expand_text` is the same as parse + expand (fresh state, no $(eval)
        // side effects to worry about when the first run defined nothing).
        if result.is_ok() && !contains(text, b"eval") {
            let again = evaluator_with(defs).expand_text(text);
            if let Ok(again) = again {
                assert_eq!(again, out, "expand_text differs from parse + expand");
            }
        }
    });
}

fn evaluator_with(defs: &[u8]) -> Evaluator {
    let mut ev = evaluator();
    for line in defs.split(|&b| b == b'\n') {
        let Some(eq) = line.iter().position(|&b| b == b'=') else {
            continue;
        };
        let (name, value) = (&line[..eq], &line[eq + 1..]);
        let (name, flavor) = match name.strip_suffix(b":") {
            Some(n) => (n, Flavor::Simple),
            None => (name, Flavor::Recursive),
        };
        if !name.is_empty() {
            ev.set_global(name, value, flavor, Origin::File);
        }
    }
    ev
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Target (c): MAKEFLAGS and the command line.
///
/// The first byte picks what to do with the rest:
/// - even: the rest is a MAKEFLAGS value for `options::parse_makeflags`, and
///   for `fairmake_jobserver::parse_makeflags`;
/// - odd: the rest, split on NUL bytes, is argv for `options::parse_args`.
///
/// Properties: no panics; a jobserver auth that parses is written back
/// (`Auth::to_bytes`) to text that parses to the same auth; options that
/// parse are written as MAKEFLAGS (`makeflags_value`) that reads back to
/// the same MAKEFLAGS (write, read, write is stable).
pub fn makeflags(data: &[u8]) {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if rest.len() > MAX_INPUT {
        return;
    }
    if mode % 2 == 0 {
        if let Ok(Some(auth)) = fairmake_jobserver::parse_makeflags(rest) {
            let mut word = b"--jobserver-auth=".to_vec();
            word.extend(auth.to_bytes());
            assert_eq!(
                fairmake_jobserver::parse_makeflags(&word),
                Ok(Some(auth)),
                "jobserver auth does not round-trip"
            );
        }
        let mut opts = Options::default();
        if fairmake::parse_makeflags(&mut opts, rest).is_ok() {
            round_trip(&opts);
        }
    } else {
        let args: Vec<OsString> = rest
            .split(|&b| b == 0)
            .map(|a| OsString::from_vec(a.to_vec()))
            .collect();
        if let Ok(opts) = fairmake::parse_args(&args) {
            round_trip(&opts);
        }
    }
}

/// MAKEFLAGS written from `opts`, read back and written again, is unchanged.
fn round_trip(opts: &Options) {
    // Known bug (tests/cases/reliability/load-average-infinite*.case):
    // `makeflags_value` panics on an infinite `-l` load. With
    // FAIRMAKE_FUZZ_SKIP_KNOWN set, such inputs are skipped so the fuzzer
    // can look past it.
    if std::env::var_os("FAIRMAKE_FUZZ_SKIP_KNOWN").is_some()
        && matches!(opts.load_average, Some(Some(l)) if !l.is_finite())
    {
        return;
    }
    let first = fairmake::makeflags_value(opts, None, &[]);
    // The make expands `$(MAKEFLAGS)` before decoding it: `$$` becomes `$`.
    let expanded = unescape_dollars(&first);
    let mut again = Options::default();
    match fairmake::parse_makeflags(&mut again, &expanded) {
        Ok(_) => {
            let second = fairmake::makeflags_value(&again, None, &[]);
            assert_eq!(
                String::from_utf8_lossy(&second),
                String::from_utf8_lossy(&first),
                "MAKEFLAGS does not survive being read back"
            );
        }
        Err(e) => panic!(
            "MAKEFLAGS we wrote is rejected: {:?}: {}",
            String::from_utf8_lossy(&first),
            e.message
        ),
    }
}

fn unescape_dollars(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        out.push(text[i]);
        i += if text[i] == b'$' && text.get(i + 1) == Some(&b'$') {
            2
        } else {
            1
        };
    }
    out
}
