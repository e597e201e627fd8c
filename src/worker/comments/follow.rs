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
//!
//! Every forwarded message follows a record ([`Followed`]): an issue
//! comment's versions, or a batch of a review's line comments. The record
//! counts its accepted changes (`v`), the count the message shows
//! (`shown`) and the count the last post tried (`tried`); [`post`] and
//! [`show_record`] are the one protocol that moves `shown` up to `v`.

use crate::discord::edit::{THREAD_ARCHIVED, THREAD_LOCKED, UNKNOWN_CHANNEL, UNKNOWN_MESSAGE};
use crate::discord::{DiscordError, ThreadPatch};
use crate::keys;
use crate::worker::once::claim::exclusively;
use crate::worker::pr::{refusal, schedule, thread};
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

/// A record's change counts, as read with the record.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Counts {
    /// Changes accepted so far.
    pub v: u64,
    /// The count the message shows, once it shows one.
    pub shown: Option<u64>,
    /// The count the last post tried, if one did.
    pub tried: Option<u64>,
}

impl Counts {
    /// The message shows the record's newest change already.
    pub fn up_to_date(&self) -> bool {
        self.shown.is_some_and(|s| s >= self.v)
    }
}

/// What a forwarded message follows: a record in Redis with its counts.
pub(crate) trait Followed {
    fn counts(&self) -> Counts;
    /// What the message should show now.
    fn wanted(&self, place: Place<'_>) -> Wanted;
    /// Records `field` (`shown` or `tried`) as `v`.
    async fn set(&self, ctx: &Context, field: &str, v: u64) -> Result<(), JobError>;
}

/// Posts `text`, the record's message, once under `guard`.
pub(crate) async fn post(
    ctx: &Context,
    place: Place<'_>,
    record: &impl Followed,
    guard: &str,
    text: &str,
) -> Result<(), JobError> {
    let counts = record.counts();
    // An earlier attempt may have posted an older version without
    // recording it; Discord's nonce then hands back that message.
    record.set(ctx, "tried", counts.v).await?;
    thread::post_in_thread(ctx, place.repo, place.pr, guard, text).await?;
    match (counts.tried, ctx.guards.get(guard).await?) {
        (Some(tried), Some(message)) if tried != counts.v => {
            show_record(ctx, place, record, message).await
        }
        _ => record.set(ctx, "shown", counts.v).await,
    }
}

/// Edits or deletes the record's posted `message` to show what it should.
pub(crate) async fn show_record(
    ctx: &Context,
    place: Place<'_>,
    record: &impl Followed,
    message: u64,
) -> Result<(), JobError> {
    match show(ctx, place, message, &record.wanted(place)).await? {
        Outcome::Shown => record.set(ctx, "shown", record.counts().v).await,
        Outcome::Skipped => Ok(()),
    }
}

/// Edits or deletes `message` so that it shows `wanted`.
pub async fn show(
    ctx: &Context,
    place: Place<'_>,
    message: u64,
    wanted: &Wanted,
) -> Result<Outcome, JobError> {
    let thread_key = keys::thread(place.repo, place.pr);
    let Some(thread) = ctx.guards.get(&thread_key).await? else {
        return Ok(gone(0, message));
    };
    // A PR without a thread names itself in every message, edits included.
    let inline = match wanted {
        Wanted::Text(text) if refusal::is_inline(ctx, place.repo, place.pr, thread).await? => {
            Some(Wanted::Text(refusal::in_parent(place.repo, place.pr, text)))
        }
        _ => None,
    };
    let wanted = inline.as_ref().unwrap_or(wanted);
    match change(ctx, thread, message, wanted).await {
        Ok(()) => Ok(Outcome::Shown),
        Err(e) if e.code() == Some(THREAD_ARCHIVED) => {
            // Syncs of this PR hold this claim while they archive or reopen.
            let claim = keys::sync_lock(place.repo, place.pr);
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
