//! The `fairmake` binary: argv in, exit status out.

fn main() {
    let code = fairmake::run_from_env();
    std::process::exit(code);
}
