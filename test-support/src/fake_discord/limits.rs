//! Rate-limits mode: Discord's global limit and per-route buckets, off
//! unless a test turns it on with `set_limits`.
//!
//! Every window is fixed and anchored at the first request after the
//! previous one expired: a bucket (route kind plus major id) counts up to
//! its limit and resets at anchor + window; the global window does the same
//! with `global_per_sec` over one second, across all authorized requests.
//! Only answered requests count: a request refused with a 429 consumes
//! neither the global window nor its bucket (and anchors neither). The
//! global pause, opened by an injected global 429, applies with limits on
//! or off, as a fault does.

use super::endpoint::{BucketKey, BucketKind};
use super::reply::{BucketState, Reply, Scope};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const GLOBAL_WINDOW: Duration = Duration::from_secs(1);

/// One route's bucket: `limit` requests per fixed `window`.
#[derive(Clone, Debug)]
pub struct BucketLimit {
    pub limit: u32,
    pub window: Duration,
}

/// The limits the fake enforces in rate-limits mode.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Bot-wide, all routes, per second.
    pub global_per_sec: u32,
    /// `POST /channels/{id}/messages`, per channel id.
    pub create_message: BucketLimit,
    /// `POST /channels/{id}/messages/{id}/threads` and
    /// `POST /channels/{id}/threads`, per parent channel id.
    pub start_thread: BucketLimit,
    /// `PATCH /channels/{id}`, per channel id (the rename window is separate).
    pub update_channel: BucketLimit,
    /// Any other route, per first id in the path.
    pub other: BucketLimit,
}

impl Limits {
    /// Discord's limits as FACTS.md records them.
    pub fn discord() -> Limits {
        let per = |limit, secs| BucketLimit {
            limit,
            window: Duration::from_secs(secs),
        };
        Limits {
            global_per_sec: 50,
            create_message: per(5, 5),
            start_thread: per(10, 10),
            update_channel: per(5, 5),
            other: per(50, 1),
        }
    }

    fn bucket(&self, kind: BucketKind) -> &BucketLimit {
        match kind {
            BucketKind::CreateMessage => &self.create_message,
            BucketKind::StartThread => &self.start_thread,
            BucketKind::UpdateChannel => &self.update_channel,
            BucketKind::Other => &self.other,
        }
    }
}

/// 429s answered so far, by `X-RateLimit-Scope`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RateLimitCounts {
    pub global: usize,
    pub user: usize,
    pub shared: usize,
}

impl RateLimitCounts {
    pub fn total(&self) -> usize {
        self.global + self.user + self.shared
    }

    pub(super) fn add(&mut self, scope: Scope) {
        match scope {
            Scope::User => self.user += 1,
            Scope::Global => self.global += 1,
        }
    }
}

/// A fixed window: when it started and how many requests it admitted.
#[derive(Clone, Copy, Debug)]
struct Window {
    anchor: Instant,
    used: u32,
}

impl Window {
    /// The window in force at `now`: `current` if it has not expired,
    /// otherwise a fresh one that would start now.
    fn at(current: Option<&Window>, now: Instant, len: Duration) -> Window {
        match current {
            Some(w) if now < w.anchor + len => *w,
            _ => Window {
                anchor: now,
                used: 0,
            },
        }
    }
}

/// The limiter's state: the limits (if on), their windows, the global pause
/// and the 429 counts.
#[derive(Default)]
pub(super) struct Limiter {
    limits: Option<Limits>,
    global: Option<Window>,
    buckets: HashMap<BucketKey, Window>,
    pause_until: Option<Instant>,
    pub(super) counts: RateLimitCounts,
}

impl Limiter {
    /// Turns limits on or off; windows start afresh either way.
    pub(super) fn set(&mut self, limits: Option<Limits>) {
        self.limits = limits;
        self.global = None;
        self.buckets.clear();
    }

    /// `Err` is the 429 for a request that must be refused at `now`;
    /// nothing is consumed either way.
    pub(super) fn check(&self, key: BucketKey, now: Instant) -> Result<(), Reply> {
        let bucket = self.peek(key, now);
        if let Some(until) = self.pause_until.filter(|until| now < *until) {
            return Err(Reply::refused(Scope::Global, until, bucket));
        }
        let Some(limits) = &self.limits else {
            return Ok(());
        };
        let global = Window::at(self.global.as_ref(), now, GLOBAL_WINDOW);
        if global.used >= limits.global_per_sec {
            let until = global.anchor + GLOBAL_WINDOW;
            return Err(Reply::refused(Scope::Global, until, bucket));
        }
        match bucket {
            Some(b) if b.remaining == 0 => Err(Reply::refused(Scope::User, b.reset_at, bucket)),
            _ => Ok(()),
        }
    }

    /// Counts an answered request; returns its bucket headers (limits on).
    pub(super) fn take(&mut self, key: BucketKey, now: Instant) -> Option<BucketState> {
        let limits = self.limits.as_ref()?;
        let mut global = Window::at(self.global.as_ref(), now, GLOBAL_WINDOW);
        global.used += 1;
        self.global = Some(global);
        let len = limits.bucket(key.0).window;
        let mut window = Window::at(self.buckets.get(&key), now, len);
        window.used += 1;
        self.buckets.insert(key, window);
        self.peek(key, now)
    }

    /// The bucket as it stands at `now` (limits on), consuming nothing.
    fn peek(&self, key: BucketKey, now: Instant) -> Option<BucketState> {
        let limit = self.limits.as_ref()?.bucket(key.0);
        let window = Window::at(self.buckets.get(&key), now, limit.window);
        Some(BucketState {
            limit: limit.limit,
            remaining: limit.limit.saturating_sub(window.used),
            reset_at: window.anchor + limit.window,
            hash: key.0.hash(),
        })
    }

    /// The 429 of an injected `RateLimited` fault: the bucket's own limit
    /// (Discord's when limits are off), exhausted for `retry_after`.
    pub(super) fn injected_user(&self, key: BucketKey, retry_after: f64) -> Reply {
        let limits = self.limits.clone().unwrap_or_else(Limits::discord);
        Reply::rate_limited(retry_after, limits.bucket(key.0).limit, key.0.hash())
    }

    /// An injected global 429: every request is refused until it ends.
    pub(super) fn pause(&mut self, key: BucketKey, now: Instant, retry_after: f64) -> Reply {
        let until = now + Duration::from_secs_f64(retry_after.max(0.0));
        self.pause_until = Some(self.pause_until.map_or(until, |u| u.max(until)));
        Reply::refused(Scope::Global, until, self.peek(key, now))
    }
}
