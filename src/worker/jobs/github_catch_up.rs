//! `github.catch_up`: one link of the catch-up chain. A link that is not
//! the current one stands down; the current one runs catch-up over the
//! window since the last completed run, then schedules the next. A rate
//! limit longer than a few seconds pushes the link back to when it lifts.

use crate::worker::catch_up::{self, chain, Deps};
use super::{Context, JobError};
use crate::clock::now_ms;
use crate::github::GithubError;
use threadline_jobs::GithubCatchUp;

pub async fn perform(ctx: &Context, job: GithubCatchUp) -> Result<(), JobError> {
    let (Some(github), Some(every)) = (&ctx.github, ctx.github_settings.catch_up_every) else {
        log::info!("catch-up is off (no GitHub credentials, or GITHUB_CATCH_UP_SECS=0)");
        return Ok(());
    };
    if !chain::is_current(ctx, job.due_ms).await? {
        log::info!(
            "catch-up link {} is not the current one; standing down",
            job.due_ms
        );
        return Ok(());
    }
    let started = now_ms();
    let since = chain::since(ctx, started).await?;
    let deps = Deps {
        github: github.clone(),
        redis: ctx.guards.redis(),
        key_prefix: ctx.common.key_prefix(),
        metrics: Some(ctx.metrics.clone()),
        run: Some(job.due_ms),
    };
    let report = match catch_up::run(&deps, since, false).await {
        Ok(r) => r,
        Err(GithubError::Deferred { until_ms }) => {
            return Err(JobError::Deferred {
                retry_at_ms: until_ms,
                ticket: None,
            })
        }
        Err(e) => {
            return Err(JobError::Transient(
                anyhow::Error::new(e).context("catching up"),
            ))
        }
    };
    log::info!(
        "catch-up: {} failed deliveries dealt with, {} errors, {} hooks unreadable",
        report.lines.len(),
        report.errors(),
        report.unreadable.len()
    );
    chain::completed(ctx, job.due_ms, started, every).await
}
