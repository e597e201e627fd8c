//! Fetching and performing: `concurrency` slots, each with its own
//! Faktory connection, one job at a time.
//!
//! The faktory crate's own run loop FAILs in-flight jobs the moment a
//! shutdown starts and exits the process on reconnect failure, so slots
//! drive `Worker::run_one` themselves: they stop fetching when draining,
//! reconnect with backoff when Faktory goes away, and send a job that
//! failed for good straight to the dead set.
//!
//! Faktory reaps connections of a process that has not sent BEAT for a
//! minute, and only the crate's own run loop sends BEAT. So all slots share
//! one worker id, and [`heartbeat`](super::heartbeat) beats for that id on a
//! connection of its own. The Web UI's *Stop* starts a drain; its *Quiet*
//! stops the slots fetching and leaves the process running.

use super::channels::Channels;
use super::heartbeat::{self, Heartbeat, Quiet};
use super::{jobs, meter, morgue, pushback, Context, Guards, JobError, Phase, Shutdown};
use crate::dead_index::DeadIndex;
use crate::discord::{Budget, BudgetSettings, Discord};
use crate::metrics::{serve as metrics_endpoint, Metrics};
use crate::queue::{connect_client, SafeStream};
use crate::settings::WorkerSettings;
use faktory::mutate::JobSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// How the worker ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Exit {
    Drained,
    Unauthorized,
}

/// Runs until `shutdown` drains, or Discord rejects the token.
pub async fn run(settings: WorkerSettings, shutdown: Shutdown) -> anyhow::Result<Exit> {
    let ctx = Arc::new(context(&settings, &shutdown).await?);
    if let Some(port) = settings.metrics.port {
        let endpoint = metrics_endpoint::Endpoint {
            metrics: ctx.metrics.clone(),
            token: settings.metrics.token.clone(),
        };
        metrics_endpoint::spawn(port, endpoint)?;
        log::info!("metrics on port {port} (GET /metrics)");
    }
    if ctx.discord.is_dry_run() {
        log::warn!("DISCORD DRY RUN: no Discord calls will be made; actions are only logged");
    }
    let queues: Vec<String> = settings
        .queues
        .iter()
        .map(|q| settings.common.queue(q))
        .collect();
    let wid = faktory::WorkerId::random();
    log::info!(
        "worker {} fetching from {queues:?} with concurrency {}",
        wid.as_ref() as &str,
        settings.concurrency
    );
    super::catch_up::chain::keep(ctx.clone(), shutdown.clone());
    let dead = DeadIndex::new(ctx.guards.redis(), &settings.common.key_prefix());
    let shared = Arc::new(Shared {
        ctx,
        shutdown: shutdown.clone(),
        settings,
        queues,
        wid,
        hostname: heartbeat::hostname(),
        quiet: Quiet::default(),
        dead,
    });
    let (slots_done, heartbeat_stop) = tokio::sync::watch::channel(false);
    let heartbeat = tokio::spawn(heartbeat_of(&shared).run(heartbeat_stop));
    let mut slots = JoinSet::new();
    for id in 0..shared.settings.concurrency {
        slots.spawn(slot_loop(id, shared.clone()));
    }
    let all_done = async {
        while slots.join_next().await.is_some() {}
        let _ = slots_done.send(true);
        let _ = heartbeat.await;
    };
    let overdue = async {
        shutdown.reached(Phase::Abort).await;
        tokio::time::sleep(Duration::from_secs(10)).await;
    };
    tokio::select! {
        _ = all_done => {}
        _ = overdue => log::warn!("some jobs did not stop after the drain deadline; exiting anyway"),
    }
    Ok(if shutdown.is_fatal() {
        Exit::Unauthorized
    } else {
        Exit::Drained
    })
}

