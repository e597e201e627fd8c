//! `pr.draft_changed`: a short message in the PR's thread. Converting to
//! a draft ends its review reminders.

use crate::worker::pr::messages;
use crate::worker::{reminders, Context, JobError};
use threadline_jobs::PrDraftChanged;

pub async fn perform(ctx: &Context, job: PrDraftChanged) -> Result<(), JobError> {
    let text = messages::draft_changed(&job);
    let (delivery, repo, pr) = (&job.delivery, &job.repo, &job.pr);
    crate::worker::pr::announce::announce(ctx, delivery, repo, pr, "draft_changed", Some(text)).await?;
    if pr.draft {
        reminders::cut(ctx, delivery, repo, pr).await?;
    }
    Ok(())
}
