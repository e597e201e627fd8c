//! GitHub: the webhook payloads Threadline reads ([`payload`]) and its REST
//! API client ([`client`]), with App auth ([`auth`], [`jwt`]), shared rate
//! limits ([`rate`]), pagination ([`page`]), issue comments ([`comments`]) and the hooks that delivered
//! to `web` ([`hooks`]).
//!
//! A low room: it knows Redis, settings and metrics, never `worker` or
//! `web`.

pub mod auth;
pub mod client;
pub mod comments;
pub mod hooks;
pub mod jwt;
pub mod page;
pub mod payload;
pub mod rate;
mod tokens;

pub use auth::As;
pub use client::{GitHub, GithubError};
pub use page::Page;
pub use payload::*;
