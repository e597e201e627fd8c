//! `pr.commented`: a short message in the PR's thread.

use crate::worker::{messages, Context, JobError};
use threadline_jobs::PrCommented;

pub async fn perform(ctx: &Context, job: PrCommented) -> Result<(), JobError> {
    let text = messages::commented(&job);
    super::announce(
        ctx,
        &job.delivery,
        &job.repo,
        &job.pr,
        "commented",
        Some(text),
    )
    .await
}
