//! The PR's thread, created at most once, and messages posted into it at
//! most once. In a forum channel the thread is a forum post, made by
//! [`crate::worker::forum::post`]; everything after its creation is the same.
//!
//! A thread is started from a starter message (the PR's intro): the
//! starter is posted with a nonce, the thread takes the starter's id, and
//! Discord refuses a second thread on the same message. Racing workers
//! and retries therefore converge on one starter and one thread, and the
//! mapping `pr:{repo id}:{number}:thread` in Redis is where every later
//! event finds it. Threads are never looked up by name. A thread deleted
//! on Discord is forgotten and created anew under a new generation.
//!
//! Messages go through [`crate::worker::once::post`], which keeps them to one per effect
//! beyond Discord's nonce window too: an intro ([`crate::worker::pr::intro`]) posted by
//! a worker that died before recording it is found again in the parent
//! channel, and the thread is started from it, which Discord answers with
//! "already created" if that worker got that far.
//!
//! A thread Discord refuses for its name or intro (AutoMod) is made under a
//! neutral name, or the PR goes to the parent channel itself
//! ([`crate::worker::pr::refusal`]).

use crate::discord::{Mentions, ThreadPatch};
use crate::keys;
use crate::text;
use crate::worker::channels::Mode;
use crate::worker::forum;
use crate::worker::once::claim::Claim;
use crate::worker::once::post::{self, Effect};
use crate::worker::pr::intro::post_intro;
use crate::worker::pr::pr_state::{self, Applied};
use crate::worker::pr::refusal::{self, Started};
use crate::worker::{Context, JobError, Parent};
use redis::AsyncCommands;
use std::time::Duration;
use threadline_jobs::{PullRequest, Repo};

const UNKNOWN_CHANNEL: u64 = 10003;
/// How long a job may hold the claim to create a thread.
const CLAIM: Duration = Duration::from_secs(30);
const THREAD_LOCKED: u64 = 160005;

/// Posts `content` into the PR's thread once per `key`: creates the thread
/// if needed, unlocks it if locked, recreates it if it was deleted.
pub async fn post_in_thread(
    ctx: &Context,
    repo: &Repo,
    pr: &PullRequest,
    key: &str,
    content: &str,
) -> Result<(), JobError> {
    post_in_thread_mentioning(ctx, repo, pr, key, content, &Mentions::none()).await
}

/// Like [`post_in_thread`], pinging exactly `mentions`.
pub async fn post_in_thread_mentioning(
    ctx: &Context,
    repo: &Repo,
    pr: &PullRequest,
    key: &str,
    content: &str,
    mentions: &Mentions,
) -> Result<(), JobError> {
    for _ in 0..3 {
        let thread = ensure_thread(ctx, repo, pr).await?;
        // Without a thread, the PR's events name it in the parent channel.
        let content = match refusal::is_inline(ctx, repo, pr, thread).await? {
            true => refusal::in_parent(repo, pr, content),
            false => content.to_string(),
        };
        let effect = Effect::new(key, &content);
        match post::post_raw_mentioning(ctx, &effect, thread, &content, mentions).await? {
            Ok(_) => return mark_unarchived(ctx, repo, pr).await,
            Err(e) if e.code() == Some(THREAD_LOCKED) => unlock(ctx, repo, pr, thread).await?,
            Err(e) if e.code() == Some(UNKNOWN_CHANNEL) => {
                forget_thread(ctx, repo, pr, thread).await?
            }
            Err(e) => return Err(JobError::discord(&format!("posting to thread {thread}"), e)),
        }
    }
    Err(JobError::Transient(anyhow::anyhow!(
        "the PR thread kept changing under us; will retry"
    )))
}

/// Posting into an archived (unlocked) thread unarchives it.
async fn mark_unarchived(ctx: &Context, repo: &Repo, pr: &PullRequest) -> Result<(), JobError> {
    let key = ctx.guards.key(&keys::of_pr(repo, pr, "applied"));
    let mut redis = ctx.guards.redis();
    redis
        .hset::<_, _, _, ()>(key, "archived", "0")
        .await
        .map_err(|e| JobError::redis("recording the thread state", e))
}

