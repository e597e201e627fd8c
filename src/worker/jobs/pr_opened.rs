//! `pr.opened`: the PR's thread with its intro, exactly once. If another
//! event already created the thread, there is nothing more to post. The
//! author joins the thread when mapped.

use crate::worker::pr::members;
use crate::worker::{Context, JobError};
use threadline_jobs::PrOpened;

pub async fn perform(ctx: &Context, job: PrOpened) -> Result<(), JobError> {
    crate::worker::pr::announce::announce(ctx, &job.delivery, &job.repo, &job.pr, "opened", None).await?;
    members::join(ctx, &job.repo, &job.pr, &[&job.pr.author]).await
}
