//! Makefile text → evaluated statements: logical lines, directives,
//! conditionals, define, include.

pub mod assignment;