struct Shared {
    ctx: Arc<Context>,
    shutdown: Shutdown,
    settings: WorkerSettings,
    queues: Vec<String>,
    /// This process's Faktory identity, shared by every slot.
    wid: faktory::WorkerId,
    hostname: String,
    /// Set by the Web UI's *Quiet*: slots fetch no more.
    quiet: Quiet,
    dead: DeadIndex,
}

impl Shared {
    /// Slots fetch while running and not quiet.
    fn fetching(&self) -> bool {
        self.shutdown.phase() == Phase::Running && !self.quiet.is_set()
    }
}

async fn context(settings: &WorkerSettings, shutdown: &Shutdown) -> anyhow::Result<Context> {
    let mut backoff = Backoff::default();
    let redis = loop {
        match crate::store::connect(&settings.common.redis_url).await {
            Ok(r) => break r,
            Err(e) if shutdown.phase() == Phase::Running => {
                log::warn!("{e:#}; retrying");
                backoff.wait(shutdown).await;
            }
            Err(e) => return Err(e),
        }
    };
    let budget = Budget::new(
        redis.clone(),
        &settings.common.key_prefix(),
        BudgetSettings {
            global_per_sec: settings.discord.global_per_sec,
            in_flight: settings.discord.call_deadline,
        },
    );
    let metrics = Metrics::new()?;
    let discord = Discord::new(&settings.discord, budget)
        .map_err(|e| anyhow::anyhow!("building the Discord client: {e}"))?
        .with_metrics(metrics.clone());
    let github = crate::github::GitHub::from_settings(
        &settings.github,
        redis.clone(),
        &settings.common.key_prefix(),
    )?
    .map(|g| g.with_metrics(metrics.clone()));
    Ok(Context {
        github,
        github_settings: settings.github.clone(),
        discord: discord.clone(),
        metrics,
        guards: Guards::new(redis, settings.common.key_prefix()),
        producer: crate::queue::Producer::start(settings.common.faktory.clone())?,
        common: settings.common.clone(),
        channels: Arc::new(
            Channels::inspect(&discord, &settings.config)
                .await
                .map_err(|e| e.context("checking the routed channels"))?,
        ),
        config: settings.config.clone(),
        rename_window: settings.discord.rename_window,
        origin: String::new(),
    })
}

async fn slot_loop(id: usize, shared: Arc<Shared>) {
    let doomed = Arc::new(Mutex::new(None::<faktory::JobId>));
    let mut backoff = Backoff::default();
    while shared.fetching() {
        let mut worker = match connect(&shared, &doomed).await {
            Ok(w) => w,
            Err(e) => {
                log::warn!("slot {id}: cannot reach Faktory: {e:#}");
                backoff.wait(&shared.shutdown).await;
                continue;
            }
        };
        backoff = Backoff::default();
        while shared.fetching() {
            if let Err(e) = worker.run_one(0, &shared.queues).await {
                log::warn!("slot {id}: lost Faktory ({e}); reconnecting");
                break;
            }
            let jid = doomed.lock().unwrap_or_else(|p| p.into_inner()).take();
            if let Some(jid) = jid {
                bury(&shared, &jid).await;
            }
        }
    }
    if shared.shutdown.phase() == Phase::Running {
        // Quiet: the job this slot ran is done, its connection closed; the
        // process stays up (and beating) until it is stopped.
        log::info!("slot {id}: quiet, fetching no more");
        shared.shutdown.reached(Phase::Draining).await;
    }
}

/// One slot's connection, with a handler for every job kind.
async fn connect(
    shared: &Arc<Shared>,
    doomed: &Arc<Mutex<Option<faktory::JobId>>>,
) -> anyhow::Result<faktory::Worker<JobError>> {
    let addr = &shared.settings.common.faktory;
    let mut builder = worker_builder(shared);
    for kind in threadline_jobs::ALL_KINDS {
        let (shared, doomed) = (shared.clone(), doomed.clone());
        builder = builder.register_fn(*kind, move |job| {
            let (shared, doomed) = (shared.clone(), doomed.clone());
            async move { perform(&shared, &doomed, job).await }
        });
    }
    let stream = SafeStream::connect(&addr.host_port).await?;
    let connecting = builder.connect_with(stream, addr.password.clone());
    let worker = tokio::time::timeout(crate::queue::CONNECT_TIMEOUT, connecting).await??;
    Ok(worker)
}

