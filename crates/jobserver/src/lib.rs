//! GNU make's jobserver protocol, both sides, with no knowledge of make.
//!
//! - [`Server`] creates a jobserver for N jobs (N−1 tokens), fifo or pipe
//!   style, writes the MAKEFLAGS words, counts and heals tokens.
//! - [`Client`] joins one named in MAKEFLAGS and takes [`Token`]s without
//!   ever blocking: poll [`Client::poll_fd`] with your child-exit source,
//!   then call [`Client::try_acquire`].
//! - [`signal_cleanup`] removes the fifo from a signal handler.
//! - [`note_inherited_fds`] snapshots, at start-up, which descriptors named
//!   in MAKEFLAGS were really inherited.
//! - [`adopt_orphans`] lets a server see the orphans of killed clients, so
//!   that healing waits for them.
//! - [`Governor`] withholds free tokens while memory is short, read from a
//!   [`MemorySource`] ([`SystemMemory`]: `/proc/meminfo`, cgroups, PSI).
//!
//! See README.md for the contract every part keeps.

// A library for other makes too: everything public says what it is.
#![warn(missing_docs)]

mod auth;
mod children;
mod cleanup;
mod client;
mod fallback;
mod inherited;
mod memory;
mod server;
mod sys;
mod token;
mod tree;
mod withhold;

pub use auth::{find, is_jobserver_word, parse_makeflags, Auth, Malformed, Named};
pub use children::ChildFds;
pub use cleanup::signal_cleanup;
pub use client::{Client, ClientError, Strategy, UNAVAILABLE_WARNING};
pub use inherited::note_inherited_fds;
pub use memory::{parse_size, Bytes, Ledger, MemorySample, MemorySource, SystemMemory};
pub use server::{HealCheck, Healing, Server, Style, TokenCount, TOKEN_BYTE};
pub use token::Token;
pub use tree::{adopt_orphans, adopts_orphans, children, now_ticks, started_at};
pub use withhold::{Change, Governor, Reserve, Timing, Why};
