#![allow(dead_code)]
pub mod app;
pub mod configured;
pub mod fake_discord;
pub mod fake_github;
pub mod history;
pub mod ports;
pub mod proxy;
pub mod raw;
pub mod servers;
pub mod stack;
pub mod tls_redis;
