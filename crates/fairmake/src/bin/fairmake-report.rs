//! `fairmake-report TRACE.json [OUT.html]`: turns a `--trace-json` trace into
//! a self-contained HTML timeline (stdout when no output file is named).

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let Some(trace) = args.first() else {
        eprintln!("usage: fairmake-report TRACE.json [OUT.html]");
        std::process::exit(2);
    };
    let events = match fairmake::trace::read_events(std::path::Path::new(trace)) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("fairmake-report: {}: {e}", trace.to_string_lossy());
            std::process::exit(2);
        }
    };
    let html = fairmake::trace::report::render_html(&events);
    let written = match args.get(1) {
        Some(out) => std::fs::write(out, html),
        None => std::io::Write::write_all(&mut std::io::stdout(), html.as_bytes()),
    };
    if let Err(e) = written {
        eprintln!("fairmake-report: {e}");
        std::process::exit(1);
    }
}
