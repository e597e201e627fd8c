//! `pr.review_request`: a short message in the PR's thread.

use crate::worker::{messages, Context, JobError};
use threadline_jobs::PrReviewRequest;

pub async fn perform(ctx: &Context, job: PrReviewRequest) -> Result<(), JobError> {
    let text = messages::review_request(&job);
    super::announce(
        ctx,
        &job.delivery,
        &job.repo,
        &job.pr,
        "review_request",
        Some(text),
    )
    .await
}
