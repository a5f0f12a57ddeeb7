//! Make's standard output at its ends: `--help` and `--version` printed
//! whole, what is buffered flushed at exit, and a write error (a full disk,
//! a closed pipe) said as GNU says it, with status 1.

use crate::diag;

/// GNU's message when stdout cannot be written (a full disk, `>/dev/full`);
/// the status is 1 (EXIT_FAILURE), not make's usual 2.
fn stdout_write_error() -> i32 {
    eprintln!("{}: write error: stdout", diag::prefix());
    1
}

/// Prints `text` (`--help`, `--version`) on stdout; GNU 4.4.1 says why a
/// write failed there: `write error: stdout: No space left on device`,
/// and names make without its level (it has not looked at MAKELEVEL yet).
pub(super) fn print_and_close(text: &str) -> i32 {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => 0,
        Err(e) => {
            let why = diag::io_error_text(&e);
            eprintln!("{}: write error: stdout: {why}", diag::program_name());
            1
        }
    }
}

/// At exit: what is still buffered for stdout must reach it.
pub(super) fn close_stdout(code: i32) -> i32 {
    use std::io::Write;
    match std::io::stdout().flush() {
        Ok(()) if !diag::stdout_failed() => code,
        _ => stdout_write_error(),
    }
}

/// `println!` panics when stdout cannot be written; make instead says
/// `write error: stdout` and exits with status 1, as GNU does.
pub(super) fn catch_stdout_write_errors() {
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
