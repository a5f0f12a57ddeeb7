//! The built-in functions' bodies, one file per family, and the dispatch
//! (`control::call`). Their names and argument counts are in
//! `function_table`, below the compiler.

pub mod control;
pub mod names;
pub mod pure;
pub mod text;

pub use super::function_table::{expands_args, lookup, max_args, min_args, name, FuncId};
