//! Multi-process tests: token conservation under random load, interop with
//! GNU make (/usr/bin/make) and with the `jobserver` crate, both directions,
//! and healing after a client is killed with SIGKILL.

mod common;

use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{helper, helper_cmdline, scratch, wait_all, wait_for, Board, Rng};
use fairmake_jobserver::{parse_makeflags, Client, ClientError, Server, Strategy, Style};

// ---------------------------------------------------------------- helpers

/// Entry point of the helper processes; a no-op in a normal test run.
#[test]
fn helper_entry() {
    let Some(mode) = std::env::var_os("FMJS_HELPER") else {
        return;
    };
    let board = Board::open(Path::new(&std::env::var_os("FMJS_BOARD").unwrap()));
    let code = match mode.as_bytes() {
        b"ours" => ours(&board),
        b"crate" => crate_client(&board),
        b"make-job" => make_job(&board),
        b"expect-unavailable" => expect_unavailable(),
        b"hold" => hold(&board),
        _ => 99,
    };
    std::process::exit(code);
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn our_client() -> Client {
    let flags = std::env::var_os("MAKEFLAGS").unwrap();
    let auth = parse_makeflags(flags.as_bytes()).unwrap().unwrap();
    let strategy = match std::env::var("FMJS_STRATEGY").as_deref() {
        Ok("helper") => Strategy::HelperThread,
        _ => Strategy::Auto,
    };
    Client::from_auth(&auth, strategy).unwrap()
}

/// Random acquire/hold/release rounds through this crate's client, waiting
/// in poll() and never in read().
fn ours(board: &Board) -> i32 {
    let client = our_client();
    let mut rng = Rng::seeded();
    let deadline = Instant::now() + Duration::from_secs(60);
    for _ in 0..env_num("FMJS_ROUNDS", 100) {
        let token = loop {
            match client.acquire_timeout(Duration::from_millis(100)) {
                Ok(Some(t)) => break t,
                Ok(None) if Instant::now() < deadline => {}
                _ => return 10,
            }
        };
        // All of a foreign server's tokens may be the same byte.
        let byte = std::env::var_os("FMJS_SAME_BYTES")
            .is_none()
            .then(|| token.byte());
        board.enter(byte);
        jitter(&mut rng);
        board.leave(byte);
        if rng.below(2) == 0 {
            drop(token);
        } else if client.release(token).is_err() {
            return 11;
        }
    }
    0
}

/// The same through the `jobserver` crate (its blocking acquire).
fn crate_client(board: &Board) -> i32 {
    // SAFETY: called first thing in the helper process.
    let Some(client) = (unsafe { jobserver::Client::from_env() }) else {
        return 20;
    };
    let mut rng = Rng::seeded();
    for _ in 0..env_num("FMJS_ROUNDS", 100) {
        let Ok(acquired) = client.acquire() else {
            return 21;
        };
        board.enter(None);
        jitter(&mut rng);
        board.leave(None);
        drop(acquired);
    }
    0
}

/// One job of a make: runs in its own (implicit) slot and takes a few more
/// tokens for extra work, as a compiler with its own threads would.
fn make_job(board: &Board) -> i32 {
    board.enter(None);
    let client = match Client::from_env() {
        Ok(Some(c)) => c,
        Ok(None) => return 30,
        Err(_) => return 31,
    };
    let mut rng = Rng::seeded();
    for _ in 0..env_num("FMJS_EXTRA", 3) {
        match client.acquire_timeout(Duration::from_millis(rng.below(20) + 1)) {
            Ok(Some(t)) => {
                // GNU make's tokens are all '+': count, don't tell apart.
                board.enter(None);
                std::thread::sleep(Duration::from_millis(5 + rng.below(10)));
                board.leave(None);
                drop(t);
            }
            Ok(None) => {}
            Err(_) => return 32,
        }
    }
    std::thread::sleep(Duration::from_millis(10 + rng.below(20)));
    board.leave(None);
    0
}

/// Run by a recipe without `+`: GNU make closed the descriptors.
fn expect_unavailable() -> i32 {
    match Client::from_env() {
        Err(ClientError::Unavailable { .. }) => 0,
        _ => 40,
    }
}

/// Takes one token and keeps it until killed.
fn hold(board: &Board) -> i32 {
    let client = our_client();
    match client.acquire_timeout(Duration::from_secs(10)) {
        Ok(Some(t)) => {
            board.enter(Some(t.byte()));
            std::thread::sleep(Duration::from_secs(60));
            drop(t);
            0
        }
        _ => 50,
    }
}

fn jitter(rng: &mut Rng) {
    match rng.below(4) {
        0 => {}
        1 => std::thread::yield_now(),
        _ => std::thread::sleep(Duration::from_micros(rng.below(200))),
    }
}

// ------------------------------------------------------------ conservation

/// Replaces the server's tokens with distinct bytes so a duplicated token
/// shows up as one byte held twice.
fn mark_tokens(server: &Server) -> Vec<u8> {
    let c = server.client().unwrap();
    let n = server.tokens_total();
    for _ in 0..n {
        c.try_acquire().unwrap().unwrap().leak();
    }
    let bytes: Vec<u8> = (0..n as u8).map(|i| b'a' + i).collect();
    for &b in &bytes {
        let w = server.write_fd();
        // SAFETY: writing one byte from a one-byte buffer to an open fd.
        let r = unsafe {
            libc::write(
                std::os::fd::AsRawFd::as_raw_fd(&w),
                (&b as *const u8).cast(),
                1,
            )
        };
        assert_eq!(r, 1);
    }
    bytes
}

/// Takes every token out (non-blocking), returns their bytes sorted, and
/// puts them back.
fn token_bytes(server: &Server) -> Vec<u8> {
    let c = server.client().unwrap();
    let mut held = Vec::new();
    while let Some(t) = c.try_acquire().unwrap() {
        held.push(t);
    }
    let mut bytes: Vec<u8> = held.iter().map(|t| t.byte()).collect();
    bytes.sort_unstable();
    drop(held);
    bytes
}

fn conservation(style: Style) {
    const JOBS: u32 = 4;
    const ROUNDS: u32 = 1000;
    let dir = scratch("conserve");
    let board_path = dir.join("board");
    let board = Board::create(&board_path);
    let server = Server::create(JOBS, style, Some(&dir)).unwrap();
    let marked = mark_tokens(&server);
    // Two private-description clients, two helper-thread clients, two
    // clients from the `jobserver` crate, all at once.
    let kinds = [
        ("ours", "auto"),
        ("ours", "auto"),
        ("ours", "helper"),
        ("ours", "helper"),
        ("crate", ""),
        ("crate", ""),
    ];
    let guard = server.prepare_child(true).unwrap();
    let mut children: Vec<_> = kinds
        .iter()
        .map(|(mode, strategy)| {
            let mut cmd = helper(mode, &board_path);
            guard.apply(&mut cmd);
            cmd.env("MAKEFLAGS", server.makeflags())
                .env("FMJS_STRATEGY", strategy)
                .env("FMJS_ROUNDS", ROUNDS.to_string())
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    drop(guard);
    let statuses = wait_all(&mut children, Duration::from_secs(90));
    for (s, k) in statuses.iter().zip(kinds) {
        assert!(s.success(), "{k:?} helper failed: {s}");
    }
    eprintln!(
        "{style:?}: {} rounds, at most {} at once",
        board.rounds(),
        board.max()
    );
    assert_eq!(board.rounds(), ROUNDS * kinds.len() as u32);
    assert_eq!(board.errors(), 0, "a token was held twice");
    assert!(
        board.max() < JOBS,
        "{} jobs ran on {} tokens",
        board.max(),
        JOBS - 1
    );
    assert!(
        board.max() >= 2,
        "never ran in parallel: test proves nothing"
    );
    assert_eq!(server.tokens_available().unwrap(), (JOBS - 1) as usize);
    assert_eq!(
        token_bytes(&server),
        marked,
        "the very same bytes came back"
    );
    assert!(server.shutdown_check().unwrap().is_complete());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn conservation_pipe() {
    conservation(Style::Pipe);
}

#[test]
fn conservation_fifo() {
    conservation(Style::Fifo);
}

// ------------------------------------------------- the jobserver crate

/// The `jobserver` crate as server, this crate's client in its children.
#[test]
fn crate_server_our_clients() {
    let dir = scratch("crate-server");
    let board_path = dir.join("board");
    let board = Board::create(&board_path);
    let tokens = 3;
    let server = jobserver::Client::new(tokens).unwrap();
    let mut children: Vec<_> = ["auto", "auto", "helper", "helper"]
        .iter()
        .map(|strategy| {
            let mut cmd = helper("ours", &board_path);
            server.configure_make(&mut cmd);
            cmd.env("FMJS_STRATEGY", strategy)
                .env("FMJS_SAME_BYTES", "1")
                .env("FMJS_ROUNDS", "300")
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for s in wait_all(&mut children, Duration::from_secs(60)) {
        assert!(s.success(), "{s}");
    }
    assert_eq!(board.errors(), 0);
    assert!(board.max() as usize <= tokens);
    assert!(board.max() >= 2);
    assert_eq!(server.available().unwrap(), tokens);
    std::fs::remove_dir_all(dir).unwrap();
}

// --------------------------------------------------------------- healing

/// A client killed with SIGKILL while holding a token loses it; once no
/// client runs, `heal` puts it back and says one was lost.
#[test]
fn heal_after_sigkill() {
    for style in [Style::Pipe, Style::Fifo] {
        let dir = scratch("heal");
        let board_path = dir.join("board");
        let board = Board::create(&board_path);
        let server = Server::create(3, style, Some(&dir)).unwrap();
        let guard = server.prepare_child(true).unwrap();
        let mut cmd = helper("hold", &board_path);
        guard.apply(&mut cmd);
        let mut child = cmd
            .env("MAKEFLAGS", server.makeflags())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        drop(guard);
        wait_for("the helper to hold a token", || board.current() == 1);
        assert_eq!(server.tokens_available().unwrap(), 1);
        child.kill().unwrap();
        child.wait().unwrap();
        let check = server.shutdown_check().unwrap();
        assert_eq!(check.shortfall(), 1);
        let healed = server.heal(0).unwrap();
        assert_eq!(healed.restored, 1);
        assert!(server.shutdown_check().unwrap().is_complete());
        std::fs::remove_dir_all(dir).unwrap();
    }
}

// ------------------------------------------------------------- GNU make

const MAKE: &str = "/usr/bin/make";

fn have_make() -> bool {
    Path::new(MAKE).exists()
}

fn make_version() -> (u32, u32) {
    let out = Command::new(MAKE).arg("--version").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let v = text
        .lines()
        .next()
        .unwrap_or("")
        .rsplit(' ')
        .next()
        .unwrap_or("0.0");
    let mut it = v.split('.').map(|p| p.parse().unwrap_or(0));
    (it.next().unwrap_or(0), it.next().unwrap_or(0))
}

/// A makefile with `targets` jobs, each running the helper in make-job mode
/// (with `+` when `plus`).
fn write_makefile(dir: &Path, targets: usize, plus: bool, mode: &str) -> std::path::PathBuf {
    let names: Vec<String> = (0..targets).map(|i| format!("t{i}")).collect();
    let mut text = format!(".PHONY: all {0}\nall: {0}\n", names.join(" "));
    for n in &names {
        text.push_str(&format!(
            "{n}:\n\t{}@FMJS_HELPER={mode} {} >/dev/null\n",
            if plus { "+" } else { "" },
            helper_cmdline()
        ));
    }
    let path = dir.join("Makefile");
    std::fs::write(&path, text).unwrap();
    path
}

fn assert_clean_make_stderr(stderr: &[u8]) {
    let s = String::from_utf8_lossy(stderr);
    assert!(!s.contains("INTERNAL"), "token count off: {s}");
    assert!(!s.contains("warning"), "{s}");
}

/// GNU make -j4 as the server (pipe style, all it has), this crate's client
/// in `+` recipes taking extra tokens.
#[test]
fn gnu_make_serves_our_client() {
    if !have_make() {
        eprintln!("skipped: no {MAKE}");
        return;
    }
    let dir = scratch("gnu-server");
    let board_path = dir.join("board");
    let board = Board::create(&board_path);
    let mf = write_makefile(&dir, 8, true, "make-job");
    let out = Command::new(MAKE)
        .args(["-j4", "-f"])
        .arg(&mf)
        .env("FMJS_BOARD", &board_path)
        .env("FMJS_EXTRA", "4")
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS")
        .env_remove("CARGO_MAKEFLAGS")
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_clean_make_stderr(&out.stderr);
    assert_eq!(board.errors(), 0);
    assert_eq!(board.current(), 0);
    assert!(board.max() <= 4, "{} jobs under -j4", board.max());
    assert!(board.max() >= 2);
    std::fs::remove_dir_all(dir).unwrap();
}

/// A recipe without `+` gets closed descriptors from GNU make: the client
/// reports `Unavailable` (the make then warns and uses -j1).
#[test]
fn gnu_make_non_recursive_recipe_is_unavailable() {
    if !have_make() {
        return;
    }
    let dir = scratch("gnu-noplus");
    let board_path = dir.join("board");
    Board::create(&board_path);
    let mf = write_makefile(&dir, 2, false, "expect-unavailable");
    let out = Command::new(MAKE)
        .args(["-j4", "-f"])
        .arg(&mf)
        .env("FMJS_BOARD", &board_path)
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// This crate's server running GNU sub-makes as a top-level make would:
/// the first in its implicit slot, the second on a token it took.
fn our_server_runs_gnu_submakes(style: Style) {
    let dir = scratch("our-server");
    let board_path = dir.join("board");
    let board = Board::create(&board_path);
    let mf = write_makefile(&dir, 6, true, "make-job");
    let server = Server::create(4, style, Some(&dir)).unwrap();
    let me = server.client().unwrap();
    let spawn = || {
        let guard = server.prepare_child(true).unwrap();
        let mut cmd = Command::new(MAKE);
        guard.apply(&mut cmd);
        let child = cmd
            .arg("-f")
            .arg(&mf)
            .env("MAKEFLAGS", server.makeflags())
            .env("FMJS_BOARD", &board_path)
            .env("FMJS_EXTRA", "4")
            .env_remove("MFLAGS")
            .env_remove("CARGO_MAKEFLAGS")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(guard);
        child
    };
    let first = spawn();
    let token = me
        .acquire_timeout(Duration::from_secs(30))
        .unwrap()
        .unwrap();
    let second = spawn();
    let outs: Vec<_> = [first, second]
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    drop(token);
    for o in &outs {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_clean_make_stderr(&o.stderr);
    }
    assert_eq!(board.errors(), 0);
    assert!(board.max() <= 4, "{} jobs under -j4", board.max());
    assert!(board.max() >= 2);
    assert!(server.shutdown_check().unwrap().is_complete());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn our_pipe_server_runs_gnu_submakes() {
    if have_make() {
        our_server_runs_gnu_submakes(Style::Pipe);
    }
}

/// GNU make before 4.4 cannot join a fifo jobserver: it stops with
/// "invalid --jobserver-auth string" (the documented limit; serve such
/// makes with `Style::Pipe`). From 4.4 on, the full test runs.
#[test]
fn our_fifo_server_with_gnu_make() {
    if !have_make() {
        return;
    }
    if make_version() >= (4, 4) {
        our_server_runs_gnu_submakes(Style::Fifo);
        return;
    }
    let dir = scratch("fifo-43");
    let mf = dir.join("Makefile");
    std::fs::write(&mf, "all:\n\t@:\n").unwrap();
    let server = Server::create(4, Style::Fifo, Some(&dir)).unwrap();
    let out = Command::new(MAKE)
        .arg("-f")
        .arg(&mf)
        .env("MAKEFLAGS", server.makeflags())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid --jobserver-auth"));
    assert!(server.shutdown_check().unwrap().is_complete());
    std::fs::remove_dir_all(dir).unwrap();
}
