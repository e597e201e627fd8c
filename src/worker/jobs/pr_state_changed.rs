//! `pr.state_changed`: merged, closed or reopened. The message comes
//! first; the thread sync then archives (and locks) or reopens the thread.

use crate::worker::{messages, Context, JobError};
use threadline_jobs::PrStateChanged;

pub async fn perform(ctx: &Context, job: PrStateChanged) -> Result<(), JobError> {
    let text = messages::state_changed(&job);
    super::announce(ctx, &job.delivery, &job.repo, &job.pr, "state", Some(text)).await
}
