//! One slot: a Faktory connection of its own, fetching and performing one
//! job at a time, and telling Faktory each job's outcome through its
//! [`Outbox`], again on the next connection if the last one dropped.

use crate::queue::connect_client;
use crate::queue::wire::{Answer, Hello, Wire, WireError};
use crate::worker::runtime::meter;
use crate::worker::runtime::morgue;
use crate::worker::runtime::outbox::{Outbox, Outcome, Owed};
use crate::worker::runtime::pushback;
use crate::worker::runtime::{labels, Backoff, Shared};
use crate::worker::{jobs, JobError, Phase};
use faktory::mutate::JobSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Faktory's `reserve_for` when a job has none, and its lower clamp.
const FAKTORY_RESERVE_FOR: Duration = Duration::from_secs(1800);
const FAKTORY_MIN_RESERVE_FOR: Duration = Duration::from_secs(60);
/// Left between a job's deadline and the end of its reservation: its
/// outcome on the wire, and clocks that differ.
const RESERVE_MARGIN: Duration = Duration::from_secs(20);

/// Runs slot `id` until the drain, or the Web UI's *Quiet*.
pub(super) async fn run(id: usize, shared: Arc<Shared>) {
    let mut outbox = Outbox::default();
    let mut backoff = Backoff::default();
    let mut refused = Backoff::default();
    while shared.fetching() || owes(&shared, &outbox) {
        // Outcomes still owed are worth trying until the drain deadline.
        let until = if shared.fetching() {
            Phase::Draining
        } else {
            Phase::Abort
        };
        let mut wire = match Wire::open(&shared.settings.common.faktory, &hello(&shared)).await {
            Ok(w) => w,
            Err(e) => {
                log::warn!("slot {id}: cannot reach Faktory: {e:#}");
                backoff.wait_until(&shared.shutdown, until).await;
                continue;
            }
        };
        backoff = Backoff::default();
        match serve(&shared, &mut wire, &mut outbox).await {
            Ok(()) => {}
            Err(e @ WireError::Lost(_)) => {
                log::warn!("slot {id}: lost Faktory ({e}); reconnecting")
            }
            Err(e) => {
                // Not a dropped line: do not hammer Faktory with the same.
                log::warn!("slot {id}: {e}; reconnecting");
                refused.wait_until(&shared.shutdown, Phase::Abort).await;
            }
        }
    }
    if !outbox.is_empty() {
        log::warn!(
            "slot {id}: stopping with outcomes Faktory has not taken, for jobs {:?}: \
             Faktory hands them out again when their reserve_for runs out",
            outbox.jids()
        );
    }
    if shared.shutdown.phase() == Phase::Running {
        // Quiet: the job this slot ran is done, its connection closed; the
        // process stays up (and beating) until it is stopped.
        log::info!("slot {id}: quiet, fetching no more");
        shared.shutdown.reached(Phase::Draining).await;
    }
}

fn owes(shared: &Shared, outbox: &Outbox) -> bool {
    !outbox.is_empty() && shared.shutdown.phase() < Phase::Abort
}

fn hello(shared: &Shared) -> Hello {
    Hello {
        wid: (shared.wid.as_ref() as &str).to_string(),
        hostname: shared.hostname.clone(),
        labels: labels(),
    }
}

/// Delivers what is owed, then fetches and performs while fetching.
async fn serve(
    shared: &Arc<Shared>,
    wire: &mut Wire,
    outbox: &mut Outbox,
) -> Result<(), WireError> {
    loop {
        for jid in outbox.deliver(wire).await? {
            bury(shared, &jid).await;
        }
        if !shared.fetching() {
            return Ok(());
        }
        if let Some(job) = fetch(wire, &shared.queues).await? {
            outbox.hold(perform(shared, job).await);
        }
    }
}

/// FETCH; `None` when the queues stayed empty (Faktory waits 2 s).
async fn fetch(wire: &mut Wire, queues: &[String]) -> Result<Option<Fetched>, WireError> {
    let body = match wire
        .call(&format!("FETCH {}", queues.join(" ")), None)
        .await?
    {
        Answer::Bulk(Some(body)) => body,
        Answer::Bulk(None) => return Ok(None),
        Answer::Line(line) => return Err(WireError::Refused(format!("FETCH answered {line}"))),
    };
    let raw: serde_json::Value = serde_json::from_str(&body)
        .map_err(|e| WireError::Refused(format!("FETCH answered a job that is not JSON: {e}")))?;
    let jid = raw["jid"].as_str().unwrap_or_default().to_string();
    Ok(Some(match serde_json::from_value::<faktory::Job>(raw) {
        Ok(job) => Fetched::Job(Box::new(job)),
        Err(e) => Fetched::Unreadable {
            jid,
            why: e.to_string(),
        },
    }))
}

enum Fetched {
    Job(Box<faktory::Job>),
    /// A job this worker cannot read: FAILed for good, with the reason.
    Unreadable {
        jid: String,
        why: String,
    },
}

