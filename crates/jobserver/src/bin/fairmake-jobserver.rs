//! `fairmake-jobserver -jN [--style=both|pipe|fifo] -- CMD ARGS...`
//!
//! One jobserver for unrelated tools: serves N job slots, runs CMD with
//! MAKEFLAGS naming them (so make, cargo, ninja and gcc LTO below it share
//! them), and exits with CMD's status (128+signal if it was killed). When
//! CMD exits, tokens lost by killed clients are restored if no process
//! below is left that could still give them back (orphans are adopted, and
//! any still running keeps its tokens).

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitCode, ExitStatus};
use std::sync::atomic::{AtomicI32, Ordering};

use fairmake_jobserver::{HealCheck, Server, Style};

const NAME: &str = "fairmake-jobserver";
const USAGE: &str = "usage: fairmake-jobserver -jN [--style=both|pipe|fifo] [--] CMD [ARGS...]";

/// `--help`: the usage line and what it does.
const HELP: &str = "\
Serves N job slots through GNU make's jobserver protocol to CMD and every
tool below it (make, cargo, ninja, gcc -flto=jobserver), then exits with
CMD's status (128+N if a signal N killed it). Tokens that a killed client
took with it are restored when CMD exits, with a warning.

Options:
  -jN, -j N, --jobs=N   N job slots (required; N >= 1).
  --style=fifo          A named fifo (--jobserver-auth=fifo:PATH), the default;
                        GNU make 4.4 and later, cargo, ninja 1.12.
  --style=pipe          An anonymous pipe (--jobserver-auth=R,W), for GNU make
                        4.3 and older and GCC before 13.
  -h, --help            Print this message and exit.
";

/// What the command line asked for.
#[derive(Debug)]
struct Args {
    jobs: u32,
    style: Style,
    command: Vec<OsString>,
    /// `-h`/`--help` before the command: print the help, run nothing.
    help: bool,
}

fn parse_args(mut args: impl Iterator<Item = OsString>) -> Result<Args, String> {
    let mut jobs = None;
    let mut style = Style::default();
    let mut command = Vec::new();
    while let Some(arg) = args.next() {
        let bytes = arg.as_bytes();
        let jobs_text = if bytes == b"-j" || bytes == b"--jobs" {
            Some(args.next().ok_or("-j needs a number")?)
        } else {
            bytes
                .strip_prefix(b"--jobs=")
                .or(bytes.strip_prefix(b"-j"))
                .map(|n| OsString::from(std::ffi::OsStr::from_bytes(n)))
        };
        if let Some(text) = jobs_text {
            let n: u32 = text
                .to_str()
                .and_then(|s| s.parse().ok())
                .filter(|&n| n >= 1)
                .ok_or_else(|| format!("invalid job count '{}'", text.to_string_lossy()))?;
            jobs = Some(n);
        } else if let Some(s) = bytes.strip_prefix(b"--style=") {
            style = match s {
                b"pipe" => Style::Pipe,
                b"fifo" => Style::Fifo,
                b"both" => Style::Both,
                _ => return Err(format!("unknown style '{}'", arg.to_string_lossy())),
            };
        } else if bytes == b"-h" || bytes == b"--help" {
            return Ok(Args {
                jobs: 0,
                style,
                command: Vec::new(),
                help: true,
            });
        } else if bytes == b"--" {
            command.extend(args.by_ref());
        } else if bytes.starts_with(b"-") {
            return Err(format!("unknown option '{}'", arg.to_string_lossy()));
        } else {
            command.push(arg);
            command.extend(args.by_ref());
        }
    }
    let jobs = jobs.ok_or("-jN is required")?;
    if command.is_empty() {
        return Err("no command given".into());
    }
    Ok(Args {
        jobs,
        style,
        command,
        help: false,
    })
}

/// The child's pid once spawned, for the signal handler to forward to.
static CHILD: AtomicI32 = AtomicI32::new(0);
/// A signal that arrived before the child existed.
static PENDING: AtomicI32 = AtomicI32::new(0);

/// Forwards the signal to the command; we outlive it to clean up.
/// Async-signal-safe: atomics and kill(2) only.
extern "C" fn forward(sig: libc::c_int) {
    let pid = CHILD.load(Ordering::SeqCst);
    if pid > 0 {
        // SAFETY: kill is async-signal-safe.
        unsafe { libc::kill(pid, sig) };
    } else {
        PENDING.store(sig, Ordering::SeqCst);
    }
}

