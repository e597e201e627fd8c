//! `pr.review_request`: a short message in the PR's thread, pinging the
//! requested reviewer (or team role) when mapped; the reviewer joins the
//! thread, and a reminder cycle starts (or ends, for a removal).

use crate::worker::pr::members;
use crate::worker::pr::messages;
use crate::worker::pr::people;
use crate::worker::{reminders, Context, JobError};
use threadline_jobs::PrReviewRequest;

pub async fn perform(ctx: &Context, job: PrReviewRequest) -> Result<(), JobError> {
    let text = messages::review_request(&job);
    let mentions = people::for_request(ctx, &job);
    let (delivery, repo, pr) = (&job.delivery, &job.repo, &job.pr);
    crate::worker::pr::announce::announce_mentioning(
        ctx,
        delivery,
        repo,
        pr,
        "review_request",
        Some(text),
        &mentions,
    )
    .await?;
    let reviewer = match (job.removed, &job.team) {
        (false, None) => job.reviewer.as_str(),
        _ => "",
    };
    members::join(ctx, repo, pr, &[&pr.author, reviewer]).await?;
    reminders::requested(ctx, &job).await
}
