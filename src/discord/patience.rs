//! Start-up calls that wait their turn: a worker or `threadline check`
//! started while other processes drain a backlog finds the shared budget
//! busy, and that is no reason to stop.
//!
//! A call the budget defers is made again when its permit is near,
//! holding the ticket it was given so that it keeps its place. With
//! [`Retry::Failures`] (the worker) a call that failed in a way a retry can
//! change (a timeout, Discord's 5xx, Redis gone) is made again with
//! backoff too; `threadline check` reports those at once instead. An
//! answer a retry cannot change (401, 403, 404, a request Discord would
//! refuse) always ends it at once, and the whole wait is bounded by
//! [`START_UP_PATIENCE`].

use super::limiter::DEFER_AFTER;
use super::{Discord, DiscordError};
use std::future::Future;
use std::time::{Duration, Instant};

/// The longest a start-up call waits for the budget or for Discord.
pub const START_UP_PATIENCE: Duration = Duration::from_secs(600);
/// Backoff between attempts after a failure a retry can change.
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(15);

/// What a patient call waits through besides a busy budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Only the budget's deferrals.
    BudgetOnly,
    /// Failures a retry can change as well.
    Failures,
}

impl Discord {
    /// Runs `call` (`what` names it in the log) until it gets an answer
    /// that is not a deferral (nor, with [`Retry::Failures`], a failure a
    /// retry can change), waiting for the budget as it says; at most
    /// [`START_UP_PATIENCE`] in all, then the last error.
    pub async fn patiently<T, F, Fut>(
        &self,
        what: &str,
        retry: Retry,
        mut call: F,
    ) -> Result<T, DiscordError>
    where
        F: FnMut(Discord) -> Fut,
        Fut: Future<Output = Result<T, DiscordError>>,
    {
        let started = Instant::now();
        let mut client = self.for_job(None);
        let mut backoff = FIRST_BACKOFF;
        let mut said = false;
        loop {
            let e = match call(client.clone()).await {
                Err(e @ DiscordError::Deferred { .. }) => e,
                Err(e) if retry == Retry::Failures && !e.is_permanent() => e,
                done => return done,
            };
            let wait = match &e {
                DiscordError::Deferred {
                    retry_at_ms,
                    ticket,
                } => {
                    client = self.for_job(Some(ticket.clone()));
                    until(*retry_at_ms)
                }
                _ => {
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    backoff / 2
                }
            };
            if started.elapsed() + wait > START_UP_PATIENCE {
                return Err(e);
            }
            if !said {
                said = true;
                log::info!(
                    "{what}: waiting {} ms before asking Discord ({e}); other workers are \
                     using the shared budget or Discord is slow, which does not stop this one",
                    wait.as_millis()
                );
            }
            tokio::time::sleep(wait).await;
        }
    }
}

/// How long to sleep before asking again for a permit due at `at_ms`: up
/// to a little before it, since the budget waits the last few seconds
/// itself (and a ticket not back in time would lose its place).
fn until(at_ms: u64) -> Duration {
    Duration::from_millis(at_ms.saturating_sub(crate::clock::now_ms()))
        .saturating_sub(DEFER_AFTER / 2)
}
