//! The PR's thread, created at most once, and messages posted into it at
//! most once.
//!
//! A thread is started from a starter message (the PR's intro): the
//! starter is posted with a nonce, the thread takes the starter's id, and
//! Discord refuses a second thread on the same message. Racing workers
//! and retries therefore converge on one starter and one thread, and the
//! mapping `pr:{repo id}:{number}:thread` in Redis is where every later
//! event finds it. Threads are never looked up by name. A thread deleted
//! on Discord is forgotten and created anew under a new generation.

use super::claim::Claim;
use super::pr_state::{self, pr_key, Applied};
use super::{Context, JobError};
use crate::discord::{DiscordError, ThreadPatch, THREAD_ALREADY_CREATED};
use crate::store::EFFECT_TTL;
use crate::text;
use redis::AsyncCommands;
use std::time::Duration;
use threadline_jobs::{PullRequest, Repo};

const UNKNOWN_CHANNEL: u64 = 10003;
/// How long a job may hold the claim to create a thread.
const CLAIM: Duration = Duration::from_secs(30);
const THREAD_LOCKED: u64 = 160005;

/// Posts `content` to `channel` unless effect `key` already happened;
/// returns the message id either way.
pub async fn post_once(
    ctx: &Context,
    key: &str,
    channel: u64,
    content: &str,
) -> Result<u64, JobError> {
    post_raw(ctx, key, channel, content)
        .await?
        .map_err(|e| JobError::discord(&format!("posting to channel {channel}"), e))
}

/// Like [`post_once`], with Discord's answer left for the caller to sort.
async fn post_raw(
    ctx: &Context,
    key: &str,
    channel: u64,
    content: &str,
) -> Result<Result<u64, DiscordError>, JobError> {
    if let Some(id) = ctx.guards.get(key).await? {
        return Ok(Ok(id));
    }
    // The channel is part of the nonce: a retry into a recreated thread
    // must not get back the message Discord kept for the deleted one.
    let nonce = ctx.guards.nonce(&format!("{key}@{channel}"));
    match ctx.discord.send_message(channel, content, &nonce).await {
        Ok(id) => Ok(Ok(ctx.guards.record(key, id, Some(EFFECT_TTL)).await?)),
        Err(e) => Ok(Err(e)),
    }
}

/// Posts `content` into the PR's thread once per `key`: creates the thread
/// if needed, unlocks it if locked, recreates it if it was deleted.
pub async fn post_in_thread(
    ctx: &Context,
    repo: &Repo,
    pr: &PullRequest,
    key: &str,
    content: &str,
) -> Result<(), JobError> {
    for _ in 0..3 {
        let thread = ensure_thread(ctx, repo, pr).await?;
        match post_raw(ctx, key, thread, content).await? {
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
    let key = ctx.guards.key(&format!("{}:applied", pr_key(repo, pr)));
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
    let key = pr_key(repo, pr);
    let mut redis = ctx.guards.redis();
    // Only the worker that still sees the dead mapping moves the generation on.
    let script = redis::Script::new(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]); redis.call('INCR', KEYS[2]) end return 1",
    );
    script
        .key(ctx.guards.key(&format!("{key}:thread")))
        .key(ctx.guards.key(&format!("{key}:gen")))
        .arg(thread.to_string())
        .invoke_async::<i64>(&mut redis)
        .await
        .map_err(|e| JobError::redis("forgetting a deleted thread", e))?;
    Ok(())
}