/// Performs a job in a task of its own, so that a panic becomes its FAIL.
async fn perform(shared: &Arc<Shared>, fetched: Fetched) -> Outcome {
    let job = match fetched {
        Fetched::Job(job) => job,
        Fetched::Unreadable { jid, why } => {
            let error = JobError::Permanent(anyhow::anyhow!("reading the job: {why}"));
            return Outcome {
                jid,
                owed: Owed::fail(&error, true),
            };
        }
    };
    let jid = (job.id().as_ref() as &str).to_string();
    if !crate::worker::jobs::HANDLED.contains(&job.kind()) {
        // A kind from a newer `web`: retried, so that a newer worker can
        // take it, rather than sent to the dead set.
        let error = JobError::Transient(anyhow::anyhow!("No handler for {}", job.kind()));
        return Outcome {
            jid,
            owed: Owed::fail(&error, false),
        };
    }
    let task = tokio::spawn(performed(shared.clone(), job));
    let owed = match task.await {
        Ok(owed) => owed,
        Err(e) if e.is_panic() => {
            let error = JobError::Transient(anyhow::anyhow!("job processing panicked"));
            Owed::fail(&error, false)
        }
        Err(_) => Owed::fail(&JobError::Interrupted, false),
    };
    Outcome { jid, owed }
}

/// Runs one job and decides what Faktory is to be told.
async fn performed(shared: Arc<Shared>, job: Box<faktory::Job>) -> Owed {
    let started = Instant::now();
    meter::fetched(&shared.ctx.metrics, &job);
    let ctx = shared
        .ctx
        .for_job(&pushback::origin_of(&job), pushback::ticket_of(&job))
        .for_repo(jobs::repo_of(&job));
    let deadline = deadline_of(&job);
    let result = tokio::select! {
        r = meter::tagged(&job, jobs::perform(&ctx, &job)) => r,
        _ = shared.shutdown.reached(Phase::Abort) => Err(JobError::Interrupted),
        _ = tokio::time::sleep(deadline) => Err(JobError::Transient(anyhow::anyhow!(
            "still running after {} s, the most its reservation allows: stopped so that it \
             never runs beside its own retry",
            deadline.as_secs()
        ))),
    };
    let metered = meter::outcome(&result);
    morgue::note(&shared.dead, &job, &result).await;
    // Every job of a PR slides the TTLs of the PR's keys (one place).
    crate::worker::pr::ttl::refresh_after(&ctx, &job).await;
    let owed = match result {
        Err(JobError::Deferred {
            retry_at_ms,
            ticket,
        }) => {
            // A job pushed back for another reason keeps its place.
            let ticket = ticket.or_else(|| ctx.discord.unused_ticket());
            match pushback::copy_of(&job, retry_at_ms, ticket) {
                Ok(copy) => Owed::PushBack(Box::new(copy)),
                Err(e) => Owed::fail(&e, false),
            }
        }
        other => {
            ctx.discord.release_unused().await;
            owed_for(&shared, other)
        }
    };
    log::info!(
        "delivery={} job={} kind={} outcome={:?} duration_ms={}",
        meter::delivery_of(&job),
        job.id().as_ref() as &str,
        job.kind(),
        described(&owed),
        started.elapsed().as_millis()
    );
    let seconds = started.elapsed().as_secs_f64();
    shared.ctx.metrics.job(job.kind(), metered, seconds);
    owed
}

fn owed_for(shared: &Shared, result: Result<(), JobError>) -> Owed {
    match result {
        Ok(()) => Owed::Ack,
        Err(JobError::Unauthorized) => {
            log::error!("Discord rejected DISCORD_TOKEN (401): stopping; jobs stay queued");
            shared.shutdown.fail();
            Owed::fail(&JobError::Unauthorized, false)
        }
        Err(e) => {
            let permanent = e.is_permanent();
            Owed::fail(&e, permanent)
        }
    }
}

/// How long `job` may run: its reservation less [`RESERVE_MARGIN`], so
/// that Faktory never hands it out again while it still runs here. A job
/// stopped there is retried, and its guards make the retry finish the
/// work rather than repeat it, as after any crash.
fn deadline_of(job: &faktory::Job) -> Duration {
    let reserved = job.reserve_for.unwrap_or(FAKTORY_RESERVE_FOR);
    reserved
        .max(FAKTORY_MIN_RESERVE_FOR)
        .saturating_sub(RESERVE_MARGIN)
        .max(FAKTORY_MIN_RESERVE_FOR / 2)
}

/// The outcome as the job's log line says it.
fn described(owed: &Owed) -> String {
    match owed {
        Owed::Ack => "done".to_string(),
        Owed::Fail { message, .. } => message.clone(),
        Owed::PushBack(copy) => format!("pushed back as job {}", copy.id().as_ref() as &str),
    }
}

/// Moves a job that failed for good from the retry set to the dead set.
async fn bury(shared: &Shared, jid: &str) {
    let jid = faktory::JobId::new(jid);
    let killed = async {
        let mut client = connect_client(&shared.settings.common.faktory).await?;
        client
            .kill_by_ids(JobSet::Retries, &[&jid])
            .await
            .map_err(anyhow::Error::from)
    };
    if let Err(e) = killed.await {
        log::warn!(
            "job {} failed for good but stays in the retry set: {e:#}",
            jid.as_ref() as &str
        );
    }
}
