//! One module per job kind, each with the same surface: `perform(ctx, args)`.
//! [`perform`] decodes a Faktory job into its typed args and dispatches.

mod dibs_notify;
mod dibs_release;
mod github_backfill;
mod github_catch_up;
mod pr_backfill;
mod pr_comment_changed;
mod pr_commented;
mod pr_draft_changed;
mod pr_eligible;
mod pr_opened;
mod pr_pushed;
mod pr_retitled;
mod pr_review_comment;
mod pr_review_comment_changed;
mod pr_review_reminder;
mod pr_review_request;
mod pr_reviewed;
mod pr_state_changed;
mod review_comments_flush;
mod thread_sync;

use super::{lookup, post, pr_state, schedule, thread, Context, JobError};
use crate::discord::Mentions;
use threadline_jobs::{self as jobs, decode, Delivery, Job, PullRequest, Repo};

/// Runs one Faktory job.
pub async fn perform(ctx: &Context, job: &faktory::Job) -> Result<(), JobError> {
    match job.kind() {
        jobs::PrOpened::KIND => pr_opened::perform(ctx, args(job)?).await,
        jobs::PrRetitled::KIND => pr_retitled::perform(ctx, args(job)?).await,
        jobs::PrDraftChanged::KIND => pr_draft_changed::perform(ctx, args(job)?).await,
        jobs::PrPushed::KIND => pr_pushed::perform(ctx, args(job)?).await,
        jobs::PrReviewRequest::KIND => pr_review_request::perform(ctx, args(job)?).await,
        jobs::PrStateChanged::KIND => pr_state_changed::perform(ctx, args(job)?).await,
        jobs::PrCommented::KIND => pr_commented::perform(ctx, args(job)?).await,
        jobs::PrReviewed::KIND => pr_reviewed::perform(ctx, args(job)?).await,
        jobs::PrReviewComment::KIND => pr_review_comment::perform(ctx, args(job)?).await,
        jobs::ReviewCommentsFlush::KIND => review_comments_flush::perform(ctx, args(job)?).await,
        jobs::ThreadSync::KIND => thread_sync::perform(ctx, args(job)?).await,
        jobs::PrCommentChanged::KIND => pr_comment_changed::perform(ctx, args(job)?).await,
        jobs::PrReviewCommentChanged::KIND => {
            pr_review_comment_changed::perform(ctx, args(job)?).await
        }
        jobs::PrEligible::KIND => pr_eligible::perform(ctx, args(job)?).await,
        jobs::DibsNotify::KIND => dibs_notify::perform(ctx, args(job)?).await,
        jobs::DibsRelease::KIND => dibs_release::perform(ctx, args(job)?).await,
        jobs::PrReviewReminder::KIND => pr_review_reminder::perform(ctx, args(job)?).await,
        jobs::GithubCatchUp::KIND => github_catch_up::perform(ctx, args(job)?).await,
        jobs::PrBackfill::KIND => pr_backfill::perform(ctx, args(job)?).await,
        jobs::GithubBackfill::KIND => github_backfill::perform(ctx, args(job)?).await,
        other => Err(JobError::Permanent(anyhow::anyhow!(
            "no handler for job kind {other:?}"
        ))),
    }
}

fn args<J: Job>(job: &faktory::Job) -> Result<J, JobError> {
    decode(job.args()).map_err(|e| {
        JobError::Permanent(anyhow::Error::new(e).context(format!("reading {} args", J::KIND)))
    })
}

/// The common shape of a PR event: record the PR's state, make sure the
/// thread exists, post `text` (once per delivery and `effect`), then let
/// a thread sync settle the name and archived state.
async fn announce(
    ctx: &Context,
    delivery: &Delivery,
    repo: &Repo,
    pr: &PullRequest,
    effect: &str,
    text: Option<String>,
) -> Result<(), JobError> {
    let none = Mentions::none();
    announce_mentioning(ctx, delivery, repo, pr, effect, text, &none).await
}

/// [`announce`], with `text` pinging exactly `mentions` (on a line of
/// their own after the first, see [`super::people`]).
async fn announce_mentioning(
    ctx: &Context,
    delivery: &Delivery,
    repo: &Repo,
    pr: &PullRequest,
    effect: &str,
    text: Option<String>,
    mentions: &Mentions,
) -> Result<(), JobError> {
    pr_state::observe(ctx, delivery.seq, repo, pr).await?;
    match text {
        Some(text) => {
            let key = format!("delivery:{}:{effect}", delivery.key());
            // A comment's or review's first line shows its GitHub URL; the
            // others need a reference to be told apart (see `lookup`).
            let text = match effect {
                "commented" | "review" => text,
                _ => lookup::with_ref(&text, &post::reference(ctx, &key)),
            };
            let text = super::people::with_mentions(&text, mentions);
            thread::post_in_thread_mentioning(ctx, repo, pr, &key, &text, mentions).await?;
        }
        None => {
            thread::ensure_thread(ctx, repo, pr).await?;
        }
    }
    schedule::sync_soon(ctx, delivery, repo, pr).await
}
