//! Posting and editing a head commit's CI summary from stored state, and
//! the result messages. Runs of one PR are synced one at a time (a claim),
//! so an old view never overwrites a newer one; a sync is scheduled a few
//! seconds after changes ([`soon`]), so a matrix finishing together costs
//! a handful of edits.
//!
//! The summary is posted once per (PR, head commit) with the exactly-once
//! rules of comments ([`crate::worker::once::post`]): its first line,
//! naming the commit, is the marker by which a retry finds it again. Every
//! later change is an edit of that message. When the PR's head moves on,
//! the old commit's summary is edited a last time to say it is superseded.

use super::summary::{overall, render, Overall};
use super::{store, Runs};
use crate::config::ci::CiMode;
use crate::keys;
use crate::worker::once::claim::exclusively;
use crate::worker::once::lookup::Marker;
use crate::worker::once::post::{post_once, Effect};
use crate::worker::pr::schedule::{push_coalesced, push_later};
use crate::worker::{Context, JobError};
use std::time::Duration;
use threadline_jobs::{CiSync, Delivery, Repo};

/// How long a summary waits for more runs before it is (re)rendered.
pub const CI_DELAY: Duration = Duration::from_secs(3);
const LOCK_TTL: Duration = Duration::from_secs(60);

/// Schedules a sync of the PR's CI for `sha`, once per [`CI_DELAY`].
pub async fn soon(
    ctx: &Context,
    delivery: &Delivery,
    repo: &Repo,
    number: u64,
    sha: &str,
) -> Result<(), JobError> {
    let job = CiSync {
        delivery: delivery.clone(),
        repo: repo.clone(),
        number,
        head_sha: sha.to_string(),
    };
    let flag = keys::ci_commit(repo.id, number, sha, "sync");
    push_coalesced(ctx, &flag, &job, CI_DELAY).await
}

/// Renders the commit's summary (and the result) from stored state.
pub async fn sync(ctx: &Context, job: &CiSync) -> Result<(), JobError> {
    let lock = keys::of_number(job.repo.id, job.number, "ci_lock");
    match exclusively(ctx, &lock, LOCK_TTL, sync_held(ctx, job)).await {
        // Another sync of the PR is running: this one comes back after it.
        Err(JobError::Deferred { .. }) => push_later(ctx, job, Duration::from_secs(2)).await,
        other => other,
    }
}

async fn sync_held(ctx: &Context, job: &CiSync) -> Result<(), JobError> {
    let (repo_id, number, sha) = (job.repo.id, job.number, job.head_sha.as_str());
    let mode = ctx.config.ci_for(&job.repo.full_name).mode;
    if mode == CiMode::Off {
        return Ok(());
    }
    let Some(thread) = ctx
        .guards
        .get(&keys::of_number(repo_id, number, "thread"))
        .await?
    else {
        log::info!(
            "CI of {}#{number}: the PR has no thread; nothing to show",
            job.repo.full_name
        );
        return Ok(());
    };
    let head = head_of(ctx, repo_id, number).await?;
    let summary = mode == CiMode::Summary;
    if head.as_deref().is_some_and(|h| h != sha) {
        // The PR moved on: this commit's summary, if any, is history.
        return match summary {
            true => supersede(ctx, thread, repo_id, number, sha).await,
            false => Ok(()),
        };
    }
    let runs = store::load(ctx, repo_id, number, sha).await?;
    if runs.is_empty() {
        return Ok(());
    }
    if summary {
        show(ctx, thread, repo_id, number, sha, &runs, false).await?;
        forget_previous(ctx, thread, repo_id, number, sha).await?;
    }
    result(ctx, thread, repo_id, number, sha, &runs, summary).await
}

/// The first line of the summary: unique to the commit, and unchanged by
/// edits, so that a retry recognises its message.
fn head_line(sha: &str) -> String {
    format!("**CI** on `{}`", short(sha))
}

