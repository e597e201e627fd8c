//! Jobs the worker queues itself: thread syncs and review-comment flushes,
//! scheduled a little later with Faktory's `at` so that bursts coalesce,
//! and the back-link comment of a new thread.
//! They are reserved for `JOB_RESERVE_FOR_SECS`, like the jobs `web` pushes,
//! so that one setting says how late a job of a dead worker comes back.

use crate::clock::now_ms;
use crate::keys;
use crate::queue::to_faktory;
use crate::worker::{Context, JobError};
use std::time::Duration;
use threadline_jobs::{Delivery, Job, PrBacklink, PullRequest, Repo, ThreadSync};

/// How long a sync waits, so that a burst of events costs one rename.
pub const SYNC_DELAY: Duration = Duration::from_secs(2);
/// How long line comments of one review are collected before posting.
pub const FLUSH_DELAY: Duration = Duration::from_secs(4);

/// Pushes `job` to run `delay` from now.
pub async fn push_later<J: Job>(ctx: &Context, job: &J, delay: Duration) -> Result<(), JobError> {
    let reserve_for = ctx.common.reserve_for;
    let mut built =
        to_faktory(job, |q| ctx.common.queue(q), reserve_for).map_err(JobError::Permanent)?;
    let at = chrono_at(delay);
    built.at = Some(at);
    ctx.producer
        .push(built)
        .await
        .map_err(|e| JobError::Transient(e.context(format!("scheduling {}", J::KIND))))
}

/// Pushes `job` once per `window`: later calls within it are folded into
/// the first, which runs when the window closes.
pub async fn push_coalesced<J: Job>(
    ctx: &Context,
    flag: &str,
    job: &J,
    window: Duration,
) -> Result<(), JobError> {
    let mut redis = ctx.guards.redis();
    let set: Option<String> = redis::cmd("SET")
        .arg(ctx.guards.key(flag))
        .arg(1)
        .arg("NX")
        .arg("PX")
        .arg(window.as_millis() as u64)
        .query_async(&mut redis)
        .await
        .map_err(|e| JobError::redis("coalescing a scheduled job", e))?;
    if set.is_some() {
        push_later(ctx, job, window).await?;
    }
    Ok(())
}

/// Schedules a thread sync for this PR (name and archived state).
pub async fn sync_soon(
    ctx: &Context,
    delivery: &Delivery,
    repo: &Repo,
    pr: &PullRequest,
) -> Result<(), JobError> {
    let job = ThreadSync {
        delivery: delivery.clone(),
        repo: repo.clone(),
        pr: pr.clone(),
    };
    push_coalesced(ctx, &keys::of_pr(repo, pr, "sync"), &job, SYNC_DELAY).await
}

/// Queues the back-link comment of `pr`'s new thread `thread`
/// (`pr.backlink`), when `[github] backlink = true` and GitHub
/// credentials are set: a job of its own, so that GitHub's answer never
/// holds up the thread's Discord work.
pub async fn backlink_soon(
    ctx: &Context,
    repo: &Repo,
    pr: &PullRequest,
    thread: u64,
) -> Result<(), JobError> {
    if !ctx.config.backlink || ctx.github.is_none() {
        return Ok(());
    }
    let parent = super::thread::parent_of(ctx, repo, pr).await?;
    let job = PrBacklink {
        delivery: Delivery {
            id: format!("backlink-{}-{thread}", keys::pr_key(repo, pr)),
            hook_id: None,
            seq: 0,
            replay: None,
        },
        repo: repo.clone(),
        pr: pr.clone(),
        thread: thread.to_string(),
        guild: ctx.channels.guild(parent.channel).map(|g| g.to_string()),
    };
    push_later(ctx, &job, Duration::ZERO).await
}

fn chrono_at(delay: Duration) -> chrono::DateTime<chrono::Utc> {
    let ms = now_ms() + delay.as_millis() as u64;
    chrono::DateTime::from_timestamp_millis(ms as i64).unwrap_or_else(chrono::Utc::now)
}
