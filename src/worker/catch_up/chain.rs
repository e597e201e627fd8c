//! One chain of catch-up runs across every worker process.
//!
//! Redis holds the due time of the chain's current link
//! (`github:catch_up:due`). A worker starts a chain only when none is
//! there (`SET NX`), at start and every period after, so a restart neither
//! stops nor doubles it. A run goes ahead only if it is the current link;
//! at its end it pushes the next one with Faktory `at` and moves the due
//! time to it, in that order: a worker killed in between leaves the current
//! link current, so its retry runs again and the orphan next link finds
//! itself stale. A link whose worker died is retried by Faktory, and the
//! key outlives that, so nobody starts a second chain meanwhile.

use crate::clock::now_ms;
use crate::worker::pr::schedule::push_later;
use crate::worker::{Context, JobError, Phase, Shutdown};
use std::sync::Arc;
use std::time::Duration;
use threadline_jobs::GithubCatchUp;

const DUE: &str = "github:catch_up:due";
const LAST: &str = "github:catch_up:last_run_ms";

// Moves the due time from the current link to the next, only if the
// current one is still current.
const ADVANCE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
";

/// How long the due time is kept: past the next link's time, its
/// reservation and a retry or two.
fn ttl(ctx: &Context, every: Duration) -> u64 {
    (every + ctx.common.reserve_for + Duration::from_secs(600)).as_millis() as u64
}

/// Starts the chain when there is none, now and every period, until the
/// worker drains. Nothing when GitHub or catch-up is off.
pub fn keep(ctx: Arc<Context>, shutdown: Shutdown) {
    let (Some(_), Some(every)) = (&ctx.github, ctx.github_settings.catch_up_every) else {
        return;
    };
    tokio::spawn(async move {
        loop {
            if let Err(e) = start_if_missing(&ctx, every).await {
                log::warn!("catch-up: could not check its chain: {e}");
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.reached(Phase::Draining) => return,
            }
        }
    });
}

async fn start_if_missing(ctx: &Context, every: Duration) -> Result<(), JobError> {
    let now = now_ms();
    let mut redis = ctx.guards.redis();
    let set: Option<String> = redis::cmd("SET")
        .arg(ctx.guards.key(DUE))
        .arg(now)
        .arg("NX")
        .arg("PX")
        .arg(ttl(ctx, every))
        .query_async(&mut redis)
        .await
        .map_err(|e| JobError::redis("starting the catch-up chain", e))?;
    if set.is_some() {
        log::info!("catch-up: starting its chain (every {} s)", every.as_secs());
        push_later(ctx, &GithubCatchUp::due(now), Duration::ZERO).await?;
    }
    Ok(())
}

/// Whether the link due at `due_ms` is the chain's current one.
pub async fn is_current(ctx: &Context, due_ms: u64) -> Result<bool, JobError> {
    let mut redis = ctx.guards.redis();
    let due: Option<u64> = redis::cmd("GET")
        .arg(ctx.guards.key(DUE))
        .query_async(&mut redis)
        .await
        .map_err(|e| JobError::redis("reading the catch-up chain", e))?;
    Ok(due == Some(due_ms))
}

/// Where this run starts reading: the last completed run minus the
/// overlap, at most GitHub's retention back.
pub async fn since(ctx: &Context, now: u64) -> Result<u64, JobError> {
    let mut redis = ctx.guards.redis();
    let last: Option<u64> = redis::cmd("GET")
        .arg(ctx.guards.key(LAST))
        .query_async(&mut redis)
        .await
        .map_err(|e| JobError::redis("reading the last catch-up run", e))?;
    let oldest = now.saturating_sub(super::RETENTION.as_millis() as u64);
    Ok(last
        .map(|l| l.saturating_sub(super::OVERLAP.as_millis() as u64))
        .unwrap_or(oldest)
        .max(oldest))
}

/// Records a completed run that started at `started_ms`, then moves the
/// chain to its next link.
pub async fn completed(
    ctx: &Context,
    due_ms: u64,
    started_ms: u64,
    every: Duration,
) -> Result<(), JobError> {
    let mut redis = ctx.guards.redis();
    redis::cmd("SET")
        .arg(ctx.guards.key(LAST))
        .arg(started_ms)
        .query_async::<()>(&mut redis)
        .await
        .map_err(|e| JobError::redis("recording the catch-up run", e))?;
    let next = now_ms() + every.as_millis() as u64;
    push_later(ctx, &GithubCatchUp::due(next), every).await?;
    let moved: i64 = redis::Script::new(ADVANCE)
        .key(ctx.guards.key(DUE))
        .arg(due_ms)
        .arg(next)
        .arg(ttl(ctx, every))
        .invoke_async(&mut redis)
        .await
        .map_err(|e| JobError::redis("advancing the catch-up chain", e))?;
    if moved == 0 {
        log::info!(
            "catch-up: another link became current meanwhile; the one just pushed will stand down"
        );
    }
    Ok(())
}
