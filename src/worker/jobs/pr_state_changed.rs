//! `pr.state_changed`: merged, closed or reopened. The message comes
//! first; the thread sync then archives (and locks) or reopens the thread.
//! A merge pings the author when mapped; closing ends review reminders.

use crate::worker::pr::messages;
use crate::worker::pr::people;
use crate::worker::{reminders, Context, JobError};
use threadline_jobs::PrStateChanged;

pub async fn perform(ctx: &Context, job: PrStateChanged) -> Result<(), JobError> {
    let text = messages::state_changed(&job);
    let mentions = people::for_state(ctx, &job);
    let (delivery, repo, pr) = (&job.delivery, &job.repo, &job.pr);
    crate::worker::pr::announce::announce_mentioning(ctx, delivery, repo, pr, "state", Some(text), &mentions).await?;
    if pr.state == "closed" {
        reminders::cut(ctx, delivery, repo, pr).await?;
    }
    Ok(())
}
