//! Who a request is made as, and the bearer it carries.
//!
//! A token is used as is. An App signs a JWT for its own routes (`/app…`)
//! and mints installation tokens (1 hour) for everything else. Those are
//! cached in Redis, shared by every process, and dropped 5 minutes before
//! they expire so that a fresh one is minted in time. Tokens are opaque
//! strings of any length and never reach a log line.

use super::jwt::AppKey;
use crate::settings::{GithubAuth, GithubSettings, Secret};
use anyhow::Context as _;
use redis::aio::ConnectionManager;
use std::time::Duration;

/// An installation token is renewed this long before it expires.
pub const RENEW_BEFORE: Duration = Duration::from_secs(5 * 60);
/// One process mints a token at a time; the others wait this long at most.
const MINT_LOCK: Duration = Duration::from_secs(10);

/// The credentials configured.
#[derive(Clone, Debug)]
pub enum Credentials {
    Token(Secret),
    App(AppKey),
}

impl Credentials {
    /// `None` when neither mode is configured.
    pub fn from_settings(settings: &GithubSettings) -> anyhow::Result<Option<Credentials>> {
        Ok(match &settings.auth {
            None => None,
            Some(GithubAuth::Token(t)) => Some(Credentials::Token(t.clone())),
            Some(GithubAuth::App {
                app_id,
                private_key,
            }) => Some(Credentials::App(AppKey::from_pem(
                app_id,
                private_key.expose(),
            )?)),
        })
    }
}

/// Who one request is made as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum As {
    /// The configured token (token mode).
    Token,
    /// The App itself, with its JWT (App mode, `/app…` routes).
    App,
    /// One installation of the App, with its installation token.
    Installation(u64),
}

impl As {
    /// The name its rate limits are kept under: never a secret.
    pub fn identity(&self) -> String {
        match self {
            As::Token => "token".to_string(),
            As::App => "app".to_string(),
            As::Installation(id) => format!("installation:{id}"),
        }
    }
}

/// A cached installation token, as kept in Redis.
#[derive(serde::Serialize, serde::Deserialize)]
pub(super) struct Cached {
    pub token: String,
    pub expires_at_ms: u64,
}

/// The Redis side of installation tokens.
#[derive(Clone)]
pub(super) struct TokenCache {
    redis: ConnectionManager,
    prefix: String,
}

impl TokenCache {
    pub fn new(redis: ConnectionManager, prefix: &str) -> TokenCache {
        TokenCache {
            redis,
            prefix: prefix.to_string(),
        }
    }

    fn key(&self, installation: u64) -> String {
        format!("{}github:installation_token:{installation}", self.prefix)
    }

    pub async fn get(&self, installation: u64) -> anyhow::Result<Option<String>> {
        let mut redis = self.redis.clone();
        let raw: Option<String> = redis::cmd("GET")
            .arg(self.key(installation))
            .query_async(&mut redis)
            .await
            .context("reading a cached installation token")?;
        Ok(raw
            .and_then(|r| serde_json::from_str::<Cached>(&r).ok())
            .map(|c| c.token))
    }

    /// Keeps `token` until [`RENEW_BEFORE`] its expiry; a token that
    /// expires sooner than that is used once and not kept.
    pub async fn put(&self, installation: u64, cached: &Cached, now_ms: u64) -> anyhow::Result<()> {
        let keep_ms = cached
            .expires_at_ms
            .saturating_sub(RENEW_BEFORE.as_millis() as u64)
            .saturating_sub(now_ms);
        if keep_ms == 0 {
            return Ok(());
        }
        let mut redis = self.redis.clone();
        let value = serde_json::to_string(cached)?;
        redis::cmd("SET")
            .arg(self.key(installation))
            .arg(value)
            .arg("PX")
            .arg(keep_ms)
            .query_async::<()>(&mut redis)
            .await
            .context("caching an installation token")
    }

    /// Forgets a token GitHub refused (revoked, or expired early).
    pub async fn forget(&self, installation: u64) -> anyhow::Result<()> {
        let mut redis = self.redis.clone();
        redis::cmd("DEL")
            .arg(self.key(installation))
            .query_async::<()>(&mut redis)
            .await
            .context("forgetting an installation token")
    }

    /// True when this process may mint (no other one is minting).
    pub async fn lock_mint(&self, installation: u64) -> anyhow::Result<bool> {
        let mut redis = self.redis.clone();
        let set: Option<String> = redis::cmd("SET")
            .arg(format!("{}:minting", self.key(installation)))
            .arg(1)
            .arg("NX")
            .arg("PX")
            .arg(MINT_LOCK.as_millis() as u64)
            .query_async(&mut redis)
            .await
            .context("taking the installation token lock")?;
        Ok(set.is_some())
    }

    pub async fn unlock_mint(&self, installation: u64) {
        let mut redis = self.redis.clone();
        let _: redis::RedisResult<()> = redis::cmd("DEL")
            .arg(format!("{}:minting", self.key(installation)))
            .query_async(&mut redis)
            .await;
    }

    /// Waits for another process's mint to land in the cache.
    pub async fn wait_for(&self, installation: u64) -> anyhow::Result<Option<String>> {
        let deadline = tokio::time::Instant::now() + MINT_LOCK;
        while tokio::time::Instant::now() < deadline {
            if let Some(token) = self.get(installation).await? {
                return Ok(Some(token));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(None)
    }
}

/// Epoch ms of an ISO 8601 time such as GitHub's `expires_at`.
pub(super) fn epoch_ms(iso: &str) -> Option<u64> {
    chrono::DateTime::parse_from_rfc3339(iso)
        .ok()
        .map(|t| t.timestamp_millis().max(0) as u64)
}
