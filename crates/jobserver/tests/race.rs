//! Deterministic tests of the acquire path under hostile timing: the seed
//! race of GNU make 4.2.1 (a child dies and the token is stolen between
//! "poll says readable" and "read"), and both hand-out orders of a
//! released token between two waiters.

mod common;

use std::fs::File;
use std::io::Read;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::wait_for;
use fairmake_jobserver::{Auth, Client, Server, Strategy, Style, TOKEN_BYTE};

fn pidfd(child: &Child) -> OwnedFd {
    // SAFETY: pidfd_open takes a pid and flags, and touches no memory.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, child.id() as libc::pid_t, 0) };
    assert!(fd >= 0, "pidfd_open: {}", std::io::Error::last_os_error());
    // SAFETY: a fresh descriptor (checked above) that nobody else owns.
    unsafe { OwnedFd::from_raw_fd(fd as i32) }
}

fn readable(fd: BorrowedFd<'_>, timeout_ms: i32) -> bool {
    let mut p = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one pollfd, as the count says.
    (unsafe { libc::poll(&mut p, 1, timeout_ms) }) == 1
}

/// A child that runs until its stdin closes: a job we can end at will.
fn job() -> Child {
    Command::new("sh")
        .args(["-c", "cat >/dev/null"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Another process reads one token from the shared jobserver and keeps it
/// (it exits, so the token is "held" until the test writes it back).
fn steal_one(server: &Server) {
    let stdin: Stdio = match server.auth() {
        Auth::Pipe { .. } => server.read_fd().try_clone_to_owned().unwrap().into(),
        Auth::Fifo(p) => File::open(p).unwrap().into(),
    };
    let st = Command::new("dd")
        .args(["bs=1", "count=1", "of=/dev/null", "status=none"])
        .stdin(stdin)
        .status()
        .unwrap();
    assert!(st.success());
}

/// Runs `f` on another thread; panics if it does not return in `limit`
/// (it would be sleeping in read(): the bug), instead of hanging the test.
fn bounded<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit)
        .expect("blocked: slept on the token pipe while a child's exit was pending")
}

fn seed_race(style: Style, strategy: Strategy) {
    // -j3: two tokens. The make runs job A on one of them.
    let server = Server::create(3, style, None).unwrap();
    let client = Client::from_auth(server.auth(), strategy).unwrap();
    let t1 = client.try_acquire().unwrap();
    let t1 = match t1 {
        Some(t) => t,
        // The helper thread delivers asynchronously.
        None => client
            .acquire_timeout(Duration::from_secs(10))
            .unwrap()
            .unwrap(),
    };
    let mut a = job();
    let a_exit = pidfd(&a);

    // The loop wants a second token and polls: the token fd is readable,
    // the child has not exited.
    match strategy {
        Strategy::Auto => assert!(readable(client.poll_fd(), 10_000), "a token is there"),
        // The helper starts reading on our behalf.
        Strategy::HelperThread => drop(client.try_acquire().unwrap()),
    }
    assert!(!readable(a_exit.as_fd(), 0));

    // --- between poll and read: A dies, another process takes the token.
    if strategy == Strategy::HelperThread {
        // Our helper may have parked the token already; it counts as taken
        // by us then, and the race is moot. Make it a race again by giving
        // it back first.
        client.withdraw().unwrap();
    }
    drop(a.stdin.take());
    wait_for("job A to die", || readable(a_exit.as_fd(), 0));
    steal_one(&server);
    assert_eq!(server.tokens_available().unwrap(), 0);

    // --- the loop reads: it must not sleep, and must go back to poll.
    let client = std::sync::Arc::new(client);
    let c = std::sync::Arc::clone(&client);
    let got = bounded(Duration::from_secs(10), move || {
        c.try_acquire().map(|t| t.is_some())
    });
    assert!(!got.unwrap(), "the token was stolen; nothing to read");

    // Back in poll with both sources: the child's exit is what is ready.
    let mut fds = [
        libc::pollfd {
            fd: client.poll_fd().as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        },
        libc::pollfd {
            fd: a_exit.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        },
    ];
    // SAFETY: `fds` holds the two pollfds given as its length.
    let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, 10_000) };
    assert!(
        n >= 1 && fds[1].revents & libc::POLLIN != 0,
        "child exit seen"
    );
    // Reap A and give back its token: the slot is not lost.
    assert!(a.wait().unwrap().success());
    drop(t1);
    // Now the loop gets a token (A's) without anyone else's help.
    let t2 = client
        .acquire_timeout(Duration::from_secs(10))
        .unwrap()
        .expect("A's token");
    drop(t2);
    // The thief finishes and gives its token back: all are home.
    let w = server.write_fd();
    assert_eq!(
        // SAFETY: writing one byte from a one-byte buffer to an open fd.
        unsafe { libc::write(w.as_raw_fd(), (&TOKEN_BYTE as *const u8).cast(), 1) },
        1
    );
    drop(client);
    wait_for("all tokens home", || {
        server.tokens_available().unwrap() == 2
    });
}

