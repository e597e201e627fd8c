//! The shared Discord budget: every request of every worker process takes
//! a permit from one budget in Redis before it is sent.
//!
//! Discord's limits are per bot, not per process: 50 requests per second
//! overall, plus per-route buckets keyed by bucket hash and major id. Two Lua
//! scripts keep them (`acquire.lua`, `learn.lua`): taking a permit is one
//! atomic script, so two processes never both take the last slot, and every
//! answer's `X-RateLimit-*` headers, 2xx included, teach all processes the
//! real limits. A bucket hands out tickets in arrival order, so messages to
//! one thread keep the order in which their jobs first asked, even when a
//! job is pushed back. A permit more than [`DEFER_AFTER`] away is not waited
//! for: the call returns [`DiscordError::Deferred`] and the job is scheduled
//! again with Faktory `at`, holding its ticket, so its slot serves others.
//! Without Redis nothing is sent: the job fails and is retried.

use super::bucket::Route;
use super::transport::RateHeaders;
use super::DiscordError;
use crate::clock::now_ms;
use redis::aio::ConnectionManager;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Faktory enqueues scheduled jobs every 5 s, so a job pushed back comes
/// back up to 5 s after its `at`. Shorter waits are spent in the slot;
/// longer ones are scheduled 5 s early, so that they are back in time.
pub const DEFER_AFTER: Duration = Duration::from_secs(5);
/// Sent this much after a bucket's window, for clock and network jitter.
const BUCKET_MARGIN_MS: u64 = 150;
/// The same for the global one-second window.
const GLOBAL_MARGIN_MS: u64 = 60;
/// A pushed-back job not back this long after its permit time loses its
/// place (it failed, or was deleted), so that it cannot block its bucket.
const GRACE_MS: u64 = 30_000;
/// How often a ticket behind others asks again while it waits in its slot.
const POLL_MS: u64 = 100;

/// A place in a bucket's queue, carried by a job that was pushed back.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Ticket {
    pub bucket: String,
    pub id: String,
}

/// A job's own view of the budget: the ticket it came back with, used by
/// its first request to that bucket.
#[derive(Debug, Clone, Default)]
pub struct Pass(Arc<Mutex<Option<Ticket>>>);

impl Pass {
    pub fn new(ticket: Option<Ticket>) -> Self {
        Pass(Arc::new(Mutex::new(ticket)))
    }

    pub fn peek(&self) -> Option<Ticket> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The ticket no request of this job used: the job no longer needs it.
    fn take(&self) -> Option<Ticket> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// Forgets the ticket once a request of its own bucket used it.
    fn used(&self, ticket: &Ticket) {
        let mut held = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if held.as_ref() == Some(ticket) {
            *held = None;
        }
    }
}

/// A permit that was granted: which slot of which bucket, for learning
/// from the answer.
pub struct Permit {
    bucket: String,
    ticket: String,
    grant: String,
    /// When the slot is: the request should leave then.
    slot: std::time::Instant,
    /// How long the caller waited for it, for logs and metrics.
    pub waited: Duration,
}

impl Permit {
    /// How late the request leaves, now, compared with its slot.
    pub fn lateness(&self) -> Duration {
        self.slot.elapsed()
    }
}

/// The budget's settings.
#[derive(Debug, Clone)]
pub struct BudgetSettings {
    /// Discord's global limit per bot; 50 unless Discord raised it.
    pub global_per_sec: u32,
    /// How long one request may take (an unlearned route's single request
    /// in flight is given up after this, should its worker die).
    pub in_flight: Duration,
}

/// The budget, shared through Redis by every worker process.
#[derive(Clone)]
pub struct Budget {
    redis: ConnectionManager,
    prefix: String,
    settings: BudgetSettings,
    acquire: Arc<redis::Script>,
    learn: Arc<redis::Script>,
    check: Arc<redis::Script>,
}

