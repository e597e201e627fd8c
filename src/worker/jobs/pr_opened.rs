//! `pr.opened`: the PR's thread with its intro, exactly once.

use crate::worker::thread::ensure_thread;
use crate::worker::{Context, JobError};
use threadline_jobs::PrOpened;

pub async fn perform(ctx: &Context, job: PrOpened) -> Result<(), JobError> {
    let thread = ensure_thread(ctx, &job.repo, &job.pr).await?;
    log::info!(
        "delivery={} {}#{} has thread {thread}",
        job.delivery.id,
        job.repo.full_name,
        job.pr.number
    );
    Ok(())
}
