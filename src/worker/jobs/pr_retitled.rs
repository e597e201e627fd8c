//! `pr.retitled`: the title changed; the coalesced thread sync renames.

use crate::worker::{Context, JobError};
use threadline_jobs::PrRetitled;

pub async fn perform(ctx: &Context, job: PrRetitled) -> Result<(), JobError> {
    crate::worker::pr::announce::announce(ctx, &job.delivery, &job.repo, &job.pr, "retitled", None).await
}
