//! fairmake: a GNU make-compatible make with a correct jobserver.
//!
//! The flow (docs/ARCHITECTURE.md): argv + MAKEFLAGS + environment → [`options`] → [`read`]
//! evaluates makefiles into a [`rules`] database and [`eval`] variables → [`plan`]
//! walks the goals → [`exec`] runs jobs under the jobserver.

pub mod diag;
pub mod eval;
pub mod exec;
pub mod fscache;
pub mod glob;
pub mod name_table;
pub mod options;
pub mod pattern;
pub mod plan;
pub mod read;
pub mod rules;
pub mod session;
mod stack;
pub mod trace;
pub mod words;

/// Runs make with this process's argv and environment; returns the exit status.
///
/// The work runs on the main thread, on a large stack of its own
/// (see the `stack` module), so that deep prerequisite chains and deeply recursive
/// `$(call)`s do not overflow.
pub fn run_from_env() -> i32 {
    stack::run_on_large_stack(session::run)
}
