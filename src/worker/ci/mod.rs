//! CI in the PR's thread: what a check, a workflow run or a legacy commit
//! status means for the PR ([`verdict`]), the newest state of each run of a
//! head commit ([`runs`]), and the one summary message rendered from them
//! ([`summary`]).
//!
//! [`verdict`], [`runs`] and [`summary`] are pure: they do no I/O, so the
//! rules that decide what a team sees (never green for a state not
//! understood, failures first, within Discord's 2,000 characters) are
//! tested without a server. [`store`] keeps the runs in Redis, [`sync`]
//! posts and edits the messages.

pub mod runs;
pub mod store;
pub mod summary;
pub mod sync;
pub mod verdict;

pub use runs::{Run, Runs};
pub use summary::{overall, render, Overall};
pub use verdict::Verdict;
