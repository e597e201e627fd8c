//! The `worker` process: fetches jobs from its queues and performs them.
//!
//! A [`Context`] (Discord client, Redis guards, the parent channel) is
//! passed to every job; nothing is global. [`runtime`] owns fetching,
//! draining on SIGTERM, reconnecting and the dead-set shortcut.

mod error;
mod guard;
pub mod jobs;
pub mod messages;
pub mod pr_state;
pub mod runtime;
mod schedule;
mod shutdown;
pub mod thread;

pub use error::JobError;
pub use guard::Guards;
pub use runtime::{run, Exit};
pub use shutdown::{Phase, Shutdown};

use crate::discord::Discord;
use crate::queue::Producer;
use crate::settings::Common;
use std::time::Duration;

/// What every job's `perform` gets.
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
}
