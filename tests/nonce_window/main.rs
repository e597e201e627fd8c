//! A job that comes back after Discord's nonce window posts nothing twice.
//!
//! - `fake_history`: the fake's `GET /channels/{id}/messages` and
//!   `GET /users/@me` against Discord's rules and twilight's models.

#[path = "../support/mod.rs"]
mod support;

mod fake_history;
