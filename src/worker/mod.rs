//! The `worker` process: fetches jobs from its queues and performs them.
//!
//! A [`Context`] (Discord client, Redis guards, the parent channel) is
//! passed to every job; nothing is global. Where things are, lowest wing
//! first (a wing imports from the wings listed before it and from this
//! module, not from those after it):
//!
//! - [`ci`]: what a CI run's state means and the summary rendered from
//!   a head commit's runs (pure: no I/O).
//! - [`once`]: the exactly-once toolkit: guards, claims, intents,
//!   find-again and posting a message once per effect.
//! - [`pr`]: one PR's state in Redis, its thread, intro, members, people,
//!   review decision, eligibility, the syncs it schedules, and the
//!   messages rendered for it.
//! - [`forum`]: the PR's thread when its channel is a forum (a post and
//!   its tags). It stands level with [`pr`]: `pr::thread` makes forum posts
//!   through it, and it renders them with `pr`'s intro and state.
//! - [`comments`]: issue comments and review line-comment batches, their
//!   replay copies, and the one protocol that edits or deletes their
//!   forwarded messages.
//! - [`reminders`], [`catch_up`], [`backfill`]: review reminders, GitHub
//!   catch-up by redelivery, and listing the open PRs a backfill gives
//!   threads (routed through `web`'s own router, so a backfilled PR meets
//!   the routes and filters a webhook would).
//! - [`backlink`]: the comment on the PR that links its thread, found
//!   again by its hidden marker.
//! - [`jobs`]: one file per job kind, and the registry that dispatches them.
//! - [`runtime`]: fetching, slots, heartbeat, draining on SIGTERM,
//!   push-back, the outbox and the dead-set shortcut.
//!
//! [`channels`] (the routed channels' modes, checked at start) and
//! [`JobError`] stay here with the [`Context`] that carries them.
//!
//! The house words:
//!
//! - **guard**: a Redis key recording that a Discord effect happened (the
//!   id Discord returned, written `SET NX`); a retry that finds it does
//!   nothing ([`once::guard`]).
//! - **claim**: a short Redis lock, expiring by itself, under which one job
//!   (chain) at a time does a piece of work for a PR, such as creating its
//!   thread or syncing it ([`once::claim`]).
//! - **intent**: the time an effect was first attempted, written before the
//!   attempt, so that a later attempt knows an earlier one may have posted
//!   ([`once::intent`]).
//! - **ticket**: a job's place in a Discord bucket's queue, carried by the
//!   job when it is pushed back ([`crate::discord::Ticket`]).
//! - **push-back**: a job the Discord budget has no room for is pushed
//!   again, unchanged, with Faktory `at` and its ticket, and the running
//!   copy acknowledged ([`runtime::pushback`]).
//! - **find-again**: an attempt past Discord's nonce window looks for its
//!   own earlier message in the channel, by a marker in the first line,
//!   instead of posting a second one ([`once::lookup`]).

pub mod backfill;
pub mod backlink;
pub mod catch_up;
pub mod channels;
pub mod ci;
pub mod comments;
mod error;
pub mod forum;
pub mod jobs;
pub mod once;
pub mod pr;
pub(crate) mod reminders;
pub mod runtime;

pub use error::JobError;
pub use once::guard::Guards;
pub use runtime::meter::log_tag;
pub use runtime::shutdown::{Phase, Shutdown};
pub use runtime::{run, Exit};

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

    /// This context for a job of repository `full_name` (`None`: of no
    /// repository): its messages show link previews as its route says.
    pub fn for_repo(self, full_name: Option<&str>) -> Context {
        let embeds = self.config.embeds_for(full_name);
        Context {
            discord: self.discord.clone().with_embeds(embeds),
            ..self
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
