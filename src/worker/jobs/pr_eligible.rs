//! `pr.eligible`: the thread, made now if the filters kept it out before,
//! and one line saying why the PR appears now.

use crate::text;
use crate::worker::{Context, JobError};
use threadline_jobs::PrEligible;

pub async fn perform(ctx: &Context, job: PrEligible) -> Result<(), JobError> {
    let text = format!(
        "📌 This PR appears here now: {}.",
        crate::worker::pr::messages::safe(&text::one_line(&job.reason))
    );
    crate::worker::pr::announce::announce(
        ctx,
        &job.delivery,
        &job.repo,
        &job.pr,
        "eligible",
        Some(text),
    )
    .await
}
