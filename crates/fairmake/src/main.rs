//! The `fairmake` binary: argv in, exit status out.
//!
//! On glibc the program starts at its own C `main`, not through std's
//! start-up, which reads `/proc/self/maps` to find the main thread's stack
//! and installs a stack-overflow handler: a sixth of the start-up of a small
//! sub-make (0.2 of 1.1 ms), paid by every make of a recursive build, for a
//! stack the work does not run on (it runs on a large one of its own).
//! glibc hands std the arguments itself (through `.init_array`), so
//! `std::env::args` works the same. Elsewhere, the usual Rust `main`.
#![cfg_attr(all(target_os = "linux", target_env = "gnu"), no_main)]

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[no_mangle]
pub extern "C" fn main(_argc: libc::c_int, _argv: *const *const libc::c_char) -> libc::c_int {
    start()
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn main() {
    start()
}

/// Notes which signals make's parent left ignored, before std's start-up
/// (where Rust's own `main` is used) ignores SIGPIPE: `.init_array`
/// functions run before any `main`.
#[used]
#[link_section = ".init_array"]
static RECORD_SIGNALS: extern "C" fn() = record_signals;

extern "C" fn record_signals() {
    fairmake::record_startup_dispositions();
}

fn start() -> ! {
    // Before anything opens a file: which jobserver descriptors named in
    // MAKEFLAGS were really inherited (a closed 3 or 4 is soon reused).
    fairmake_jobserver::note_inherited_fds();
    // A closed stdout is held, so that no file make opens becomes it.
    fairmake::hold_closed_stdout();
    // Rust ignores SIGPIPE; make does not, unless its parent did: `make |
    // head` must end quietly the way GNU make does (killed by SIGPIPE), and
    // recipes must start with the disposition make was given.
    fairmake::restore_sigpipe();
    let code = fairmake::run_from_env();
    // What is buffered for stdout was written by the session already.
    std::process::exit(code);
}