async fn unlock(ctx: &Context, repo: &Repo, pr: &PullRequest, thread: u64) -> Result<(), JobError> {
    reopen(
        ctx,
        thread,
        "unlocking the PR thread (needs Manage Threads)",
    )
    .await?;
    let mut applied = pr_state::applied(ctx, repo, pr).await?;
    (applied.archived, applied.locked) = (false, false);
    pr_state::set_applied(ctx, repo, pr, &applied).await
}

/// Unarchives and unlocks a thread; `doing` names the step in errors.
pub async fn reopen(ctx: &Context, thread: u64, doing: &str) -> Result<(), JobError> {
    let patch = ThreadPatch {
        archived: Some(false),
        locked: Some(false),
        ..Default::default()
    };
    ctx.discord
        .update_thread(thread, &patch)
        .await
        .map_err(|e| JobError::discord(doing, e))
}

async fn forget_thread(
    ctx: &Context,
    repo: &Repo,
    pr: &PullRequest,
    thread: u64,
) -> Result<(), JobError> {
    log::warn!(
        "thread {thread} of {}#{} was deleted on Discord; creating a new one",
        repo.full_name,
        pr.number
    );
    let mut redis = ctx.guards.redis();
    // Only the worker that still sees the dead mapping moves the generation on.
    let script = redis::Script::new(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]); redis.call('INCR', KEYS[2]) end return 1",
    );
    script
        .key(ctx.guards.key(&keys::thread(repo, pr)))
        .key(ctx.guards.key(&keys::of_pr(repo, pr, "gen")))
        .arg(thread.to_string())
        .invoke_async::<i64>(&mut redis)
        .await
        .map_err(|e| JobError::redis("forgetting a deleted thread", e))?;
    Ok(())
}

/// The thread of `pr`, created with its intro if it does not exist yet.
pub async fn ensure_thread(ctx: &Context, repo: &Repo, pr: &PullRequest) -> Result<u64, JobError> {
    let thread_key = keys::thread(repo, pr);
    if let Some(thread) = ctx.guards.get(&thread_key).await? {
        return Ok(thread);
    }
    let mut redis = ctx.guards.redis();
    let generation: Option<u64> = redis
        .get(ctx.guards.key(&keys::of_pr(repo, pr, "gen")))
        .await
        .map_err(|e| JobError::redis("reading the thread generation", e))?;
    // One job at a time creates the thread; the others come back shortly
    // and find it, instead of each spending a request of the parent
    // channel's small budget on the same (nonce-deduplicated) intro.
    let Some(claim) = Claim::take(ctx, &keys::of_pr(repo, pr, "creating"), CLAIM).await? else {
        return Err(JobError::Deferred {
            retry_at_ms: crate::clock::now_ms() + 2000,
            ticket: None,
        });
    };
    match create(ctx, repo, pr, generation.unwrap_or(0)).await {
        // Pushed back by the budget: the copy of this job keeps the claim.
        Err(JobError::Deferred {
            retry_at_ms,
            ticket,
        }) => {
            let wait = retry_at_ms.saturating_sub(crate::clock::now_ms());
            claim.keep(ctx, Duration::from_millis(wait) + CLAIM).await;
            Err(JobError::Deferred {
                retry_at_ms,
                ticket,
            })
        }
        created => {
            claim.release(ctx).await;
            let created = created?;
            // Queued before the record, so that a worker dying between
            // the two still leaves it queued: a retry finds the same
            // thread, and a second back-link job finds its comment.
            crate::worker::pr::schedule::backlink_soon(ctx, repo, pr, created).await?;
            let thread = ctx.guards.record(&thread_key, created, None).await?;
            remember_pr(ctx, repo, pr, thread).await;
            Ok(thread)
        }
    }
}

