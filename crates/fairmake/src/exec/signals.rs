//! Signals: which ones end make, which ones it leaves alone, and what its
//! recipes start with.
//!
//! A signal that make's parent left ignored stays ignored, for make and for
//! everything it runs, as in GNU make: `nohup make` ignores SIGHUP, and
//! `make &` from a script ignores SIGINT and SIGQUIT; catching them anyway
//! would let a hangup or a Ctrl-C meant for the foreground kill the build.
//! The other fatal signals are caught into a flag and a self-pipe that the
//! event loop polls ([`SignalWatch`]); the runner then passes the signal to
//! its children, deletes the targets they were making, removes the
//! jobserver's fifo, and ends make as GNU does ([`end`]). A caught signal
//! is back at its default in every child (exec resets it); an ignored one
//! stays ignored there.
//!
//! SIGPIPE needs one more step: std ignores it before a Rust `main` runs,
//! so what the parent left is recorded earlier, from `.init_array`
//! ([`record_startup_dispositions`], called by the binary), and put back
//! by [`restore_sigpipe`].

use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

/// The signals that end a process by default and that make catches (when
/// they were not ignored at start-up): those GNU make catches, and the
/// other asynchronous ones, so that none of them leaves the jobserver's
/// fifo behind. (GNU make 4.4.1 dies of SIGALRM at once, fifo left.)
pub const FATAL: [libc::c_int; 12] = [
    libc::SIGHUP,
    libc::SIGINT,
    libc::SIGQUIT,
    libc::SIGTERM,
    libc::SIGPIPE,
    libc::SIGXCPU,
    libc::SIGXFSZ,
    libc::SIGALRM,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGVTALRM,
    libc::SIGPROF,
];

/// Bit `n` set: signal `n` was ignored when the process started.
static STARTUP_IGNORED: AtomicU64 = AtomicU64::new(0);
static RECORDED: AtomicBool = AtomicBool::new(false);

/// The fatal signal that arrived (0: none), once a [`SignalWatch`] exists.
static PENDING: OnceLock<Arc<AtomicUsize>> = OnceLock::new();

/// Whether `sig` is ignored right now.
fn is_ignored_now(sig: libc::c_int) -> bool {
    // SAFETY: sigaction with a null new action only reads the disposition
    // into a zeroed struct of the right type.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(sig, std::ptr::null(), &mut old) == 0 && old.sa_sigaction == libc::SIG_IGN
    }
}

/// Notes which signals the parent left ignored. To be called before
/// anything changes a disposition: from `.init_array`, before std's own
/// start-up ignores SIGPIPE.
pub fn record_startup_dispositions() {
    let mut mask = 0u64;
    for sig in 1..32 {
        if is_ignored_now(sig) {
            mask |= 1 << sig;
        }
    }
    STARTUP_IGNORED.store(mask, Ordering::SeqCst);
    RECORDED.store(true, Ordering::SeqCst);
}

/// Whether `sig` was ignored when make started (when nothing was recorded,
/// as in a test binary: whether it is ignored now).
pub fn ignored_at_startup(sig: libc::c_int) -> bool {
    if RECORDED.load(Ordering::SeqCst) {
        STARTUP_IGNORED.load(Ordering::SeqCst) & (1 << sig) != 0
    } else {
        is_ignored_now(sig)
    }
}

/// Puts SIGPIPE back as make's parent left it: at its default (`make |
/// head` ends make the way it ends GNU make), or ignored (then make and its
/// recipes see EPIPE instead).
pub fn restore_sigpipe() {
    let action = if ignored_at_startup(libc::SIGPIPE) {
        libc::SIG_IGN
    } else {
        libc::SIG_DFL
    };
    // SAFETY: setting a disposition, before any thread is started.
    unsafe { libc::signal(libc::SIGPIPE, action) };
}

/// Whether children must be given SIGPIPE at its default explicitly (std's
/// `Command` and `posix_spawn` attributes): not when the parent of make
/// ignored it.
pub fn sigpipe_default_in_children() -> bool {
    !ignored_at_startup(libc::SIGPIPE)
}

/// A `Command` whose child must keep SIGPIPE ignored: std resets it to its
/// default in every child, so it is ignored again just before the exec.
pub fn keep_sigpipe_ignored(cmd: &mut std::process::Command) {
    if sigpipe_default_in_children() {
        return;
    }
    use std::os::unix::process::CommandExt;
    // SAFETY: signal() is async-signal-safe, as a pre_exec closure must be.
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGPIPE, libc::SIG_IGN);
            Ok(())
        });
    }
}

/// The fatal signal that has arrived and not yet ended make, or 0.
pub fn pending() -> i32 {
    PENDING
        .get()
        .map_or(0, |flag| flag.load(Ordering::SeqCst) as i32)
}

/// Ends make because of `sig`, its jobs already dealt with: as GNU make,
/// status 1 for SIGQUIT, otherwise killed by the same signal.
pub fn end(sig: i32) -> ! {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    if sig == libc::SIGQUIT {
        std::process::exit(1);
    }
    // SAFETY: restoring the default action, unblocking and re-raising end
    // the process with the signal.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, sig);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::raise(sig);
    }
    std::process::exit(128 + sig);
}

/// Where make cannot reach its runner (a write to a broken stdout failing
/// deep in the planner): if a fatal signal is pending, remove the fifo and
/// end at once.
pub fn end_now_if_pending() {
    let sig = pending();
    if sig != 0 {
        fairmake_jobserver::signal_cleanup();
        end(sig);
    }
}

/// The fatal signals and SIGCHLD, caught into a flag and a self-pipe that
/// the event loop polls. Installed before the jobserver is created: a fatal
/// signal in between would kill make the default way, with its fifo and
/// directory left behind.
pub struct SignalWatch {
    pub(super) read: OwnedFd,
    pub(super) fatal_signal: Arc<AtomicUsize>,
}

impl SignalWatch {
    pub fn install() -> std::io::Result<SignalWatch> {
        let (read, write) = rustix::pipe::pipe_with(
            rustix::pipe::PipeFlags::CLOEXEC | rustix::pipe::PipeFlags::NONBLOCK,
        )?;
        let fatal_signal = PENDING
            .get_or_init(|| Arc::new(AtomicUsize::new(0)))
            .clone();
        for sig in FATAL {
            // Ignored by make's parent: left so (see the module's header).
            if ignored_at_startup(sig) {
                continue;
            }
            signal_hook::flag::register_usize(sig, fatal_signal.clone(), sig as usize)?;
            signal_hook::low_level::pipe::register(sig, write.try_clone()?)?;
        }
        signal_hook::low_level::pipe::register(signal_hook::consts::SIGCHLD, write)?;
        // The handlers write to the pipe for the rest of the process's life:
        // a reader must stay as long. A SIGCHLD delivered late (to another
        // thread, under load, for a child already reaped) after the runner
        // is gone would otherwise kill make by SIGPIPE. One descriptor
        // (close-on-exec) is kept open on purpose.
        std::mem::forget(read.try_clone()?);
        Ok(SignalWatch { read, fatal_signal })
    }
}
