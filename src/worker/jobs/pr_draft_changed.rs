//! `pr.draft_changed`: a short message in the PR's thread.

use crate::worker::{messages, Context, JobError};
use threadline_jobs::PrDraftChanged;

pub async fn perform(ctx: &Context, job: PrDraftChanged) -> Result<(), JobError> {
    let text = messages::draft_changed(&job);
    super::announce(
        ctx,
        &job.delivery,
        &job.repo,
        &job.pr,
        "draft_changed",
        Some(text),
    )
    .await
}
