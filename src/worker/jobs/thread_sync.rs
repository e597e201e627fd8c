//! `pr.thread_sync`: brings the thread's name and archived/locked state in
//! line with the newest PR state seen.
//!
//! Discord allows about two renames per ten minutes, so a rename that
//! cannot happen yet is rescheduled for when it can; the newest title wins
//! whenever it runs. Locking needs Manage Threads and is skipped, with a
//! warning, when Discord refuses it.
//!
//! A sync acts on the stored state only, never on the payload it was
//! scheduled with: that is the first event of a burst, and on a tie in
//! `updated_at` it would undo a newer event of the same second.
//!
//! Syncs of one PR run one at a time (a short Redis lock; a sync that
//! finds it taken reschedules itself), so a slow sync holding an old view
//! can never undo a newer one. A closed PR's thread is archived on every
//! sync, since a message posted meanwhile may have unarchived it.
//!
//! In a forum, the post's tags follow the PR's state too ([`forum::sync`]).
//!
//! A name Discord refuses for its content (AutoMod) counts as applied, so
//! that the sync does not ask again until the title changes; a PR without
//! a thread (inline in its parent channel, see [`refusal`]) has nothing to
//! sync.

use crate::discord::ThreadPatch;
use crate::worker::channels::Mode;
use crate::worker::once::claim::Claim;
use crate::worker::forum;
use crate::worker::pr::pr_state::{self, Applied};
use crate::worker::pr::refusal;
use crate::worker::pr::schedule;
use crate::worker::pr::thread;
use crate::worker::{Context, JobError};
use std::time::Duration;
use threadline_jobs::ThreadSync;

const LOCK_TTL: Duration = Duration::from_secs(120);

pub async fn perform(ctx: &Context, job: ThreadSync) -> Result<(), JobError> {
    let name = crate::keys::sync_lock(&job.repo, &job.pr);
    let Some(claim) = Claim::take(ctx, &name, LOCK_TTL).await? else {
        return schedule::push_later(ctx, &job, Duration::from_secs(1)).await;
    };
    let result = sync(ctx, &job).await;
    claim.release(ctx).await;
    result
}

async fn sync(ctx: &Context, job: &ThreadSync) -> Result<(), JobError> {
    let (repo, pr) = (&job.repo, &job.pr);
    let thread = thread::ensure_thread(ctx, repo, pr).await?;
    if refusal::is_inline(ctx, repo, pr, thread).await? {
        return Ok(());
    }
    let snap = pr_state::snapshot(ctx, repo, pr).await?;
    let mut applied = pr_state::applied(ctx, repo, pr).await?;
    let parent = thread::parent_of(ctx, repo, pr).await?;
    let name = thread::thread_name(repo, pr.number, &snap.title, snap.draft, parent.qualified);
    if applied.name != name {
        match pr_state::rename_wait_ms(ctx, repo, pr).await? {
            0 => rename(ctx, job, thread, &name, &mut applied).await?,
            wait => {
                log::info!("rename of thread {thread} deferred {wait} ms (Discord's rename limit)");
                schedule::push_later(ctx, job, Duration::from_millis(wait)).await?;
            }
        }
    }
    if let Mode::Forum(forum) = ctx.channels.mode(parent.channel) {
        // Before archiving: Discord changes an archived post's tags only
        // together with unarchiving it.
        if forum::sync::sync_tags(ctx, repo, pr, thread, forum).await? {
            applied.archived = false;
        }
    }
    if snap.closed {
        close(ctx, thread, &mut applied).await?;
    } else if applied.archived || applied.locked {
        thread::reopen(ctx, thread, "reopening the thread").await?;
        (applied.archived, applied.locked) = (false, false);
    }
    pr_state::set_applied(ctx, repo, pr, &applied).await
}

async fn rename(
    ctx: &Context,
    job: &ThreadSync,
    thread: u64,
    name: &str,
    applied: &mut Applied,
) -> Result<(), JobError> {
    // An archived thread accepts a rename only together with archived: false.
    let patch = ThreadPatch {
        name: Some(name.to_string()),
        archived: Some(false),
        locked: None,
    };
    match ctx.discord.update_thread(thread, &patch).await {
        Ok(()) => {}
        Err(e) if refusal::is_refusal(&e) => {
            log::warn!("Discord refused to rename thread {thread} to {name:?} ({e}); keeping its name until the title changes");
            applied.name = name.to_string();
            return Ok(());
        }
        Err(e) => return Err(JobError::discord("renaming the thread", e)),
    }
    pr_state::record_rename(ctx, &job.repo, &job.pr).await?;
    applied.name = name.to_string();
    applied.archived = false;
    Ok(())
}

async fn close(ctx: &Context, thread: u64, applied: &mut Applied) -> Result<(), JobError> {
    let lock = ThreadPatch {
        archived: Some(true),
        locked: Some(true),
        ..Default::default()
    };
    match ctx.discord.update_thread(thread, &lock).await {
        Ok(()) => applied.locked = true,
        Err(e) if e.is_permanent() => {
            log::warn!("could not lock thread {thread} ({e}); archiving without lock (grant Manage Threads to lock)");
            let archive = ThreadPatch {
                archived: Some(true),
                ..Default::default()
            };
            ctx.discord
                .update_thread(thread, &archive)
                .await
                .map_err(|e| JobError::discord("archiving the thread", e))?;
        }
        Err(e) => return Err(JobError::discord("archiving the thread", e)),
    }
    applied.archived = true;
    Ok(())
}
