//! fairmake: a GNU make-compatible make with a correct jobserver.
//!
//! The flow (docs/ARCHITECTURE.md): argv + MAKEFLAGS + environment → `options` → `read`
//! evaluates makefiles into a `rules` database and `eval` variables → `plan`
//! walks the goals → `exec` runs jobs under the jobserver.
//!
//! ## Layers
//!
//! Bottom to top. Code in a module uses only modules on the lines above
//! its own line; a module named here includes its submodules unless one
//! is named on a line of its own. `tests/layers.rs` reads this list and
//! every `crate::`, `super::` and `self::` path in the sources (test code
//! apart) and fails on any other use. `$(shell)` and `$(eval)` reach up
//! through `eval::Reentry`, which the session fills in.
//!
//! - `stack` `diag` `words` `pattern` `name_table`: no imports of the crate
//! - `assignment` `fscache`: assignment operators; the file status cache
//! - `glob`: `$(wildcard)` and file-name globbing, over the cache
//! - `archive`: `lib.a(member)` names and members' times
//! - `options`: the option table, argv and MAKEFLAGS
//! - `eval::function_table`: the built-in functions' names and arities
//! - `eval::expand`: make text compiled once into expansion trees
//! - `eval::vars`: variables and their sets (global, per target, per pattern)
//! - `rules`: the rule database, which holds the per-target sets
//! - `eval`: the `Evaluator`: expansion and every function
//! - `read`: makefile text into variables and rules
//! - `trace`: seeing the build: `--trace-json`, `--stats`, `--progress`
//! - `exec`: running jobs (the `Runner`), job slots, signals, `-O`
//! - `plan`: the planner, which drives the `Runner` through its seams
//! - `session`: one run, start to finish; provides `eval::Reentry`

mod archive;
mod assignment;
mod diag;
mod eval;
mod exec;
mod fscache;
mod glob;
mod name_table;
mod options;
mod pattern;
mod plan;
mod read;
mod rules;
mod session;
mod stack;
mod trace;
mod words;

// What the binaries, the tests and the fuzz targets use; the rest is the
// crate's own.
pub use eval::vars::{Flavor, Origin};
pub use eval::{Evaluator, Expansion};
pub use exec::output::hold_closed_stdout;
pub use exec::signals::{record_startup_dispositions, restore_sigpipe};
pub use exec::SignalWatch;
pub use options::{makeflags_value, parse_args, parse_makeflags, Options};
pub use read::eval_text;
pub use session::REENTRY;
pub use trace::{read_events, report::render_html};

/// Runs make with this process's argv and environment; returns the exit status.
///
/// The work runs on the main thread, on a large stack of its own
/// (see the `stack` module), so that deep prerequisite chains and deeply recursive
/// `$(call)`s do not overflow.
pub fn run_from_env() -> i32 {
    stack::run_on_large_stack(session::run)
}
