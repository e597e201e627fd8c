//! Pushing a job back when the Discord budget has no room for a while.
//!
//! The job is pushed again, unchanged, to its own queue with Faktory `at`,
//! carrying its budget ticket in the custom field `budget_ticket` so that it
//! keeps its place in the bucket's queue; then the running copy is
//! acknowledged and its slot serves other work. Both go through the slot's
//! outbox ([`crate::worker::runtime::outbox`]), copy first, so that a lost connection loses
//! neither. Faktory moves scheduled
//! jobs to their queue every 5 s, so the copy is scheduled 5 s before its
//! permit: it is back in time and waits the rest in its slot. Guards make
//! the effects of the copy happen once, as for any retry.

use crate::discord::limiter::DEFER_AFTER;
use crate::discord::Ticket;
use crate::worker::JobError;

const TICKET: &str = "budget_ticket";
const PUSHED_BACK: &str = "pushed_back";
const ORIGIN: &str = "origin";

/// The id of the first job of a chain of push-backs (its own jid if none).
pub fn origin_of(job: &faktory::Job) -> String {
    match job.custom.get(ORIGIN).and_then(|v| v.as_str()) {
        Some(origin) => origin.to_string(),
        None => (job.id().as_ref() as &str).to_string(),
    }
}

/// The ticket a pushed-back job carries, if any.
pub fn ticket_of(job: &faktory::Job) -> Option<Ticket> {
    let raw = job.custom.get(TICKET)?;
    serde_json::from_value(raw.clone()).ok()
}

/// The copy of `job` to schedule for when its permit is near, holding
/// `ticket`; once Faktory has taken it, `job` may be acknowledged.
pub fn copy_of(
    job: &faktory::Job,
    retry_at_ms: u64,
    ticket: Option<Ticket>,
) -> Result<faktory::Job, JobError> {
    let mut copy = faktory::Job::new(job.kind().to_string(), job.args().to_vec());
    copy.queue = job.queue.clone();
    copy.reserve_for = job.reserve_for;
    copy.retry = job.retry;
    copy.custom = job.custom.clone();
    let times = job
        .custom
        .get(PUSHED_BACK)
        .and_then(|v| v.as_u64())
        .unwrap_or(0);
    copy.custom.insert(PUSHED_BACK.into(), (times + 1).into());
    copy.custom.insert(ORIGIN.into(), origin_of(job).into());
    copy.custom.remove(TICKET);
    if let Some(ticket) = ticket {
        let value = serde_json::to_value(&ticket)
            .map_err(|e| JobError::Transient(anyhow::Error::new(e).context("encoding a ticket")))?;
        copy.custom.insert(TICKET.into(), value);
    }
    // Never in the past: a job due at once would bounce straight back.
    let at_ms = retry_at_ms
        .saturating_sub(DEFER_AFTER.as_millis() as u64)
        .max(crate::clock::now_ms() + 1000);
    copy.at = chrono::DateTime::from_timestamp_millis(at_ms as i64);
    log::info!(
        "delivery={} job={} kind={} pushed back: due in {} ms, as job {}",
        delivery_of(job),
        job.id().as_ref() as &str,
        job.kind(),
        retry_at_ms.saturating_sub(crate::clock::now_ms()),
        copy.id().as_ref() as &str,
    );
    Ok(copy)
}

fn delivery_of(job: &faktory::Job) -> &str {
    job.custom
        .get("delivery")
        .and_then(|v| v.as_str())
        .unwrap_or("-")
}
