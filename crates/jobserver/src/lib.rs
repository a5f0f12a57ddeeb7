//! GNU make's jobserver protocol, both sides, with no knowledge of make.
