//! Making a forwarded message show what its GitHub comment says now: edit
//! it, or delete it.
//!
//! The message is in the PR's thread as Threadline knows it. A message
//! that is gone (deleted by a moderator, or with its thread) has nothing
//! left to change. Discord refuses changes in an archived thread, so the
//! thread is unarchived for the change and archived again at once; syncs
//! of the PR wait meanwhile (they hold the same claim), so none of them
//! reopens or archives it in between. A locked thread is left alone, with
//! a log line: unlocking it is a moderator's call, and the message is
//! brought up to date by the next change after the thread is unlocked.

use crate::discord::edit::{THREAD_ARCHIVED, THREAD_LOCKED, UNKNOWN_CHANNEL, UNKNOWN_MESSAGE};
use crate::discord::{DiscordError, ThreadPatch};
use crate::worker::once::claim::exclusively;
use crate::worker::pr::pr_state::pr_key;
use crate::worker::pr::schedule;
use crate::worker::{Context, JobError};
use std::time::Duration;
use threadline_jobs::{Delivery, PullRequest, Repo};

/// How long the unarchive, change and archive may hold the PR's syncs.
const HOLD: Duration = Duration::from_secs(90);

/// The PR a message belongs to, and the delivery that asks for the change.
#[derive(Clone, Copy)]
pub struct Place<'a> {
    pub delivery: &'a Delivery,
    pub repo: &'a Repo,
    pub pr: &'a PullRequest,
}

/// What the message should show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    Text(String),
    Gone,
}

/// Whether the message now shows what was wanted (or is gone for good).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Shown,
    /// Left as it was: the thread is locked.
    Skipped,
}

/// Edits or deletes `message` so that it shows `wanted`.
pub async fn show(
    ctx: &Context,
    place: Place<'_>,
    message: u64,
    wanted: &Wanted,
) -> Result<Outcome, JobError> {
    let thread_key = format!("{}:thread", pr_key(place.repo, place.pr));
    let Some(thread) = ctx.guards.get(&thread_key).await? else {
        return Ok(gone(0, message));
    };
    match change(ctx, thread, message, wanted).await {
        Ok(()) => Ok(Outcome::Shown),
        Err(e) if e.code() == Some(THREAD_ARCHIVED) => {
            // Syncs of this PR hold this claim while they archive or reopen.
            let claim = format!("{}:sync_lock", pr_key(place.repo, place.pr));
            let work = unarchived(ctx, place, thread, message, wanted);
            exclusively(ctx, &claim, HOLD, work).await
        }
        Err(e) => settle(thread, message, e),
    }
}

async fn change(
    ctx: &Context,
    thread: u64,
    message: u64,
    wanted: &Wanted,
) -> Result<(), DiscordError> {
    match wanted {
        Wanted::Text(text) => ctx.discord.edit_message(thread, message, text).await,
        Wanted::Gone => ctx.discord.delete_message(thread, message).await,
    }
}

/// The change, in a thread unarchived for it and archived again after.
async fn unarchived(
    ctx: &Context,
    place: Place<'_>,
    thread: u64,
    message: u64,
    wanted: &Wanted,
) -> Result<Outcome, JobError> {
    match ctx.discord.thread_locked(thread).await {
        Ok(true) => return Ok(locked(thread, message)),
        Ok(false) => {}
        Err(e) => return settle(thread, message, e),
    }
    set_archived(ctx, thread, false).await?;
    let changed = change(ctx, thread, message, wanted).await;
    // Archived again whatever the change gave: a failed edit must not
    // leave a closed PR's thread open.
    if let Err(e) = set_archived(ctx, thread, true).await {
        // The sync archives a closed PR's thread, should this job not return.
        schedule::sync_soon(ctx, place.delivery, place.repo, place.pr).await?;
        return Err(e);
    }
    match changed {
        Ok(()) => Ok(Outcome::Shown),
        Err(e) => settle(thread, message, e),
    }
}

async fn set_archived(ctx: &Context, thread: u64, archived: bool) -> Result<(), JobError> {
    let patch = ThreadPatch {
        archived: Some(archived),
        ..Default::default()
    };
    let doing = if archived {
        "archiving the thread again after an edit"
    } else {
        "unarchiving the thread for an edit"
    };
    ctx.discord
        .update_thread(thread, &patch)
        .await
        .map_err(|e| JobError::discord(doing, e))
}

/// A refused change: gone and locked are outcomes, the rest are errors.
fn settle(thread: u64, message: u64, e: DiscordError) -> Result<Outcome, JobError> {
    match e.code() {
        Some(UNKNOWN_MESSAGE | UNKNOWN_CHANNEL) => Ok(gone(thread, message)),
        Some(THREAD_LOCKED) => Ok(locked(thread, message)),
        _ => Err(JobError::discord(
            &format!("changing message {message} in thread {thread}"),
            e,
        )),
    }
}

fn gone(thread: u64, message: u64) -> Outcome {
    log::info!("message {message} (thread {thread}) is gone on Discord; nothing to change");
    Outcome::Shown
}

fn locked(thread: u64, message: u64) -> Outcome {
    log::info!("thread {thread} is locked: message {message} left as it is (skipped)");
    Outcome::Skipped
}
