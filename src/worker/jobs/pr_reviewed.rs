//! `pr.reviewed`: a review's outcome (approved, changes requested,
//! dismissed) or, for a plain comment review, its body if it has one.

use crate::worker::{messages, Context, JobError};
use threadline_jobs::PrReviewed;

pub async fn perform(ctx: &Context, job: PrReviewed) -> Result<(), JobError> {
    let text = messages::reviewed(&job);
    super::announce(ctx, &job.delivery, &job.repo, &job.pr, "review", text).await
}