/// The thread of `pr`, created with its intro if it does not exist yet.
pub async fn ensure_thread(ctx: &Context, repo: &Repo, pr: &PullRequest) -> Result<u64, JobError> {
    let key = pr_key(repo, pr);
    let thread_key = format!("{key}:thread");
    if let Some(thread) = ctx.guards.get(&thread_key).await? {
        return Ok(thread);
    }
    let mut redis = ctx.guards.redis();
    let generation: Option<u64> = redis
        .get(ctx.guards.key(&format!("{key}:gen")))
        .await
        .map_err(|e| JobError::redis("reading the thread generation", e))?;
    let starter_key = match generation {
        None | Some(0) => format!("{key}:starter"),
        Some(g) => format!("{key}:starter:{g}"),
    };
    // One job at a time creates the thread; the others come back shortly
    // and find it, instead of each spending a request of the parent
    // channel's small budget on the same (nonce-deduplicated) intro.
    let Some(claim) = Claim::take(ctx, &format!("{key}:creating"), CLAIM).await? else {
        return Err(JobError::Deferred {
            retry_at_ms: pr_state::now_ms() + 2000,
            ticket: None,
        });
    };
    match create(ctx, repo, pr, &starter_key).await {
        // Pushed back by the budget: the copy of this job keeps the claim.
        Err(JobError::Deferred {
            retry_at_ms,
            ticket,
        }) => {
            let wait = retry_at_ms.saturating_sub(pr_state::now_ms());
            claim.keep(ctx, Duration::from_millis(wait) + CLAIM).await;
            Err(JobError::Deferred {
                retry_at_ms,
                ticket,
            })
        }
        created => {
            claim.release(ctx).await;
            ctx.guards.record(&thread_key, created?, None).await
        }
    }
}

/// Posts the intro and starts the thread from it; returns the thread id.
async fn create(
    ctx: &Context,
    repo: &Repo,
    pr: &PullRequest,
    starter_key: &str,
) -> Result<u64, JobError> {
    let parent = ctx.channel_id;
    let snap = pr_state::snapshot(ctx, repo, pr).await?;
    let starter = post_once(ctx, starter_key, parent, &intro(repo, pr)).await?;
    let name = text::thread_name(pr.number, &snap.title, snap.draft);
    let thread = match ctx.discord.start_thread(parent, starter, &name).await {
        Ok(id) => {
            // Only the creator knows the name the thread got; a racing
            // worker's name may differ, and the sync corrects either.
            let applied = Applied {
                name,
                archived: false,
                locked: false,
            };
            pr_state::set_applied(ctx, repo, pr, &applied).await?;
            id
        }
        Err(e) if e.code() == Some(THREAD_ALREADY_CREATED) => starter,
        Err(e) => return Err(JobError::discord("starting the PR thread", e)),
    };
    Ok(thread)
}

/// The starter message: who, where, the link and a clean excerpt.
pub fn intro(repo: &Repo, pr: &PullRequest) -> String {
    let title = text::defuse(&text::one_line(&pr.title));
    let branches = if pr.base_ref.is_empty() {
        String::new()
    } else {
        format!(
            " · `{}` ← `{}`",
            text::one_line(&pr.base_ref),
            text::one_line(&pr.head_label)
        )
    };
    let head = format!(
        "**{repo}#{number}**: {title}\nopened by **{author}**{branches}{draft}\n<{url}>",
        repo = repo.full_name,
        number = pr.number,
        author = text::defuse(&pr.author),
        draft = if pr.draft { " · draft" } else { "" },
        url = pr.html_url,
    );
    let (head, _) = text::truncate_chars(&head, text::MESSAGE_MAX);
    text::with_excerpt(&head, &pr.body_excerpt, pr.body_truncated, &pr.html_url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pr(body: &str) -> PullRequest {
        PullRequest {
            number: 9,
            title: "Ping @everyone".into(),
            html_url: "https://github.com/o/r/pull/9".into(),
            author: "octocat".into(),
            base_ref: "main".into(),
            head_label: "octocat:x".into(),
            draft: false,
            body_excerpt: body.into(),
            body_truncated: false,
            state: "open".into(),
            merged: false,
            updated_at: String::new(),
            from_issue: false,
        }
    }

    #[test]
    fn intro_fits_and_defuses() {
        let repo = Repo {
            id: 1,
            full_name: "o/r".into(),
        };
        let long = "@here line\n".repeat(500);
        let intro = intro(&repo, &pr(&long));
        assert!(intro.chars().count() <= text::MESSAGE_MAX);
        assert!(!intro.contains("@everyone") && !intro.contains("@here"));
        assert!(intro.contains("full text"));
        assert!(intro.contains("`main` ← `octocat:x`"));
    }
}
