//! The back-link: one comment on the PR with its thread's link
//! (`https://discord.com/channels/{guild}/{thread}`), marked with a hidden
//! HTML comment ([`crate::github::comments::backlink_marker`]) so that it
//! can be found again. Made by `pr.backlink`, queued when the thread is
//! recorded ([`crate::worker::pr::schedule::backlink_soon`]), with
//! `[github] backlink = true`.
//!
//! Exactly once per PR: the record `pr:…:backlink` holds
//! `{comment id}:{thread}`. Without a record (a first run, or a worker
//! killed after GitHub's answer and before the record) the PR's comments
//! are listed first and a comment carrying the marker is taken instead of
//! posting again. A record for another thread (the thread was deleted on
//! Discord and made anew) edits the same comment to the new link. The
//! writes are paced by the GitHub client (one per second per identity,
//! shared through Redis).

use crate::github::comments::{backlink_marker, IssueComment};
use crate::github::{As, GitHub, GithubError};
use crate::keys;
use crate::worker::backfill::who_for;
use crate::worker::{Context, JobError};
use redis::AsyncCommands;
use threadline_jobs::{PrBacklink, PullRequest, Repo};

/// The comment's text.
pub fn body(repo: &Repo, pr: &PullRequest, guild: u64, thread: u64) -> String {
    format!(
        "💬 This pull request is discussed on Discord: https://discord.com/channels/{guild}/{thread}\n\n{}",
        backlink_marker(&keys::pr_key(repo, pr))
    )
}

/// Makes (or corrects) the back-link of the job's PR.
pub async fn ensure(ctx: &Context, github: &GitHub, job: &PrBacklink) -> Result<(), JobError> {
    let (repo, pr) = (&job.repo, &job.pr);
    // The thread now: a job queued for a thread since made anew links the new one.
    let thread = ctx
        .guards
        .get(&keys::thread(repo, pr))
        .await?
        .or_else(|| job.thread.parse().ok())
        .ok_or_else(|| JobError::Permanent(anyhow::anyhow!("no thread id in the job")))?;
    let record = Record::read(ctx, repo, pr).await?;
    if record.is_some_and(|r| r.thread == thread) {
        return Ok(());
    }
    let guild = guild_of(ctx, job, thread).await?;
    let text = body(repo, pr, guild, thread);
    let name = &repo.full_name;
    let who = who_for(github, None, &format!("/repos/{name}/installation"))
        .await
        .map_err(|e| failed(e, "finding the repository's installation"))?;
    let comment = match record {
        Some(r) => edit_or_post(github, job, r.comment, &text, who).await?,
        None => find_or_post(github, job, &text, who).await?,
    };
    log::info!(
        "{name}#{}: back-link to thread {thread} is comment {}",
        pr.number,
        comment
    );
    Record { comment, thread }.write(ctx, repo, pr).await
}

/// No record: the comment an earlier attempt made, or a new one.
async fn find_or_post(
    github: &GitHub,
    job: &PrBacklink,
    text: &str,
    who: As,
) -> Result<u64, JobError> {
    let (name, n) = (&job.repo.full_name, job.pr.number);
    let marker = backlink_marker(&keys::pr_key(&job.repo, &job.pr));
    let listed = github
        .issue_comments(name, n, who)
        .await
        .map_err(|e| failed(e, "listing the PR's comments"))?;
    let found = listed
        .into_iter()
        .find(|c| c.body.as_deref().is_some_and(|b| b.contains(&marker)));
    match found {
        Some(c) if c.body.as_deref() == Some(text) => Ok(c.id),
        Some(c) => edit_or_post(github, job, c.id, text, who).await,
        None => post(github, job, text, who).await,
    }
}

/// Edits comment `id`; one deleted on GitHub meanwhile is posted anew.
async fn edit_or_post(
    github: &GitHub,
    job: &PrBacklink,
    id: u64,
    text: &str,
    who: As,
) -> Result<u64, JobError> {
    match github
        .edit_issue_comment(&job.repo.full_name, id, text, who)
        .await
    {
        Ok(IssueComment { id, .. }) => Ok(id),
        Err(GithubError::Refused { status: 404, .. }) => post(github, job, text, who).await,
        Err(e) => Err(failed(e, "editing the back-link comment")),
    }
}

async fn post(github: &GitHub, job: &PrBacklink, text: &str, who: As) -> Result<u64, JobError> {
    github
        .create_issue_comment(&job.repo.full_name, job.pr.number, text, who)
        .await
        .map(|c| c.id)
        .map_err(|e| {
            failed(
                e,
                "commenting the back-link (needs Pull requests: write or Issues: write)",
            )
        })
}

/// The thread's guild: the job's, else asked of Discord.
async fn guild_of(ctx: &Context, job: &PrBacklink, thread: u64) -> Result<u64, JobError> {
    if let Some(guild) = job
        .guild
        .as_deref()
        .and_then(|g| g.parse().ok())
        .filter(|g| *g != 0)
    {
        return Ok(guild);
    }
    let info = ctx
        .discord
        .channel_info(thread)
        .await
        .map_err(|e| JobError::discord(&format!("reading thread {thread}'s guild"), e))?;
    info.and_then(|i| i.guild_id?.parse().ok())
        .ok_or_else(|| JobError::Permanent(anyhow::anyhow!("thread {thread} is in no guild")))
}

/// `pr:…:backlink` = `{comment}:{thread}`.
#[derive(Debug, Clone, Copy)]
struct Record {
    comment: u64,
    thread: u64,
}

impl Record {
    async fn read(
        ctx: &Context,
        repo: &Repo,
        pr: &PullRequest,
    ) -> Result<Option<Record>, JobError> {
        let raw: Option<String> = ctx
            .guards
            .redis()
            .get(ctx.guards.key(&keys::of_pr(repo, pr, "backlink")))
            .await
            .map_err(|e| JobError::redis("reading the back-link record", e))?;
        Ok(raw.as_deref().and_then(|raw| {
            let (comment, thread) = raw.split_once(':')?;
            Some(Record {
                comment: comment.parse().ok()?,
                thread: thread.parse().ok()?,
            })
        }))
    }

    async fn write(self, ctx: &Context, repo: &Repo, pr: &PullRequest) -> Result<(), JobError> {
        ctx.guards
            .redis()
            .set::<_, _, ()>(
                ctx.guards.key(&keys::of_pr(repo, pr, "backlink")),
                format!("{}:{}", self.comment, self.thread),
            )
            .await
            .map_err(|e| JobError::redis("recording the back-link", e))
    }
}

/// A GitHub failure as the job's: a rate limit pushes it back, a refusal
/// is permanent, anything else is retried (a retry lists before posting).
fn failed(e: GithubError, doing: &str) -> JobError {
    match e {
        GithubError::Deferred { until_ms } => JobError::Deferred {
            retry_at_ms: until_ms,
            ticket: None,
        },
        e @ GithubError::Refused { .. } => {
            JobError::Permanent(anyhow::Error::new(e).context(doing.to_string()))
        }
        e => JobError::Transient(anyhow::Error::new(e).context(doing.to_string())),
    }
}
