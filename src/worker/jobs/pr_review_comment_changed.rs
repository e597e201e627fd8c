//! `pr.review_comment_changed`: a line comment was edited or deleted on
//! GitHub. Its entry changes where it is: still staged (the flush posts
//! the newest), or in a posted batch, whose message is re-rendered, or
//! deleted once its last entry is gone. A comment in no batch (not staged
//! yet, or never forwarded) only leaves its record, for a late create.

use crate::worker::comments::issue::Version;
use crate::worker::comments::follow::Place;
use crate::worker::comments::review::Review;
use crate::worker::pr::messages;
use crate::worker::{Context, JobError};
use threadline_jobs::{PrReviewComment, PrReviewCommentChanged};

pub async fn perform(ctx: &Context, job: PrReviewCommentChanged) -> Result<(), JobError> {
    let place = Place {
        delivery: &job.delivery,
        repo: &job.repo,
        pr: &job.pr,
    };
    let entry = match job.deleted {
        true => String::new(),
        false => messages::review_comment_entry(&as_created(&job)),
    };
    let version = Version {
        updated_at: &job.updated_at,
        seq: job.delivery.seq,
        deleted: job.deleted,
        text: &entry,
    };
    let review = Review::new(place, job.review_id);
    match review.change(ctx, job.comment_id, &version).await? {
        Some(batch) => review.converge(ctx, place, batch, false).await,
        None => Ok(()),
    }
}

/// The comment as its create job would have carried it, for the renderer.
fn as_created(job: &PrReviewCommentChanged) -> PrReviewComment {
    PrReviewComment {
        delivery: job.delivery.clone(),
        repo: job.repo.clone(),
        pr: job.pr.clone(),
        review_id: job.review_id,
        comment_id: job.comment_id,
        author: job.author.clone(),
        path: job.path.clone(),
        line: job.line,
        diff_tail: job.diff_tail.clone(),
        body: job.body.clone(),
        html_url: job.html_url.clone(),
        updated_at: job.updated_at.clone(),
    }
}