/// The channel a PR's thread goes under, decided once per PR: a route
/// that changes later does not move a PR half-way (its intro found again
/// in one channel, its thread started in another).
pub async fn parent_of(ctx: &Context, repo: &Repo, pr: &PullRequest) -> Result<Parent, JobError> {
    let key = ctx.guards.key(&keys::of_pr(repo, pr, "parent"));
    let mut redis = ctx.guards.redis();
    let stored: Option<String> = redis
        .get(&key)
        .await
        .map_err(|e| JobError::redis("reading the PR's channel", e))?;
    if let Some(parent) = stored.as_deref().and_then(decode_parent) {
        return Ok(parent);
    }
    let parent = ctx.parent(&repo.full_name)?;
    let encoded = format!("{}:{}", parent.channel, u8::from(parent.qualified));
    let script = redis::Script::new(
        "redis.call('SET', KEYS[1], ARGV[1], 'NX') return redis.call('GET', KEYS[1])",
    );
    let kept: String = script
        .key(&key)
        .arg(encoded)
        .invoke_async(&mut redis)
        .await
        .map_err(|e| JobError::redis("recording the PR's channel", e))?;
    Ok(decode_parent(&kept).unwrap_or(parent))
}

fn decode_parent(raw: &str) -> Option<Parent> {
    let (channel, qualified) = raw.split_once(':')?;
    Some(Parent {
        channel: channel.parse().ok()?,
        qualified: qualified == "1",
    })
}

/// The thread's name: qualified with the repository's name (without its
/// owner) when the channel is shared.
pub fn thread_name(repo: &Repo, number: u64, title: &str, draft: bool, qualified: bool) -> String {
    let short = repo.full_name.rsplit('/').next().unwrap_or(&repo.full_name);
    text::thread_name_in(qualified.then_some(short), number, title, draft)
}

/// The reverse of the thread map, `thread:{id}` → `owner/repo#12 url`,
/// so that `web` can say which PR a `/dibs` run in this thread is for.
/// Only a nicety for Dibs: a failure is logged, never fails the thread.
async fn remember_pr(ctx: &Context, repo: &Repo, pr: &PullRequest, thread: u64) {
    // A PR without a thread must not claim its parent channel.
    if !matches!(refusal::is_inline(ctx, repo, pr, thread).await, Ok(false)) {
        return;
    }
    let value = format!("{}#{} {}", repo.full_name, pr.number, pr.html_url);
    let written = ctx
        .guards
        .redis()
        .set::<_, _, ()>(ctx.guards.key(&keys::pr_of_thread(thread)), value)
        .await;
    if let Err(e) = written {
        log::warn!("could not record which PR thread {thread} is for: {e}");
    }
}

/// Posts the intro and starts the thread from it; returns the thread id.
async fn create(
    ctx: &Context,
    repo: &Repo,
    pr: &PullRequest,
    generation: u64,
) -> Result<u64, JobError> {
    let parent = parent_of(ctx, repo, pr).await?;
    let snap = pr_state::snapshot(ctx, repo, pr).await?;
    let name = thread_name(repo, pr.number, &snap.title, snap.draft, parent.qualified);
    if let Mode::Forum(forum) = ctx.channels.mode(parent.channel) {
        let made = forum::post::create(ctx, repo, pr, generation, (parent.channel, forum), &name);
        let made = made.await?;
        if let Some(name) = made.named {
            pr_state::set_applied(ctx, repo, pr, &Applied::named(name)).await?;
        }
        return Ok(made.id);
    }
    let starter = post_intro(ctx, repo, pr, generation, parent.channel).await?;
    match refusal::start_thread(ctx, (repo, pr), parent, starter, &name).await? {
        Started::Thread { id, name } => {
            // Only the creator knows the name the thread got; a racing
            // worker's name may differ, and the sync corrects either.
            if let Some(name) = name {
                pr_state::set_applied(ctx, repo, pr, &Applied::named(name)).await?;
            }
            Ok(id)
        }
        Started::Inline => refusal::go_inline(ctx, repo, pr, generation, parent).await,
    }
}
