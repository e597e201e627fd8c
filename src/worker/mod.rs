//! The `worker` process: fetches jobs from its queues and performs them.
//!
//! A [`Context`] (Discord client, Redis guards, the parent channel) is
//! passed to every job; nothing is global. [`runtime`] owns fetching,
//! draining on SIGTERM, reconnecting and the dead-set shortcut;
//! [`heartbeat`] sends BEAT and obeys the Web UI's *Quiet* and *Stop*.

pub mod backfill;
pub mod catch_up;
pub mod channels;
pub(crate) mod claim;
pub mod comments;
mod copies;
pub(crate) mod eligible;
mod error;
pub mod follow;
pub mod forum;
mod guard;
mod heartbeat;
mod intent;
mod intro;
pub mod jobs;
mod lookup;
pub(crate) mod members;
pub mod messages;
mod meter;
mod morgue;
mod outbox;
pub(crate) mod people;
mod post;
pub mod pr_state;
mod pushback;
pub(crate) mod reminders;
pub mod review_batches;
mod review_decision;
pub mod runtime;
mod schedule;
mod shutdown;
mod slot;
pub mod thread;

pub use error::JobError;
pub use guard::Guards;
pub use meter::log_tag;
pub use runtime::{run, Exit};
pub use shutdown::{Phase, Shutdown};

use crate::config::{Config, Destination};
use crate::discord::{Discord, Ticket};
use crate::queue::Producer;
use crate::settings::Common;
use channels::Channels;
use std::sync::Arc;
use std::time::Duration;

/// What every job's `perform` gets.
#[derive(Clone)]
pub struct Context {
    pub discord: Discord,
    pub metrics: crate::metrics::Metrics,
    pub guards: Guards,
    /// For the jobs a worker schedules itself.
    pub producer: Producer,
    pub common: Common,
    /// Routes, people and filters (`THREADLINE_CONFIG`).
    pub config: Arc<Config>,
    /// The routed channels' modes, read at start.
    pub channels: Arc<Channels>,
    /// Discord allows two renames of a thread per this window.
    pub rename_window: Duration,
    /// The job this context is for, the same across the copies a push-back
    /// makes (empty outside a job): what its claims are held under.
    pub origin: String,
    /// GitHub's REST API; `None` when no credentials are configured.
    pub github: Option<crate::github::GitHub>,
    pub github_settings: crate::settings::GithubSettings,
}

/// Where a repository's new PR threads go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parent {
    pub channel: u64,
    /// Thread names carry the repository (`rocket#12 Title`).
    pub qualified: bool,
}

impl Context {
    /// The channel a new thread for `full_name` goes under. A muted or
    /// unrouted repository (the config changed after the job was queued)
    /// is permanent: the job goes to the dead set, where an operator sees
    /// it and can retry it once the config routes it.
    pub fn parent(&self, full_name: &str) -> Result<Parent, JobError> {
        match self.config.destination(full_name) {
            Destination::Channel {
                channel, qualified, ..
            } => Ok(Parent { channel, qualified }),
            Destination::Muted => Err(JobError::Permanent(anyhow::anyhow!(
                "{full_name} is muted in THREADLINE_CONFIG; no thread is made"
            ))),
            Destination::Unrouted => Err(JobError::Permanent(anyhow::anyhow!(
                "no route for {full_name} and DISCORD_CHANNEL_ID is unset"
            ))),
        }
    }

    /// The context of one job: the same connections, with the job's own
    /// view of the Discord budget (the ticket it was pushed back with).
    pub fn for_job(&self, origin: &str, ticket: Option<Ticket>) -> Context {
        Context {
            discord: self.discord.for_job(ticket),
            origin: origin.to_string(),
            ..self.clone()
        }
    }
}
