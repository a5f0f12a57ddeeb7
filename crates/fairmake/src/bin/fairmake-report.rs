//! `fairmake-report TRACE.json [OUT.html]`: turns a `--trace-json` trace into
//! a self-contained HTML timeline (stdout when no output file is named).

const USAGE: &str = "\
usage: fairmake-report TRACE.json [OUT.html]

Turns the trace of a build, written by `fairmake --trace-json=TRACE.json`,
into one self-contained HTML page: a lane per make and a bar per job on a
time axis (zoom and pan in the browser), the jobs in flight against -jN,
the critical path and token waits, and the figures of --stats. The page
goes to OUT.html, or to stdout without it.

Options:
  -h, --help    Print this message and exit.
";

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        print!("{USAGE}");
        return;
    }
    let Some(trace) = args.first().filter(|_| args.len() <= 2) else {
        eprint!("fairmake-report: expected a trace and an optional output file\n{USAGE}");
        std::process::exit(2);
    };
    let events = match fairmake::read_events(std::path::Path::new(trace)) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("fairmake-report: {}: {e}", trace.to_string_lossy());
            std::process::exit(2);
        }
    };
    let html = fairmake::render_html(&events);
    let written = match args.get(1) {
        Some(out) => std::fs::write(out, html),
        None => std::io::Write::write_all(&mut std::io::stdout(), html.as_bytes()),
    };
    if let Err(e) = written {
        eprintln!("fairmake-report: {e}");
        std::process::exit(1);
    }
}
