//! Thread members: mapped people who take part in a PR (its author,
//! requested reviewers, reviewers, commenters) are added to its thread
//! while the PR is open, so that it shows in their thread list.
//!
//! Each (thread, user) is added once: a guard records it after Discord
//! said yes, so redeliveries and retries do not call again, and a short
//! claim keeps jobs running at the same time (the PR's author takes part
//! in most of them) from calling together: the one that finds it taken
//! leaves the add to its holder. Adding a member twice is a no-op on
//! Discord, so the gap between the call and the guard (a crash) costs at
//! most one harmless repeat, with the next event, once the claim expired.
//! A closed PR's thread gets no new members.

use crate::redis_conn::EFFECT_TTL;
use crate::worker::once::claim::Claim;
use crate::worker::pr::pr_state;
use crate::worker::pr::thread;
use crate::worker::{Context, JobError};
use std::time::Duration;
use threadline_jobs::{PullRequest, Repo};

/// Errors after which adding is skipped, not retried: the thread is gone
/// (10003), archived (50083; the next post unarchives it and the next
/// event adds them), the user is unknown (10013) or we may not (50001).
const SKIPPED: [u64; 4] = [10003, 50083, 10013, 50001];
/// How long one job may hold the claim to add one member.
const CLAIM: Duration = Duration::from_secs(60);

/// Adds the mapped ones among `logins` to the PR's thread, once each.
pub async fn join(
    ctx: &Context,
    repo: &Repo,
    pr: &PullRequest,
    logins: &[&str],
) -> Result<(), JobError> {
    let mut users: Vec<u64> = logins.iter().filter_map(|l| ctx.config.person(l)).collect();
    users.sort_unstable();
    users.dedup();
    if users.is_empty() || pr_state::snapshot(ctx, repo, pr).await?.closed {
        return Ok(());
    }
    let thread = thread::ensure_thread(ctx, repo, pr).await?;
    // A PR without a thread (see `refusal`) has nobody to add.
    if super::refusal::is_inline(ctx, repo, pr, thread).await? {
        return Ok(());
    }
    for user in users {
        add(ctx, thread, user).await?;
    }
    Ok(())
}

async fn add(ctx: &Context, thread: u64, user: u64) -> Result<(), JobError> {
    let key = format!("member:{thread}:{user}");
    if ctx.guards.get(&key).await?.is_some() {
        return Ok(());
    }
    let Some(claim) = Claim::take(ctx, &format!("{key}:adding"), CLAIM).await? else {
        return Ok(());
    };
    // Looked at again under the claim: another job may have just added them.
    let result = match ctx.guards.get(&key).await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => call(ctx, thread, user, &key).await,
        Err(e) => Err(e),
    };
    // Released after the guard is written: a job that takes it next finds
    // the guard.
    claim.release(ctx).await;
    result
}

async fn call(ctx: &Context, thread: u64, user: u64, key: &str) -> Result<(), JobError> {
    match ctx.discord.add_thread_member(thread, user).await {
        Ok(()) => {
            ctx.guards.record(key, user, Some(EFFECT_TTL)).await?;
            Ok(())
        }
        Err(e) if e.code().is_some_and(|c| SKIPPED.contains(&c)) => {
            log::warn!("not adding user {user} to thread {thread}: {e}");
            Ok(())
        }
        Err(e) => Err(JobError::discord(
            &format!("adding user {user} to thread {thread}"),
            e,
        )),
    }
}
