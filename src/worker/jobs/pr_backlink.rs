//! `pr.backlink`: the comment on the PR linking its thread
//! ([`crate::worker::backlink`]). Nothing without `[github] backlink = true`
//! and GitHub credentials.

use crate::worker::{Context, JobError};
use threadline_jobs::PrBacklink;

pub async fn perform(ctx: &Context, job: PrBacklink) -> Result<(), JobError> {
    let Some(github) = ctx.github.as_ref().filter(|_| ctx.config.backlink) else {
        log::info!("back-links are off ([github] backlink, or no GitHub credentials)");
        return Ok(());
    };
    crate::worker::backlink::ensure(ctx, github, &job).await
}
