//! GNU make's jobserver protocol, both sides, with no knowledge of make.
//!
//! - [`Server`] creates a jobserver for N jobs (N−1 tokens), fifo or pipe
//!   style, writes the MAKEFLAGS words, counts and heals tokens.
//! - [`Client`] joins one named in MAKEFLAGS and takes [`Token`]s without
//!   ever blocking: poll [`Client::poll_fd`] with your child-exit source,
//!   then call [`Client::try_acquire`].
//! - [`signal_cleanup`] removes the fifo from a signal handler.
//!
//! See README.md for the contract every part keeps.

mod auth;
mod cleanup;
mod client;
mod fallback;
mod inherit;
mod server;
mod sys;
mod token;

pub use auth::{parse_makeflags, Auth, Malformed};
pub use cleanup::signal_cleanup;
pub use client::{Client, ClientError, Strategy, UNAVAILABLE_WARNING};
pub use inherit::SpawnGuard;
pub use server::{Healing, Server, Style, TokenCount, TOKEN_BYTE};
pub use token::Token;
