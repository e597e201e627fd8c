//! `dibs.release`: a timed release come due (pushed with Faktory `at`).
//! The script releases only if the resource is still at the job's
//! version; a release, re-take or extension in between made the job
//! stale, and it does nothing. A retry of a release that happened gets
//! the same answer from the script, so its follow-ups (the next holder's
//! notification and timed release) are queued again rather than lost;
//! the worker performs the notification once, and a second copy of the
//! next release finds itself stale. What the release causes is also in the
//! outbox (written with it), removed once queued here.

use super::{Context, JobError};
use crate::dibs::{outbox, Outcome, Store};
use threadline_jobs::DibsRelease;

pub async fn perform(ctx: &Context, job: DibsRelease) -> Result<(), JobError> {
    let store = Store::new(ctx.guards.redis(), ctx.common.key_prefix());
    let change = store
        .expire(&job.resource, job.version)
        .await
        .map_err(JobError::Transient)?;
    if change.outcome == Outcome::Stale {
        log::info!(
            "dibs {} version {}: released or re-taken meanwhile; nothing to do",
            job.resource,
            job.version
        );
        return Ok(());
    }
    log::info!(
        "dibs {} version {}: time ran out; released",
        job.resource,
        job.version
    );
    outbox::settle(&store, &ctx.producer, &ctx.common, &change, true)
        .await
        .map_err(JobError::Transient)
}
