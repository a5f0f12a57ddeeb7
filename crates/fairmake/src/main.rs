//! The `fairmake` binary: argv in, exit status out.

fn main() {
    // Rust ignores SIGPIPE; make does not: `make | head` must end quietly the
    // way GNU make does (killed by SIGPIPE), and recipes must start with the
    // default disposition too.
    // SAFETY: setting a signal disposition before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let code = fairmake::run_from_env();
    std::process::exit(code);
}
