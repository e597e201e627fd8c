//! `pr.reviewed`: a review's outcome (approved, changes requested,
//! dismissed) or, for a plain comment review, its body if it has one. The
//! verdict is kept as the PR's review decision (a forum post's tag). An
//! approval or a change request pings the author when mapped; the
//! reviewer joins the thread and their review reminders end.

use crate::worker::pr::members;
use crate::worker::pr::messages;
use crate::worker::pr::people;
use crate::worker::pr::review_decision;
use crate::worker::{reminders, Context, JobError};
use threadline_jobs::PrReviewed;

pub async fn perform(ctx: &Context, job: PrReviewed) -> Result<(), JobError> {
    // Before `announce` schedules the sync that shows it as a forum tag.
    review_decision::record(ctx, &job).await?;
    let text = messages::reviewed(&job);
    let mentions = people::for_review(ctx, &job);
    let (delivery, repo, pr) = (&job.delivery, &job.repo, &job.pr);
    crate::worker::pr::announce::announce_mentioning(ctx, delivery, repo, pr, "review", text, &mentions).await?;
    members::join(ctx, repo, pr, &[&pr.author, &job.reviewer]).await?;
    if job.state == "dismissed" {
        return Ok(());
    }
    // Any review by them answers the request: their reminders end.
    reminders::cancelled(ctx, delivery, repo, pr, &job.reviewer, None).await
}