impl Budget {
    /// `prefix` is the Redis key prefix of this deployment (namespace).
    pub fn new(redis: ConnectionManager, prefix: &str, settings: BudgetSettings) -> Self {
        Budget {
            redis,
            prefix: format!("{prefix}rl:"),
            settings,
            acquire: Arc::new(redis::Script::new(include_str!("acquire.lua"))),
            learn: Arc::new(redis::Script::new(include_str!("learn.lua"))),
            check: Arc::new(redis::Script::new(include_str!("check.lua"))),
        }
    }

    /// Waits for a permit for `route` (at most [`DEFER_AFTER`] in all), or
    /// answers `Deferred` when it is further away.
    pub async fn acquire(&self, route: &Route, pass: &Pass) -> Result<Permit, DiscordError> {
        // The ticket a pushed-back job holds belongs to one bucket; a request
        // to another bucket (say, an unlock before the post) leaves it be.
        let mut held = pass.peek();
        let started = std::time::Instant::now();
        loop {
            let (status, ms, bucket, id, grant) = self.ask(route, held.as_ref()).await?;
            let ticket = Ticket { bucket, id };
            pass.used(&ticket);
            match status {
                2 => {
                    let slot = std::time::Instant::now() + Duration::from_millis(ms);
                    if ms > 0 {
                        tokio::time::sleep(Duration::from_millis(ms)).await;
                        self.still_open(&ticket.bucket).await?;
                    }
                    return Ok(Permit {
                        bucket: ticket.bucket,
                        ticket: ticket.id,
                        grant,
                        slot,
                        waited: started.elapsed(),
                    });
                }
                1 => return Err(deferred(ms, ticket)),
                _ if started.elapsed() > DEFER_AFTER * 2 => return Err(deferred(ms, ticket)),
                _ => {
                    held = Some(ticket);
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                }
            }
        }
    }

