//! Threadline: GitHub pull-request activity mirrored into Discord threads,
//! one thread per PR, through a durable Faktory job system.
//!
//! `web` ([`web`]) verifies deliveries and queues typed jobs; `worker`
//! ([`worker`]) performs them against Discord with guards in Redis that
//! make every effect happen at most once, while Faktory's retries make it
//! happen at least once.

pub mod cli;
pub mod clock;
pub mod config;
pub mod dead_index;
pub mod delivery_log;
pub mod dibs;
pub mod discord;
pub mod duration;
pub mod github;
pub mod keys;
pub mod metrics;
pub mod pr_facts;
pub mod queue;
pub mod redis_conn;
pub mod settings;
pub mod text;
pub mod web;
pub mod worker;
