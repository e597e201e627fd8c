//! CI in the PR's thread: what a check, a workflow run or a legacy commit
//! status means for the PR ([`verdict`]), the newest state of each run of a
//! head commit ([`runs`]), and the one summary message rendered from them
//! ([`summary`]).
//!
//! This wing is pure: it does no I/O, so the rules that decide what a team
//! sees (never green for a state not understood, failures first, within
//! Discord's 2,000 characters) are tested without a server.

pub mod runs;
pub mod summary;
pub mod verdict;

pub use runs::{Run, Runs};
pub use summary::{overall, render, Overall};
pub use verdict::Verdict;
