//! `FakeHandle`: a cheap, `Send` handle on the fake's state for background
//! tasks (fault injectors, load generators) and for the calls that
//! `FakeDiscord` shares with it: faults, rate limits, request counts.

use super::limits::{Limits, RateLimitCounts};
use super::state::{lock, Shared, State};
use super::types::Fault;
use std::sync::MutexGuard;

/// A cheap, `Send` handle on the fake's state, for background tasks
/// such as fault injectors.
#[derive(Clone)]
pub struct FakeHandle {
    pub(super) state: Shared,
}

impl FakeHandle {
    /// Queues a fault; faults are consumed FIFO by the first matching request.
    /// A fault with `times == 0` is ignored.
    pub fn inject(&self, fault: Fault) {
        if fault.times > 0 {
            self.lock().faults.push_back(fault);
        }
    }

    /// Faults not yet consumed.
    pub fn pending_faults(&self) -> usize {
        self.lock().faults.len()
    }

    /// How many requests arrived so far (since the last `clear_requests`).
    pub fn requests_seen(&self) -> usize {
        self.lock().requests.len()
    }

    /// Turns Discord-like rate limits on (`Some`) or off (`None`, the
    /// default); either way every window starts afresh.
    pub fn set_limits(&self, limits: Option<Limits>) {
        self.lock().limiter.set(limits);
    }

    /// 429s answered so far, by scope: the limiter's, injected ones, and
    /// the rename window's.
    pub fn rate_limited(&self) -> RateLimitCounts {
        self.lock().limiter.counts
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }
}