fn install_forwarding() {
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT] {
        // SAFETY: a zeroed sigaction with a plain handler is valid; the
        // handler only does async-signal-safe work.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = forward as *const () as libc::sighandler_t;
            sa.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}

/// The `-j` a command was given of its own (`-jN`, `-j N`, `-j`,
/// `--jobs[=N]`, as make, ninja and cargo take it), if any: such a command
/// runs its own jobs, beside the jobserver's slots or instead of them, as
/// GNU make says for a sub-make ("-jN forced in submake").
fn own_jobs(command: &[OsString]) -> Option<String> {
    let mut args = command.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(arg) = args.next() {
        if arg == "--" {
            return None;
        }
        if arg == "-j" || arg == "--jobs" {
            let n = args
                .next()
                .filter(|n| n.chars().all(|c| c.is_ascii_digit()));
            return Some(format!("-j{}", n.as_deref().unwrap_or("")));
        }
        if let Some(n) = arg.strip_prefix("--jobs=").or(arg.strip_prefix("-j")) {
            if n.chars().all(|c| c.is_ascii_digit()) {
                return Some(format!("-j{n}"));
            }
        }
    }
    None
}

fn run(args: Args) -> Result<u8, String> {
    if let Some(j) = own_jobs(&args.command) {
        eprintln!(
            "{NAME}: warning: {j} given to '{}': it runs its own jobs, not the jobserver's {}",
            args.command[0].to_string_lossy(),
            args.jobs
        );
    }
    let server = Server::create(args.jobs, args.style, None)
        .map_err(|e| format!("cannot create jobserver: {e}"))?;
    server.register_signal_cleanup();
    install_forwarding();
    // Orphans of killed clients become ours, so healing can wait for them.
    let adopting = fairmake_jobserver::adopt_orphans().is_ok();

    let mut cmd = Command::new(&args.command[0]);
    cmd.args(&args.command[1..])
        .env("MAKEFLAGS", server.makeflags())
        // An outer jobserver named here would win over ours in cargo.
        .env_remove("CARGO_MAKEFLAGS")
        .env_remove("MFLAGS");
    let inherit = server
        .prepare_child(true)
        .map_err(|e| format!("cannot pass the jobserver on: {e}"))?;
    inherit.apply(&mut cmd);
    let spawned = cmd.spawn();
    drop(inherit);
    let child = spawned.map_err(|e| format!("{}: {e}", args.command[0].to_string_lossy()))?;
    CHILD.store(child.id() as i32, Ordering::SeqCst);
    let pending = PENDING.swap(0, Ordering::SeqCst);
    if pending != 0 {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(child.id() as i32, pending) };
    }
    let status = wait_for(child.id() as i32, adopting)?;
    CHILD.store(0, Ordering::SeqCst);

    // CMD is gone; tokens still out are lost unless an orphan runs on them.
    match server.heal_if_sound(0, &[]) {
        Ok(HealCheck::Healed(h)) if h.restored > 0 => eprintln!(
            "{NAME}: warning: {} jobserver token(s) were not given back by clients that exited; restored",
            h.restored
        ),
        Ok(HealCheck::Healed(h)) if h.removed > 0 => eprintln!(
            "{NAME}: warning: {} surplus jobserver token(s) removed",
            h.removed
        ),
        Ok(_) => {}
        Err(e) => eprintln!("{NAME}: cannot check the jobserver tokens: {e}"),
    }
    drop(server);
    Ok(match (status.code(), status.signal()) {
        (Some(code), _) => code as u8,
        (None, Some(sig)) => (128 + sig) as u8,
        (None, None) => 1,
    })
}

/// Waits for CMD, reaping any orphan adopted meanwhile.
fn wait_for(pid: i32, adopting: bool) -> Result<ExitStatus, String> {
    loop {
        let mut status = 0;
        let target = if adopting { -1 } else { pid };
        // SAFETY: waitpid with a valid status pointer.
        let r = unsafe { libc::waitpid(target, &mut status, 0) };
        if r == pid {
            return Ok(ExitStatus::from_raw(status));
        }
        if r == -1 {
            let e = std::io::Error::last_os_error();
            if e.kind() != std::io::ErrorKind::Interrupted {
                return Err(format!("wait: {e}"));
            }
        }
    }
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args_os().skip(1)) {
        Ok(a) if a.help => {
            print!("{USAGE}\n\n{HELP}");
            return ExitCode::SUCCESS;
        }
        Ok(a) => a,
        Err(e) => {
            eprintln!("{NAME}: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(args) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("{NAME}: {e}");
            ExitCode::from(127)
        }
    }
}
