//! `pr.opened`: the PR's thread with its intro, exactly once. If another
//! event already created the thread, there is nothing more to post.

use crate::worker::{Context, JobError};
use threadline_jobs::PrOpened;

pub async fn perform(ctx: &Context, job: PrOpened) -> Result<(), JobError> {
    super::announce(ctx, &job.delivery, &job.repo, &job.pr, "opened", None).await
}
