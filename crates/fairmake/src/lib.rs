//! fairmake: a GNU make-compatible make with a correct jobserver.
//!
//! The flow (DESIGN.md): argv + MAKEFLAGS + environment → [`options`] → [`read`]
//! evaluates makefiles into a [`rules`] database and [`eval`] variables → [`plan`]
//! walks the goals → [`exec`] runs jobs under the jobserver.

pub mod diag;
pub mod eval;
pub mod exec;
pub mod fscache;
pub mod glob;
pub mod options;
pub mod pattern;
pub mod plan;
pub mod read;
pub mod rules;
pub mod session;
pub mod trace;
pub mod words;

/// Runs make with this process's argv and environment; returns the exit status.
///
/// The work runs on a thread with a large stack, so that deep prerequisite
/// chains and deeply recursive `$(call)`s do not overflow it.
pub fn run_from_env() -> i32 {
    share_the_main_malloc_arena();
    let worker = std::thread::Builder::new()
        .name("fairmake".into())
        .stack_size(1 << 30)
        .spawn(session::run);
    match worker.map(|w| w.join()) {
        Ok(Ok(code)) => code,
        _ => 2,
    }
}

/// glibc gives a second thread its own malloc arena, grown with one
/// `mprotect` per 4 KiB step (1300 system calls in a 15 000-target walk);
/// the main arena grows with cheap `brk`. The worker is the only thread that
/// allocates much, so it may as well use the main arena.
fn share_the_main_malloc_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes the allocator; no thread is running yet.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}