#[test]
fn seed_race_pipe() {
    seed_race(Style::Pipe, Strategy::Auto);
}

#[test]
fn seed_race_fifo() {
    seed_race(Style::Fifo, Strategy::Auto);
}

#[test]
fn seed_race_helper_thread() {
    seed_race(Style::Pipe, Strategy::HelperThread);
}

/// Control: in the same window, a blocking read() on the shared pipe (what
/// GNU make 4.2.1 did) sleeps. This is the hang `seed_race_*` guards
/// against; if this passed through, the scenario would prove nothing.
#[test]
fn seed_race_control_blocking_read_sleeps() {
    let server = Server::create(2, Style::Pipe, None).unwrap();
    assert!(readable(server.read_fd(), 0));
    steal_one(&server);
    let shared = server.read_fd().try_clone_to_owned().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut f = File::from(shared);
        let mut b = [0u8];
        let _ = tx.send(f.read(&mut b).map(|n| (n, b[0])));
    });
    assert!(
        rx.recv_timeout(Duration::from_millis(300)).is_err(),
        "a blocking read on an emptied pipe must sleep"
    );
    // Wake it so the thread ends, and check it took exactly that token.
    let w = server.write_fd();
    assert_eq!(
        // SAFETY: writing one byte from a one-byte buffer to an open fd.
        unsafe { libc::write(w.as_raw_fd(), (&TOKEN_BYTE as *const u8).cast(), 1) },
        1
    );
    let (n, b) = rx.recv_timeout(Duration::from_secs(10)).unwrap().unwrap();
    assert_eq!((n, b), (1, TOKEN_BYTE));
}

/// Two waiters see the same released token. Whichever reads first wins;
/// the other gets `None` at once (no sleep), goes back to poll, and gets
/// the next token released. `first_wins` picks FIFO or LIFO hand-out.
fn handout(style: Style, first_wins: bool) {
    let server = Server::create(2, style, None).unwrap();
    let first = std::sync::Arc::new(server.client().unwrap());
    let second = std::sync::Arc::new(server.client().unwrap());
    let held = first.try_acquire().unwrap().unwrap();
    // Both wait: nothing readable.
    assert!(!readable(first.poll_fd(), 0));
    assert!(!readable(second.poll_fd(), 0));
    drop(held);
    // Both are woken by the one token.
    assert!(readable(first.poll_fd(), 10_000));
    assert!(readable(second.poll_fd(), 10_000));
    let (winner, loser) = if first_wins {
        (&first, &second)
    } else {
        (&second, &first)
    };
    let t = winner.try_acquire().unwrap().expect("winner reads it");
    let l = std::sync::Arc::clone(loser);
    let lost = bounded(Duration::from_secs(10), move || {
        l.try_acquire().map(|t| t.is_none())
    });
    assert!(lost.unwrap(), "loser: EAGAIN, back to poll");
    assert!(
        !readable(loser.poll_fd(), 0),
        "loser waits in poll, not read"
    );
    assert_eq!(server.tokens_available().unwrap(), 0);
    drop(t);
    let t = loser
        .acquire_timeout(Duration::from_secs(10))
        .unwrap()
        .expect("loser gets the next one");
    drop(t);
    assert_eq!(server.tokens_available().unwrap(), 1);
}

#[test]
fn handout_fifo_order() {
    handout(Style::Pipe, true);
    handout(Style::Fifo, true);
}

#[test]
fn handout_lifo_order() {
    handout(Style::Pipe, false);
    handout(Style::Fifo, false);
}

/// With a helper thread as one waiter, either may win: the invariants hold
/// either way and a token the helper's make no longer wants goes back.
#[test]
fn handout_with_helper_thread_either_order() {
    for _ in 0..20 {
        let server = Server::create(2, Style::Pipe, None).unwrap();
        let helped = Client::from_auth(server.auth(), Strategy::HelperThread).unwrap();
        let plain = server.client().unwrap();
        let held = plain.try_acquire().unwrap().unwrap();
        assert!(helped.try_acquire().unwrap().is_none()); // starts wanting
        drop(held);
        // Race: the helper thread vs. the plain client.
        let mine = plain.try_acquire().unwrap();
        let theirs = if mine.is_none() {
            Some(
                helped
                    .acquire_timeout(Duration::from_secs(10))
                    .unwrap()
                    .unwrap(),
            )
        } else {
            helped.withdraw().unwrap();
            None
        };
        assert!(mine.is_some() != theirs.is_some(), "exactly one holds it");
        drop((mine, theirs));
        drop(helped);
        wait_for("token home", || server.tokens_available().unwrap() == 1);
    }
}
