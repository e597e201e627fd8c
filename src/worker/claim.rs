//! Claims: short Redis locks that let one job at a time do a piece of work
//! for a PR (create its thread, sync it). A claim expires by itself, so a
//! worker that dies holding one blocks the work for its TTL at most, and
//! only its holder can release it early.

use super::{Context, JobError};
use std::time::Duration;

const RELEASE: &str =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end return 1";

/// A claim this job holds.
pub struct Claim {
    key: String,
    token: String,
}

impl Claim {
    /// Takes the claim `name` for `ttl`, or `None` if another job holds it.
    pub async fn take(ctx: &Context, name: &str, ttl: Duration) -> Result<Option<Claim>, JobError> {
        let claim = Claim {
            key: ctx.guards.key(name),
            token: token(),
        };
        let mut redis = ctx.guards.redis();
        let taken: Option<String> = redis::cmd("SET")
            .arg(&claim.key)
            .arg(&claim.token)
            .arg("NX")
            .arg("PX")
            .arg(ttl.as_millis() as u64)
            .query_async(&mut redis)
            .await
            .map_err(|e| JobError::redis("taking a claim", e))?;
        Ok(taken.map(|_| claim))
    }

    /// Releases the claim if this job still holds it.
    pub async fn release(self, ctx: &Context) {
        let mut redis = ctx.guards.redis();
        let released = redis::Script::new(RELEASE)
            .key(&self.key)
            .arg(&self.token)
            .invoke_async::<i64>(&mut redis)
            .await;
        if let Err(e) = released {
            log::warn!("claim {} not released (expires by itself): {e}", self.key);
        }
    }
}

/// Unique enough across processes and attempts.
fn token() -> String {
    use std::hash::{BuildHasher, RandomState};
    let salt = RandomState::new().hash_one(std::time::SystemTime::now());
    format!("{}:{salt:x}", std::process::id())
}
