//! Typed settings, read once from the environment (12-factor).
//!
//! Each binary builds its own settings struct at start and refuses to start,
//! with a message naming the variable, when something required is missing
//! or malformed. Nothing else in the crate reads the environment. One file
//! per binary: [`web`], [`worker`] and [`cli`]; what they share is here.

mod cli;
mod dibs;
mod github;
mod web;
mod worker;

pub use cli::CliSettings;
pub use dibs::{holder_name, ApiToken};
pub use github::{GithubAuth, GithubSettings};
pub use web::{DibsWebSettings, DoorSettings, MetricsSettings, WebSettings};
pub use worker::{DiscordSettings, WorkerSettings};

use crate::config::EnvOverrides;
use anyhow::Context as _;
use std::time::Duration;

pub use crate::queue::FaktoryAddr;

/// `JOB_RESERVE_FOR_SECS` unset: the longest job's worst case, about eight
/// Discord calls of 30 s (call deadline plus a budget wait in the slot),
/// and a margin; the worker stops a job at its reservation less 20 s
/// (RELIABILITY.md, "Outcomes and reservations").
pub const DEFAULT_RESERVE_FOR: Duration = Duration::from_secs(300);

/// Settings shared by `web` and `worker`. Its `Debug` shows the Redis URL
/// without its password ([`redacted_url`]), and Faktory's without its own.
#[derive(Clone)]
pub struct Common {
    pub faktory: FaktoryAddr,
    pub redis_url: String,
    /// Prefixes queue names and Redis keys; empty in production, per-test
    /// in tests so that tests sharing one Faktory and Redis never meet.
    pub namespace: String,
    /// `reserve_for` of every job pushed, by `web` and by the worker's own
    /// scheduling (`JOB_RESERVE_FOR_SECS`).
    pub reserve_for: Duration,
}

impl std::fmt::Debug for Common {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Common")
            .field("faktory", &self.faktory)
            .field("redis_url", &redacted_url(&self.redis_url))
            .field("namespace", &self.namespace)
            .field("reserve_for", &self.reserve_for)
            .finish()
    }
}

/// A URL fit for a log line: its password (`user:password@`, or a `pass`
/// or `password` query parameter, as Redis URLs may carry one) as `***`.
pub fn redacted_url(raw: &str) -> String {
    let Ok(mut url) = url::Url::parse(raw) else {
        // Unparsed, a password could be anywhere in it: show none of it.
        return "(not a URL)".to_string();
    };
    if url.password().is_some() {
        // Fails only for URLs without a host, which carry no password.
        let _ = url.set_password(Some("***"));
    }
    let secret = |key: &str| matches!(key.to_ascii_lowercase().as_str(), "pass" | "password");
    if url.query_pairs().any(|(k, _)| secret(&k)) {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if secret(&k) {
                    "***".into()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

impl Common {
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(Common {
            faktory: FaktoryAddr::from_vars(|name| {
                std::env::var(name).ok().filter(|v| !v.is_empty())
            })?,
            // redis://, or rediss:// (TLS) as hosted providers give it, with
            // a user and password, and `#insecure` for self-signed certificates.
            redis_url: var_or("REDIS_URL", "redis://127.0.0.1:6379"),
            namespace: var_or("THREADLINE_NAMESPACE", ""),
            reserve_for: Duration::from_secs(parse_var(
                "JOB_RESERVE_FOR_SECS",
                DEFAULT_RESERVE_FOR.as_secs(),
            )?),
        })
    }

    /// The physical Faktory queue of a logical queue.
    pub fn queue(&self, logical: &str) -> String {
        if self.namespace.is_empty() {
            logical.to_string()
        } else {
            format!("{}-{logical}", self.namespace)
        }
    }

    /// The Redis key prefix: `threadline:` plus the namespace.
    pub fn key_prefix(&self) -> String {
        if self.namespace.is_empty() {
            "threadline:".to_string()
        } else {
            format!("threadline:{}:", self.namespace)
        }
    }
}

/// What the environment adds to the config file: the fallback channel,
/// the default of `bots`, `REVIEW_REMINDERS=0`, and whether backfill is
/// automatic (GitHub credentials, `THREADLINE_BACKFILL`).
fn config_env(fallback: Option<u64>) -> anyhow::Result<EnvOverrides> {
    Ok(EnvOverrides {
        fallback,
        forward_bots: var_or("FORWARD_BOT_EVENTS", "0") == "1",
        reminders_off: var_or("REVIEW_REMINDERS", "1") == "0",
        auto_backfill: {
            let github = GithubSettings::from_env()?;
            github.auth.is_some() && github.backfill_auto
        },
    })
}

/// A value that must never reach a log line.
#[derive(Clone)]
pub struct Secret(pub String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

fn var_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_string())
}

fn parse_var<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T> {
    match std::env::var(name).ok().filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .ok()
            .with_context(|| format!("{name}={v:?} is not a valid number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_shows_no_redis_or_faktory_password() {
        let common = Common {
            faktory: FaktoryAddr::parse("tcp://:fk-pw-1@faktory:7419").unwrap(),
            redis_url: "rediss://threadline:rd%2Fpw-2@redis.example:6380/#insecure".into(),
            namespace: String::new(),
            reserve_for: DEFAULT_RESERVE_FOR,
        };
        for shown in [format!("{common:?}"), format!("{common:#?}")] {
            assert!(!shown.contains("pw-"), "{shown}");
            assert!(
                shown.contains("rediss://threadline:***@redis.example:6380/#insecure"),
                "{shown}"
            );
        }
    }

    #[test]
    fn redacted_urls_keep_everything_but_the_password() {
        assert_eq!(
            redacted_url("redis://:p%40ss@127.0.0.1:6379"),
            "redis://:***@127.0.0.1:6379"
        );
        assert_eq!(
            redacted_url("redis://127.0.0.1:6379/2"),
            "redis://127.0.0.1:6379/2"
        );
        assert_eq!(
            redacted_url("redis+unix:///run/redis.sock?db=1&pass=hunter2"),
            "redis+unix:///run/redis.sock?db=1&pass=***"
        );
        assert_eq!(redacted_url("not a url :pw@"), "(not a URL)");
    }
}
