//! The `worker` process: fetches jobs from its queues and performs them.
//!
//! A [`Context`] (Discord client, Redis guards, the parent channel) is
//! passed to every job; nothing is global. [`runtime`] owns fetching,
//! draining on SIGTERM, reconnecting and the dead-set shortcut.

mod error;
mod guard;
pub mod jobs;
pub mod runtime;
mod shutdown;
pub mod thread;

pub use error::JobError;
pub use guard::Guards;
pub use runtime::{run, Exit};
pub use shutdown::{Phase, Shutdown};

use crate::discord::Discord;

/// What every job's `perform` gets.
pub struct Context {
    pub discord: Discord,
    pub guards: Guards,
    /// The text channel PR threads are created under.
    pub channel_id: u64,
}
