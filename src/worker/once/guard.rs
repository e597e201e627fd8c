//! Guards: Redis records of Discord effects that already happened.
//!
//! Every effect has a key. Before acting, a job reads the key; after
//! acting, it records what Discord returned with `SET NX`, so the first
//! writer wins and later copies of the job find the effect done. The gap
//! between acting and recording (a crash, a lost reply) is closed by
//! Discord itself: messages carry a nonce derived from the key, with
//! `enforce_nonce`, and threads are started from a message, which Discord
//! does only once.

use crate::worker::JobError;
use redis::aio::ConnectionManager;
use redis::AsyncCommands;
use sha2::Digest;
use std::time::Duration;

#[derive(Clone)]
pub struct Guards {
    redis: ConnectionManager,
    prefix: String,
}

impl Guards {
    pub fn new(redis: ConnectionManager, prefix: String) -> Self {
        Guards { redis, prefix }
    }

    /// The id recorded for `key`, if the effect already happened.
    pub async fn get(&self, key: &str) -> Result<Option<u64>, JobError> {
        let mut redis = self.redis.clone();
        let raw: Option<String> = redis
            .get(self.full(key))
            .await
            .map_err(|e| JobError::redis("reading a guard", e))?;
        Ok(raw.and_then(|v| v.parse().ok()))
    }

    /// Records `id` for `key` unless something was recorded first;
    /// returns what is recorded now. `ttl: None` keeps it for good.
    pub async fn record(&self, key: &str, id: u64, ttl: Option<Duration>) -> Result<u64, JobError> {
        let mut redis = self.redis.clone();
        let mut set = redis::cmd("SET");
        set.arg(self.full(key)).arg(id).arg("NX");
        if let Some(ttl) = ttl {
            set.arg("EX").arg(ttl.as_secs());
        }
        let written: Option<String> = set
            .query_async(&mut redis)
            .await
            .map_err(|e| JobError::redis("recording a guard", e))?;
        match written {
            Some(_) => Ok(id),
            None => Ok(self.get(key).await?.unwrap_or(id)),
        }
    }

    fn full(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// The full Redis key of a worker key, for commands beyond get/record.
    pub fn key(&self, key: &str) -> String {
        self.full(key)
    }

    /// A handle on Redis for commands beyond get/record.
    pub fn redis(&self) -> ConnectionManager {
        self.redis.clone()
    }

    /// Forgets `key` (e.g. a thread that was deleted on Discord).
    pub async fn forget(&self, key: &str) -> Result<(), JobError> {
        let mut redis = self.redis.clone();
        redis
            .del::<_, ()>(self.full(key))
            .await
            .map_err(|e| JobError::redis("deleting a guard", e))
    }

    /// The Discord nonce of an effect: stable across every retry and copy.
    pub fn nonce(&self, key: &str) -> String {
        let digest = sha2::Sha256::digest(self.full(key).as_bytes());
        hex::encode(digest)[..25].to_string()
    }
}
