//! The built-in functions, one file per family.

pub mod names;
pub mod text;