fn worker_builder(shared: &Shared) -> faktory::WorkerBuilder<JobError> {
    faktory::Worker::builder::<JobError>()
        .wid(shared.wid.clone())
        .hostname(shared.hostname.clone())
        .labels(labels())
}

fn heartbeat_of(shared: &Shared) -> Heartbeat {
    Heartbeat {
        addr: shared.settings.common.faktory.clone(),
        wid: (shared.wid.as_ref() as &str).to_string(),
        hostname: shared.hostname.clone(),
        labels: labels(),
        shutdown: shared.shutdown.clone(),
        quiet: shared.quiet.clone(),
    }
}

fn labels() -> Vec<String> {
    vec!["threadline".to_string()]
}

async fn perform(
    shared: &Shared,
    doomed: &Mutex<Option<faktory::JobId>>,
    job: faktory::Job,
) -> Result<(), JobError> {
    let started = Instant::now();
    meter::fetched(&shared.ctx.metrics, &job);
    let ctx = shared
        .ctx
        .for_job(&pushback::origin_of(&job), pushback::ticket_of(&job));
    let result = tokio::select! {
        r = meter::tagged(&job, jobs::perform(&ctx, &job)) => r,
        _ = shared.shutdown.reached(Phase::Abort) => Err(JobError::Interrupted),
    };
    let metered = meter::outcome(&result);
    morgue::note(&shared.dead, &job, &result).await;
    let result = match result {
        Err(JobError::Deferred {
            retry_at_ms,
            ticket,
        }) => {
            // A job pushed back for another reason keeps its place.
            let ticket = ticket.or_else(|| ctx.discord.unused_ticket());
            pushback::push_back(&shared.ctx, &job, retry_at_ms, ticket).await
        }
        other => {
            ctx.discord.release_unused().await;
            other
        }
    };
    let outcome = match &result {
        Ok(()) => "done".to_string(),
        Err(e) => e.to_string(),
    };
    log::info!(
        "delivery={} job={} kind={} outcome={outcome:?} duration_ms={}",
        meter::delivery_of(&job),
        job.id().as_ref() as &str,
        job.kind(),
        started.elapsed().as_millis()
    );
    let seconds = started.elapsed().as_secs_f64();
    shared.ctx.metrics.job(job.kind(), metered, seconds);
    match &result {
        Err(JobError::Unauthorized) => {
            log::error!("Discord rejected DISCORD_TOKEN (401): stopping; jobs stay queued");
            shared.shutdown.fail();
        }
        Err(e) if e.is_permanent() => {
            *doomed.lock().unwrap_or_else(|p| p.into_inner()) = Some(job.id().clone());
        }
        _ => {}
    }
    result
}

/// Moves a job that failed for good from the retry set to the dead set.
async fn bury(shared: &Shared, jid: &faktory::JobId) {
    let killed = async {
        let mut client = connect_client(&shared.settings.common.faktory).await?;
        client
            .kill_by_ids(JobSet::Retries, &[jid])
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

/// Exponential backoff from 100 ms to 5 s, cut short by a shutdown.
struct Backoff(Duration);

impl Default for Backoff {
    fn default() -> Self {
        Backoff(Duration::from_millis(100))
    }
}

impl Backoff {
    async fn wait(&mut self, shutdown: &Shutdown) {
        tokio::select! {
            _ = tokio::time::sleep(self.0) => {}
            _ = shutdown.reached(Phase::Draining) => {}
        }
        self.0 = (self.0 * 2).min(Duration::from_secs(5));
    }
}
