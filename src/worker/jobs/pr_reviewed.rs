//! `pr.reviewed`: a review's outcome (approved, changes requested,
//! dismissed) or, for a plain comment review, its body if it has one. The
//! verdict is kept as the PR's review decision (a forum post's tag).

use crate::worker::{messages, review_decision, Context, JobError};
use threadline_jobs::PrReviewed;

pub async fn perform(ctx: &Context, job: PrReviewed) -> Result<(), JobError> {
    // Before `announce` schedules the sync that shows it as a forum tag.
    review_decision::record(ctx, &job).await?;
    let text = messages::reviewed(&job);
    super::announce(ctx, &job.delivery, &job.repo, &job.pr, "review", text).await
}
