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
/// The work runs on the main thread, on a large stack of its own (the
/// `stacker` crate switches to it), so that deep prerequisite chains and
/// deeply recursive `$(call)`s do not overflow. Not on a second thread:
/// once a process has two, glibc's `malloc` takes its locks on every call
/// for the rest of the run (parse, scale 1: 10 % more CPU). A panic, which
/// is a bug, ends make with status 2.
pub fn run_from_env() -> i32 {
    std::panic::catch_unwind(|| stacker::grow(WORK_STACK, session::run)).unwrap_or(2)
}

/// The stack the work runs on: address space only, until it is used.
const WORK_STACK: usize = 1 << 30;
