//! Comment edits and deletions follow on Discord: the fake's edit and
//! delete routes themselves (`fake`), then the whole stack (real `web`,
//! Faktory, Redis and worker) editing and deleting forwarded comments.

#[path = "../support/mod.rs"]
mod support;

mod fake;
