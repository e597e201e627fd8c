//! Threadline's integration-test support, one crate for every test binary:
//! real servers ([`servers`], [`tls_redis`], [`proxy`], [`raw`]), the fakes
//! of Discord ([`fake_discord`]) and GitHub ([`fake_github`]), GitHub
//! deliveries ([`fixtures`], [`history`]), and builders for `web`
//! ([`app`]), `worker` ([`worker`]) and a whole private [`stack`].
//!
//! Tests are isolated: each gets servers on free ports or a namespace of
//! its own. A test that cannot reach its server fails loudly.

pub mod app;
pub mod configured;
pub mod fake_discord;
pub mod fake_github;
pub mod fixtures;
pub mod history;
pub mod ports;
pub mod proxy;
pub mod raw;
pub mod servers;
pub mod stack;
pub mod tls_redis;
pub mod wait;
pub mod worker;
