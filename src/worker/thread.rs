//! The PR's thread, created at most once, and messages posted at most once.
//!
//! A thread is started from a starter message (the PR's intro): the
//! starter is posted with a nonce, the thread takes the starter's id, and
//! Discord refuses a second thread on the same message. Racing workers
//! and retries therefore converge on one starter and one thread, and the
//! mapping `pr:{repo id}:{number}:thread` in Redis is where every later
//! event finds it. Threads are never looked up by name.

use super::{Context, JobError};
use crate::discord::THREAD_ALREADY_CREATED;
use crate::store::EFFECT_TTL;
use crate::text;
use threadline_jobs::{PullRequest, Repo};

/// Posts `content` to `channel` unless effect `key` already happened;
/// returns the message id either way.
pub async fn post_once(
    ctx: &Context,
    key: &str,
    channel: u64,
    content: &str,
) -> Result<u64, JobError> {
    if let Some(id) = ctx.guards.get(key).await? {
        return Ok(id);
    }
    let nonce = ctx.guards.nonce(key);
    let id = ctx
        .discord
        .send_message(channel, content, &nonce)
        .await
        .map_err(|e| JobError::discord(&format!("posting to channel {channel}"), e))?;
    ctx.guards.record(key, id, Some(EFFECT_TTL)).await
}

/// The thread of `pr`, created with its intro if it does not exist yet.
pub async fn ensure_thread(ctx: &Context, repo: &Repo, pr: &PullRequest) -> Result<u64, JobError> {
    let pr_key = format!("pr:{}:{}", repo.id, pr.number);
    let thread_key = format!("{pr_key}:thread");
    if let Some(thread) = ctx.guards.get(&thread_key).await? {
        return Ok(thread);
    }
    let parent = ctx.channel_id;
    let starter = post_once(ctx, &format!("{pr_key}:starter"), parent, &intro(repo, pr)).await?;
    let name = text::thread_name(pr.number, &pr.title, pr.draft);
    let thread = match ctx.discord.start_thread(parent, starter, &name).await {
        Ok(id) => id,
        Err(e) if e.code() == Some(THREAD_ALREADY_CREATED) => starter,
        Err(e) => return Err(JobError::discord("starting the PR thread", e)),
    };
    ctx.guards.record(&thread_key, thread, None).await
}

/// The starter message: who, where, the link and a clean excerpt.
pub fn intro(repo: &Repo, pr: &PullRequest) -> String {
    let title = text::defuse_mentions(&text::one_line(&pr.title));
    let head = format!(
        "**{repo}#{number}**: {title}\nopened by **{author}** · `{base}` ← `{head}`{draft}\n<{url}>",
        repo = repo.full_name,
        number = pr.number,
        author = text::defuse_mentions(&pr.author),
        base = text::one_line(&pr.base_ref),
        head = text::one_line(&pr.head_label),
        draft = if pr.draft { " · draft" } else { "" },
        url = pr.html_url,
    );
    let (head, _) = text::truncate_chars(&head, text::MESSAGE_MAX);
    let body = text::defuse_mentions(pr.body_excerpt.trim());
    if body.is_empty() {
        return head;
    }
    let more = format!("\n… full description: <{}>", pr.html_url);
    let room = text::MESSAGE_MAX.saturating_sub(head.chars().count() + more.chars().count() + 2);
    let (quoted, cut) = text::truncate_chars(&text::quote(&body), room);
    let tail = if cut || pr.body_truncated {
        more.as_str()
    } else {
        ""
    };
    format!("{head}\n\n{quoted}{tail}")
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
        assert!(intro.contains("full description"));
        assert!(intro.contains("`main` ← `octocat:x`"));
    }
}
