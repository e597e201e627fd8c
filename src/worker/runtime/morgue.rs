//! Keeps the dead-job index ([`crate::dead_index`]) in step with what
//! happens to each job: listed when it goes to the dead set (sent there at
//! once, or its last retry failed), unlisted when it succeeds after all.

use crate::dead_index::{DeadIndex, DeadJob};
use crate::worker::runtime::meter;
use crate::worker::JobError;

/// Faktory's default `retry` when a job does not set one.
const DEFAULT_RETRY: isize = 25;

/// Notes `job`'s result; index trouble is logged, never the job's failure.
pub async fn note(index: &DeadIndex, job: &faktory::Job, result: &Result<(), JobError>) {
    let jid: &str = job.id().as_ref();
    let noted = match result {
        Ok(()) if job.failure().is_some() => index.remove(jid).await.map(|_| ()),
        Ok(()) | Err(JobError::Deferred { .. }) => Ok(()),
        Err(e) if e.is_permanent() || last_try(job) => index.record(&entry(job, e)).await,
        Err(_) => Ok(()),
    };
    if let Err(e) = noted {
        log::warn!("job={jid}: the dead-job index is not up to date: {e:#}");
    }
}

/// Whether a FAIL now sends the job to the dead set: Faktory retries while
/// the count of failures before this one is below `retry`.
fn last_try(job: &faktory::Job) -> bool {
    let retry = job.retry.unwrap_or(DEFAULT_RETRY);
    let failed_before = job.failure().map_or(0, |f| f.retry_count as isize + 1);
    failed_before >= retry
}

fn entry(job: &faktory::Job, e: &JobError) -> DeadJob {
    DeadJob {
        jid: (job.id().as_ref() as &str).to_string(),
        kind: job.kind().to_string(),
        delivery: meter::delivery_of(job).to_string(),
        error: e.to_string(),
        at_ms: crate::clock::now_ms(),
    }
}
