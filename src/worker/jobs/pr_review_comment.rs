//! `pr.review_comment`: a line comment is staged with its review, and a
//! flush scheduled a few seconds later posts the review's comments as one
//! message. A comment id is staged once, so duplicates add nothing; what
//! is staged is the comment's newest version (see
//! [`crate::worker::comments::review`]).

use crate::worker::comments::issue::Version;
use crate::worker::comments::follow::Place;
use crate::worker::comments::review::Review;
use crate::worker::pr::messages;
use crate::worker::pr::pr_state;
use crate::worker::pr::schedule;
use crate::worker::{Context, JobError};
use threadline_jobs::{PrReviewComment, ReviewCommentsFlush};

pub async fn perform(ctx: &Context, job: PrReviewComment) -> Result<(), JobError> {
    pr_state::observe(ctx, job.delivery.seq, &job.repo, &job.pr).await?;
    let place = Place {
        delivery: &job.delivery,
        repo: &job.repo,
        pr: &job.pr,
    };
    let review = Review::new(place, job.review_id);
    let entry = messages::review_comment_entry(&job);
    let version = Version {
        updated_at: &job.updated_at,
        seq: job.delivery.seq,
        deleted: false,
        text: &entry,
    };
    review.stage(ctx, job.comment_id, &version).await?;
    let flush = ReviewCommentsFlush {
        delivery: job.delivery.clone(),
        repo: job.repo.clone(),
        pr: job.pr.clone(),
        review_id: job.review_id,
    };
    let flag = format!(
        "{}:review:{}:flush",
        crate::keys::pr_key(&job.repo, &job.pr),
        job.review_id
    );
    schedule::push_coalesced(ctx, &flag, &flush, schedule::FLUSH_DELAY).await
}
