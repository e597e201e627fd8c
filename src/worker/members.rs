//! Thread members: mapped people who take part in a PR (its author,
//! requested reviewers, reviewers, commenters) are added to its thread
//! while the PR is open, so that it shows in their thread list.
//!
//! Each (thread, user) is added once: a guard records it after Discord
//! said yes, so redeliveries and retries do not call again. Adding a
//! member twice is a no-op on Discord, so the gap between the call and the
//! guard (a crash) costs at most one harmless repeat. A closed PR's thread
//! gets no new members.

use super::{pr_state, thread, Context, JobError};
use crate::store::EFFECT_TTL;
use threadline_jobs::{PullRequest, Repo};

/// Errors after which adding is skipped, not retried: the thread is gone
/// (10003), archived (50083; the next post unarchives it and the next
/// event adds them), the user is unknown (10013) or we may not (50001).
const SKIPPED: [u64; 4] = [10003, 50083, 10013, 50001];

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
    match ctx.discord.add_thread_member(thread, user).await {
        Ok(()) => {
            ctx.guards.record(&key, user, Some(EFFECT_TTL)).await?;
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
