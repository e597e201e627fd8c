//! `pr.pushed`: a short message in the PR's thread.

use crate::worker::{messages, Context, JobError};
use threadline_jobs::PrPushed;

pub async fn perform(ctx: &Context, job: PrPushed) -> Result<(), JobError> {
    let text = messages::pushed(&job);
    super::announce(ctx, &job.delivery, &job.repo, &job.pr, "pushed", Some(text)).await
}
