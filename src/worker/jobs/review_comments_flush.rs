//! `pr.review_comments_flush`: posts a review's staged line comments as
//! one message.
//!
//! Staged comments are first sealed into a numbered batch (atomically), and
//! each batch is posted under its own guard key, so a retry re-posts
//! nothing and comments that arrive meanwhile go to the next batch. A
//! posted batch keeps its entries, for its comments' edits and deletions
//! (see [`crate::worker::comments::review`]).

use crate::worker::comments::follow::Place;
use crate::worker::comments::review::Review;
use crate::worker::pr::schedule;
use crate::worker::{Context, JobError};
use threadline_jobs::ReviewCommentsFlush;

pub async fn perform(ctx: &Context, job: ReviewCommentsFlush) -> Result<(), JobError> {
    let place = Place {
        delivery: &job.delivery,
        repo: &job.repo,
        pr: &job.pr,
    };
    let review = Review::new(place, job.review_id);
    for n in review.seal(ctx).await? {
        review.converge(ctx, place, n, true).await?;
        review.posted(ctx, n).await?;
    }
    // Posting may have unarchived a closed PR's thread; the sync re-archives it.
    schedule::sync_soon(ctx, &job.delivery, &job.repo, &job.pr).await
}
