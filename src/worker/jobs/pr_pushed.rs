//! `pr.pushed`: a short message in the PR's thread.

use crate::worker::pr::messages;
use crate::worker::{Context, JobError};
use threadline_jobs::PrPushed;

pub async fn perform(ctx: &Context, job: PrPushed) -> Result<(), JobError> {
    let text = messages::pushed(&job);
    crate::worker::pr::announce::announce(ctx, &job.delivery, &job.repo, &job.pr, "pushed", Some(text)).await
}
