//! The built-in rules and variables of GNU make 4.4.1.