fn short(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

fn text(sha: &str, runs: &Runs, superseded: bool) -> String {
    let mut head = head_line(sha);
    if superseded {
        head.push_str("\n*Superseded by a newer push.*");
    }
    render(&head, &runs.shown())
}

/// Posts the summary once, or edits it to show `runs`.
async fn show(
    ctx: &Context,
    thread: u64,
    repo_id: u64,
    number: u64,
    sha: &str,
    runs: &Runs,
    superseded: bool,
) -> Result<(), JobError> {
    let key = keys::ci_commit(repo_id, number, sha, "summary");
    let content = text(sha, runs, superseded);
    let shown_key = keys::ci_commit(repo_id, number, sha, "shown");
    if let Some(message) = ctx.guards.get(&key).await? {
        // The text last shown, so that a sync with nothing new edits nothing.
        if shown(ctx, &shown_key).await? == Some(digest(&content)) {
            return Ok(());
        }
        ctx.discord
            .edit_message(thread, message, &content)
            .await
            .map_err(|e| JobError::discord(&format!("editing the CI summary {message}"), e))?;
    } else {
        let effect = Effect::new(&key, &content);
        post_once(ctx, &effect, thread, &content).await?;
    }
    set_shown(ctx, &shown_key, digest(&content)).await
}

/// When the PR's head moved on, the previous commit's summary says so.
async fn forget_previous(
    ctx: &Context,
    thread: u64,
    repo_id: u64,
    number: u64,
    sha: &str,
) -> Result<(), JobError> {
    let key = ctx.guards.key(&keys::of_number(repo_id, number, "ci_last"));
    let mut redis = ctx.guards.redis();
    let last: Option<String> = redis::cmd("GETSET")
        .arg(&key)
        .arg(sha)
        .query_async(&mut redis)
        .await
        .map_err(|e| JobError::redis("recording the PR's last CI commit", e))?;
    let _: () = redis::cmd("EXPIRE")
        .arg(&key)
        .arg(keys::CI_TTL_SECS)
        .query_async(&mut redis)
        .await
        .map_err(|e| JobError::redis("keeping the PR's last CI commit", e))?;
    match last {
        Some(old) if old != sha => supersede(ctx, thread, repo_id, number, &old).await,
        _ => Ok(()),
    }
}

/// Edits `sha`'s summary, if it was posted, to say it is superseded.
async fn supersede(
    ctx: &Context,
    thread: u64,
    repo_id: u64,
    number: u64,
    sha: &str,
) -> Result<(), JobError> {
    let key = keys::ci_commit(repo_id, number, sha, "summary");
    if ctx.guards.get(&key).await?.is_none() {
        return Ok(());
    }
    let runs = store::load(ctx, repo_id, number, sha).await?;
    show(ctx, thread, repo_id, number, sha, &runs, true).await
}

/// The result message, once per (commit, result), when CI passed or failed
/// (only when it failed, without the summary: `mode = "failures"`).
async fn result(
    ctx: &Context,
    thread: u64,
    repo_id: u64,
    number: u64,
    sha: &str,
    runs: &Runs,
    passes_too: bool,
) -> Result<(), JobError> {
    let (part, content) = match overall(&runs.shown()) {
        Overall::Passed if passes_too => ("passed", format!("✅ CI passed on `{}`", short(sha))),
        Overall::Passed => return Ok(()),
        Overall::Failed(names) => (
            "failed",
            format!("❌ CI failed on `{}`: {}", short(sha), failed_names(&names)),
        ),
        Overall::Running | Overall::Cancelled => return Ok(()),
    };
    let key = keys::ci_commit(repo_id, number, sha, part);
    // The names after the commit may differ between a lost attempt and its
    // retry, so the marker is the start of the line only.
    let effect = Effect {
        key: &key,
        marker: Marker::FirstLineStarts(format!("{} CI {part} on `{}`", emoji(part), short(sha))),
        floor: 0,
    };
    post_once(ctx, &effect, thread, &content).await.map(|_| ())
}

fn emoji(part: &str) -> &'static str {
    if part == "passed" {
        "✅"
    } else {
        "❌"
    }
}

fn failed_names(names: &[String]) -> String {
    let names: Vec<String> = names
        .iter()
        .take(10)
        .map(|n| {
            crate::text::defuse(&crate::text::one_line(n))
                .chars()
                .take(80)
                .collect()
        })
        .collect();
    names.join(", ")
}

async fn head_of(ctx: &Context, repo_id: u64, number: u64) -> Result<Option<String>, JobError> {
    let mut redis = ctx.guards.redis();
    crate::pr_facts::head_of(&mut redis, &ctx.common.key_prefix(), repo_id, number)
        .await
        .map_err(|e| JobError::redis("reading the PR's head commit", e))
}

fn digest(content: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(content.as_bytes()))
}

async fn shown(ctx: &Context, key: &str) -> Result<Option<String>, JobError> {
    let mut redis = ctx.guards.redis();
    redis::cmd("GET")
        .arg(ctx.guards.key(key))
        .query_async(&mut redis)
        .await
        .map_err(|e| JobError::redis("reading the CI summary shown", e))
}

async fn set_shown(ctx: &Context, key: &str, digest: String) -> Result<(), JobError> {
    let mut redis = ctx.guards.redis();
    redis::cmd("SET")
        .arg(ctx.guards.key(key))
        .arg(digest)
        .arg("EX")
        .arg(keys::CI_TTL_SECS)
        .query_async(&mut redis)
        .await
        .map_err(|e| JobError::redis("recording the CI summary shown", e))
}