    /// After sleeping on a permit: waits out a pause that a 429 started
    /// meanwhile (or pushes the job back when it is long).
    async fn still_open(&self, bucket: &str) -> Result<(), DiscordError> {
        let mut redis = self.redis.clone();
        let paused: i64 = self
            .check
            .prepare_invoke()
            .key(format!("{}global", self.prefix))
            .key(bucket)
            .invoke_async(&mut redis)
            .await
            .map_err(|e| DiscordError::Budget(e.to_string()))?;
        match u64::try_from(paused) {
            Ok(ms) if ms > DEFER_AFTER.as_millis() as u64 => Err(DiscordError::Budget(format!(
                "Discord paused requests for {ms} ms after a 429"
            ))),
            Ok(ms) if ms > 0 => {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    async fn ask(
        &self,
        route: &Route,
        held: Option<&Ticket>,
    ) -> Result<(u8, u64, String, String, String), DiscordError> {
        // The bucket's keys depend on the route's learnt hash: read first,
        // so that the script gets every key in KEYS, and read again in the
        // rare case that Discord taught a new hash in between.
        for _ in 0..3 {
            let answer = self.ask_once(route, held).await?;
            if answer.0 != 3 {
                return Ok(answer);
            }
        }
        Err(DiscordError::Budget(format!(
            "the bucket hash of {} kept changing",
            route.template
        )))
    }

    async fn ask_once(
        &self,
        route: &Route,
        held: Option<&Ticket>,
    ) -> Result<(u8, u64, String, String, String), DiscordError> {
        let p = &self.prefix;
        let mut redis = self.redis.clone();
        let route_key = format!("{p}route:{}", route.template);
        let hash: Option<String> = redis::cmd("GET")
            .arg(&route_key)
            .query_async(&mut redis)
            .await
            .map_err(|e| DiscordError::Budget(e.to_string()))?;
        let family = hash.as_deref().unwrap_or(&route.template);
        let bucket = format!("{p}b:{family}:{}", route.major);
        let seed = route.seed();
        let (held_bucket, held_id) = held.map_or(("", ""), |t| (&t.bucket, &t.id));
        let mut invocation = self.acquire.prepare_invoke();
        invocation
            .key(&route_key)
            .key(format!("{p}limit:{family}"))
            .key(&bucket)
            .key(format!("{bucket}:q"))
            .key(format!("{bucket}:seen"))
            .key(format!("{bucket}:log"))
            .key(format!("{bucket}:seq"))
            .key(format!("{p}b:{}:{}:log", route.template, route.major))
            .key(format!("{p}global:log"))
            .key(format!("{p}global"))
            .arg(hash.as_deref().unwrap_or(""))
            .arg(&route.template)
            .arg(route.major)
            .arg(seed.limit)
            .arg(seed.window.as_millis() as u64)
            .arg(held_bucket)
            .arg(held_id)
            .arg(DEFER_AFTER.as_millis() as u64)
            .arg(BUCKET_MARGIN_MS)
            .arg(self.settings.global_per_sec)
            .arg(GLOBAL_MARGIN_MS)
            .arg(GRACE_MS)
            .arg(self.settings.in_flight.as_millis() as u64)
            .arg(POLL_MS);
        let answer: (u8, i64, String, String, String) =
            invocation
                .invoke_async(&mut redis)
                .await
                .map_err(|e| DiscordError::Budget(e.to_string()))?;
        let (status, ms, bucket, id, grant) = answer;
        Ok((status, ms.max(0) as u64, bucket, id, grant))
    }

    /// Gives up the place a job held but no longer needs (its effect was
    /// done meanwhile), so that it does not hold up its bucket.
    pub async fn release(&self, pass: &Pass) {
        let Some(ticket) = pass.take() else { return };
        let mut redis = self.redis.clone();
        let released: Result<(), _> = redis::pipe()
            .zrem(format!("{}:q", ticket.bucket), &ticket.id)
            .hdel(format!("{}:seen", ticket.bucket), &ticket.id)
            .query_async(&mut redis)
            .await;
        if let Err(e) = released {
            log::warn!("could not release a Discord budget ticket (it expires): {e}");
        }
    }

    /// Records what an answer said about the limits (status 0: no answer).
    /// A failure here is logged: the request was already sent.
    /// `late` is how long after its slot the request left.
    pub async fn learn(
        &self,
        route: &Route,
        permit: &Permit,
        late: Duration,
        status: u16,
        limits: &RateHeaders,
    ) {
        let opt = |v: Option<u64>| v.map_or(-1, |v| v as i64);
        let p = &self.prefix;
        let hash = limits.bucket.as_deref().unwrap_or("");
        let (answered, limits_key) = match hash {
            "" => (permit.bucket.clone(), format!("{p}limit:")),
            h => (format!("{p}b:{h}:{}", route.major), format!("{p}limit:{h}")),
        };
        let mut invocation = self.learn.prepare_invoke();
        invocation
            .key(&permit.bucket)
            .key(format!("{}:log", permit.bucket))
            .key(format!("{p}global:log"))
            .key(format!("{p}global"))
            .key(format!("{p}route:{}", route.template))
            .key(answered)
            .key(limits_key)
            .arg(&self.prefix)
            .arg(&route.template)
            .arg(route.major)
            .arg(&permit.bucket)
            .arg(status)
            .arg(limits.bucket.as_deref().unwrap_or(""))
            .arg(limits.limit.unwrap_or(0))
            .arg(opt(limits.remaining.map(u64::from)))
            .arg(opt(limits.reset_after_ms))
            .arg(opt(limits.retry_after_ms))
            .arg(limits.scope.as_deref().unwrap_or(""))
            .arg(BUCKET_MARGIN_MS)
            .arg(&permit.grant)
            .arg(&permit.ticket)
            .arg(late.as_millis() as u64);
        let mut redis = self.redis.clone();
        if let Err(e) = invocation.invoke_async::<i64>(&mut redis).await {
            log::warn!("could not record Discord's rate-limit headers: {e}");
        }
    }
}

fn deferred(ms: u64, ticket: Ticket) -> DiscordError {
    DiscordError::Deferred {
        retry_at_ms: now_ms() + ms,
        ticket,
    }
}
