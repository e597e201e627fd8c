//! The `worker` process: fetches jobs from its queues and performs them.
//!
//! A [`Context`] (Discord client, Redis guards, the parent channel) is
//! passed to every job; nothing is global. [`runtime`] owns fetching,
//! draining on SIGTERM, reconnecting and the dead-set shortcut.

pub(crate) mod claim;
mod error;
mod guard;
pub mod jobs;
pub mod messages;
pub mod pr_state;
mod pushback;
pub mod runtime;
mod schedule;
mod shutdown;
pub mod thread;

pub use error::JobError;
pub use guard::Guards;
pub use runtime::{run, Exit};
pub use shutdown::{Phase, Shutdown};

use crate::discord::{Discord, Ticket};
use crate::queue::Producer;
use crate::settings::Common;
use std::time::Duration;

/// What every job's `perform` gets.
#[derive(Clone)]
pub struct Context {
    pub discord: Discord,
    pub guards: Guards,
    /// For the jobs a worker schedules itself.
    pub producer: Producer,
    pub common: Common,
    /// The text channel PR threads are created under.
    pub channel_id: u64,
    /// Discord allows two renames of a thread per this window.
    pub rename_window: Duration,
    /// The job this context is for, the same across the copies a push-back
    /// makes (empty outside a job): what its claims are held under.
    pub origin: String,
}

impl Context {
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
