//! The one error type of every job: what went wrong, in words an operator
//! reads in the Faktory Web UI, and whether a retry can help.

use crate::discord::{DiscordError, Ticket};

#[derive(Debug)]
pub enum JobError {
    /// Worth retrying with Faktory's backoff: Discord 5xx, timeouts,
    /// Redis or network hiccups.
    Transient(anyhow::Error),
    /// A retry cannot help; the job goes to the dead set at once.
    Permanent(anyhow::Error),
    /// Discord refused the bot token; the worker stops fetching.
    Unauthorized,
    /// The worker's drain deadline passed while the job ran.
    Interrupted,
    /// Not now: the job is pushed back with Faktory `at` to come back at
    /// `retry_at_ms` (epoch ms), holding its place in a Discord bucket's
    /// queue when the budget is why (`ticket`).
    Deferred {
        retry_at_ms: u64,
        ticket: Option<Ticket>,
    },
}

impl JobError {
    /// Wraps a Discord failure of `doing` (e.g. "posting the intro").
    pub fn discord(doing: &str, e: DiscordError) -> Self {
        match e {
            DiscordError::Unauthorized => JobError::Unauthorized,
            DiscordError::Deferred {
                retry_at_ms,
                ticket,
            } => JobError::Deferred {
                retry_at_ms,
                ticket: Some(ticket),
            },
            e if e.is_permanent() => {
                JobError::Permanent(anyhow::Error::new(e).context(doing.to_string()))
            }
            e => JobError::Transient(anyhow::Error::new(e).context(doing.to_string())),
        }
    }

    pub fn redis(doing: &str, e: redis::RedisError) -> Self {
        JobError::Transient(anyhow::Error::new(e).context(format!("Redis failed {doing}")))
    }

    pub fn is_permanent(&self) -> bool {
        matches!(self, JobError::Permanent(_))
    }
}

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JobError::Transient(e) => write!(f, "{e:#} (will retry)"),
            JobError::Permanent(e) => {
                write!(f, "{e:#} (permanent: moved to the dead set; fix the cause, then retry it from the Morgue)")
            }
            JobError::Unauthorized => f.write_str(
                "Discord rejected the bot token (401): check DISCORD_TOKEN; the worker stopped and this job will retry",
            ),
            JobError::Interrupted => f.write_str("interrupted by worker shutdown (will retry)"),
            JobError::Deferred { retry_at_ms, .. } => write!(
                f,
                "pushed back until {retry_at_ms} (epoch ms)"
            ),
        }
    }
}

impl std::error::Error for JobError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            JobError::Transient(e) | JobError::Permanent(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}
