//! What the worker tells its metrics about each job: how long it waited in
//! its queue, how long it took, and how it ended (`done`, `retry`, `dead`).

use crate::metrics::Metrics;
use crate::worker::JobError;

/// From enqueueing to fetch; jobs of an older Faktory without
/// `enqueued_at` are not counted.
pub fn fetched(metrics: &Metrics, job: &faktory::Job) {
    if let Some(enqueued) = job.enqueued_at {
        let waited = chrono::Utc::now().signed_duration_since(enqueued);
        metrics.queue_latency(&job.queue, waited.num_milliseconds() as f64 / 1000.0);
    }
}

/// The outcome label of a job's result, before a push-back turns it into
/// an acknowledgement: a job that will run again is a retry.
pub fn outcome(result: &Result<(), JobError>) -> &'static str {
    match result {
        Ok(()) => "done",
        Err(e) if e.is_permanent() => "dead",
        Err(_) => "retry",
    }
}

/// The delivery a job came from, for log lines: `web` sets it on every job.
pub fn delivery_of(job: &faktory::Job) -> &str {
    job.custom
        .get("delivery")
        .and_then(|d| d.as_str())
        .unwrap_or("-")
}

tokio::task_local! {
    /// The job a task is performing, for its log lines.
    static JOB: String;
}

/// Runs `work` with every log line it writes tagged with `job`'s delivery,
/// id and kind (see [`log_tag`]).
pub async fn tagged<F: std::future::Future>(job: &faktory::Job, work: F) -> F::Output {
    let tag = format!(
        "delivery={} job={} kind={}",
        delivery_of(job),
        job.id().as_ref() as &str,
        job.kind()
    );
    JOB.scope(tag, work).await
}

/// The tag of the job the current task performs, if any: the worker's
/// logger appends it, so one grep for a delivery finds every line.
pub fn log_tag() -> Option<String> {
    JOB.try_with(String::clone).ok()
}
