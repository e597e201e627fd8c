//! Claims: short Redis locks that let one job at a time do a piece of work
//! for a PR (create its thread, sync it). A claim expires by itself, so a
//! worker that dies holding one blocks the work for its TTL at most, and
//! only its holder can release it early.

use crate::worker::{Context, JobError};
use std::time::Duration;

const RELEASE: &str =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end return 1";
/// Takes the claim, or renews it when this job (chain) holds it already.
const TAKE: &str = "local held = redis.call('GET', KEYS[1]) \
    if held == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end \
    if held then return 0 end \
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1";

/// A claim this job holds.
pub struct Claim {
    key: String,
    token: String,
}

impl Claim {
    /// Takes the claim `name` for `ttl`, or `None` if another job holds
    /// it. A job pushed back keeps its claims: its copy holds them again.
    pub async fn take(ctx: &Context, name: &str, ttl: Duration) -> Result<Option<Claim>, JobError> {
        let claim = Claim {
            key: ctx.guards.key(name),
            token: ctx.origin.clone(),
        };
        let mut redis = ctx.guards.redis();
        let taken: i64 = redis::Script::new(TAKE)
            .key(&claim.key)
            .arg(&claim.token)
            .arg(ttl.as_millis() as u64)
            .invoke_async(&mut redis)
            .await
            .map_err(|e| JobError::redis("taking a claim", e))?;
        Ok((taken == 1).then_some(claim))
    }

    /// Keeps the claim for `ttl` more, for a job pushed back while holding it.
    pub async fn keep(self, ctx: &Context, ttl: Duration) {
        let mut redis = ctx.guards.redis();
        let kept: Result<i64, _> = redis::Script::new(TAKE)
            .key(&self.key)
            .arg(&self.token)
            .arg(ttl.as_millis() as u64)
            .invoke_async(&mut redis)
            .await;
        if let Err(e) = kept {
            log::warn!(
                "claim {} not extended (another job may take it): {e}",
                self.key
            );
        }
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

/// Runs `work` holding claim `name`. A job that finds the claim taken
/// comes back in a couple of seconds (pushed back) instead of waiting in
/// its slot; `work` must therefore read what it needs once it runs.
pub async fn exclusively<T>(
    ctx: &Context,
    name: &str,
    ttl: Duration,
    work: impl std::future::Future<Output = Result<T, JobError>>,
) -> Result<T, JobError> {
    let Some(claim) = Claim::take(ctx, name, ttl).await? else {
        return Err(JobError::Deferred {
            retry_at_ms: crate::clock::now_ms() + 2000,
            ticket: None,
        });
    };
    let result = work.await;
    claim.release(ctx).await;
    result
}
