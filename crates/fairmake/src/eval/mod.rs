//! Variables, compiled expansions and the built-in functions.

pub mod functions;
