//! The worker process: its context, `concurrency` slots ([`crate::worker::runtime::slot`]),
//! each with its own Faktory connection and one job at a time, and the
//! heartbeat.
//!
//! The faktory crate's own run loop FAILs in-flight jobs the moment a
//! shutdown starts, exits the process on reconnect failure and forgets an
//! ACK lost to a dropped connection, so slots speak the protocol
//! themselves: they stop fetching when draining, reconnect with backoff
//! when Faktory goes away, keep each job's outcome until Faktory has taken
//! it, and send a job that failed for good straight to the dead set.
//!
//! Faktory reaps connections of a process that has not sent BEAT for a
//! minute. All slots share one worker id, and
//! [`heartbeat`](crate::worker::runtime::heartbeat) beats for that id on a connection of
//! its own. The Web UI's *Stop* starts a drain; its *Quiet* stops the
//! slots fetching and leaves the process running.

pub(crate) mod heartbeat;
pub(crate) mod meter;
pub(crate) mod morgue;
pub(crate) mod outbox;
pub(crate) mod pushback;
pub(crate) mod shutdown;
pub(crate) mod slot;

use crate::dead_index::DeadIndex;
use crate::discord::{Budget, BudgetSettings, Discord, Retry};
use crate::metrics::{serve as metrics_endpoint, Metrics};
use crate::settings::WorkerSettings;
use crate::worker::channels::Channels;
use crate::worker::{Context, Guards, Phase, Shutdown};
use heartbeat::{Heartbeat, Quiet};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;

/// How the worker ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Exit {
    Drained,
    Unauthorized,
}

/// Runs until `shutdown` drains, or Discord rejects the token.
pub async fn run(settings: WorkerSettings, shutdown: Shutdown) -> anyhow::Result<Exit> {
    let Some(ctx) = context(&settings, &shutdown).await? else {
        log::info!("stopped before the start-up checks were done");
        return Ok(Exit::Drained);
    };
    let ctx = Arc::new(ctx);
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
    crate::worker::catch_up::chain::keep(ctx.clone(), shutdown.clone());
    keep_dibs_outbox(&ctx, &settings, &shutdown);
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
        slots.spawn(slot::run(id, shared.clone()));
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

/// Queues what Dibs changes still owe Faktory (an outage), until the drain.
fn keep_dibs_outbox(ctx: &Context, settings: &WorkerSettings, shutdown: &Shutdown) {
    let store = crate::dibs::Store::new(ctx.guards.redis(), settings.common.key_prefix());
    let stop = shutdown.clone();
    crate::dibs::outbox::keep(
        store,
        ctx.producer.clone(),
        settings.common.clone(),
        async move { stop.reached(Phase::Draining).await },
    );
}

/// What every slot shares.
pub(super) struct Shared {
    pub ctx: Arc<Context>,
    pub shutdown: Shutdown,
    pub settings: WorkerSettings,
    pub queues: Vec<String>,
    /// This process's Faktory identity, shared by every slot.
    pub wid: faktory::WorkerId,
    pub hostname: String,
    /// Set by the Web UI's *Quiet*: slots fetch no more.
    pub quiet: Quiet,
    pub dead: DeadIndex,
}

impl Shared {
    /// Slots fetch while running and not quiet.
    pub fn fetching(&self) -> bool {
        self.shutdown.phase() == Phase::Running && !self.quiet.is_set()
    }
}

/// The context every job gets; `None` when stopped before it was ready.
async fn context(
    settings: &WorkerSettings,
    shutdown: &Shutdown,
) -> anyhow::Result<Option<Context>> {
    let mut backoff = Backoff::default();
    let redis = loop {
        match crate::redis_conn::connect(&settings.common.redis_url).await {
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
    // Other workers may be draining a backlog through the shared budget:
    // the check waits its turn, and a stop while it waits is a clean exit.
    let channels = tokio::select! {
        c = Channels::inspect(&discord, &settings.config, Retry::Failures) => {
            c.map_err(|e| e.context("checking the routed channels"))?
        }
        _ = shutdown.reached(Phase::Draining) => return Ok(None),
    };
    Ok(Some(Context {
        github,
        github_settings: settings.github.clone(),
        discord: discord.clone(),
        metrics,
        guards: Guards::new(redis, settings.common.key_prefix()),
        producer: crate::queue::Producer::start(settings.common.faktory.clone())?,
        common: settings.common.clone(),
        channels: Arc::new(channels),
        config: settings.config.clone(),
        rename_window: settings.discord.rename_window,
        origin: String::new(),
    }))
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

pub(super) fn labels() -> Vec<String> {
    vec!["threadline".to_string()]
}

/// Exponential backoff from 100 ms to 5 s, cut short by a shutdown.
pub(super) struct Backoff(Duration);

impl Default for Backoff {
    fn default() -> Self {
        Backoff(Duration::from_millis(100))
    }
}

impl Backoff {
    /// Waits, or less once `shutdown` reaches `until`.
    pub async fn wait_until(&mut self, shutdown: &Shutdown, until: Phase) {
        tokio::select! {
            _ = tokio::time::sleep(self.0) => {}
            _ = shutdown.reached(until) => {}
        }
        self.0 = (self.0 * 2).min(Duration::from_secs(5));
    }

    async fn wait(&mut self, shutdown: &Shutdown) {
        tokio::select! {
            _ = tokio::time::sleep(self.0) => {}
            _ = shutdown.reached(Phase::Draining) => {}
        }
        self.0 = (self.0 * 2).min(Duration::from_secs(5));
    }
}
