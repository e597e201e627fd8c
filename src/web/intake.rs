//! Queueing a delivery's job at most once per delivery, durably.
//!
//! A 2xx must mean Faktory answered OK to a PUSH for this delivery. So the
//! delivery is marked in Redis only *after* the PUSH succeeds: a copy that
//! finds the mark may answer 2xx at once, and a redelivery after a failed
//! PUSH finds no mark and is queued. Two copies racing past the check both
//! push; the worker's guards make the second job a no-op. The mark is
//! written off the response path, since it only saves work; a caller
//! that may exit at once waits for it ([`Intaker::accept_marked`]).
//!
//! Each queued job is stamped with a receive sequence number from a Redis
//! counter, read in the same round trip as the mark: it orders events that
//! GitHub stamped with the same second.

use crate::pr_facts::GateFacts;
use crate::queue::{Producer, Unqueued};
use crate::redis_conn::DELIVERY_TTL;
use anyhow::Context as _;
use redis::aio::ConnectionManager;
use redis::AsyncCommands;
use tokio::sync::OnceCell;

/// What happened to a delivery's job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intake {
    /// Pushed, with the Faktory job id.
    Queued(String),
    Duplicate,
}

pub struct Intaker {
    producer: Producer,
    redis_url: String,
    redis: OnceCell<ConnectionManager>,
    key_prefix: String,
}

impl Intaker {
    pub fn new(producer: Producer, redis_url: String, key_prefix: String) -> Self {
        Intaker {
            producer,
            redis_url,
            redis: OnceCell::new(),
            key_prefix,
        }
    }

    /// Queues `job` unless this delivery was queued before.
    /// A PR's facts for the worker's filters (`pr_facts`) are recorded before
    /// the job is pushed, so that the job never runs ahead of them.
    pub async fn accept(
        &self,
        delivery_key: &str,
        job: Unqueued,
        gate: Option<&GateFacts>,
    ) -> anyhow::Result<Intake> {
        self.intake(delivery_key, job, gate, false).await
    }

    /// [`Intaker::accept`], returning only once the delivery is marked
    /// queued: for callers that may end right after (the command line, a
    /// worker's job), whose runtime would drop a spawned mark unwritten,
    /// so that a second run would not be a duplicate.
    pub async fn accept_marked(
        &self,
        delivery_key: &str,
        job: Unqueued,
        gate: Option<&GateFacts>,
    ) -> anyhow::Result<Intake> {
        self.intake(delivery_key, job, gate, true).await
    }

    async fn intake(
        &self,
        delivery_key: &str,
        job: Unqueued,
        gate: Option<&GateFacts>,
        wait_for_mark: bool,
    ) -> anyhow::Result<Intake> {
        let mut redis = self.redis().await?;
        let key = format!("{}delivery:{delivery_key}", self.key_prefix);
        let (seen, seq): (bool, u64) = redis::pipe()
            .exists(&key)
            .incr(format!("{}receive_seq", self.key_prefix), 1)
            .query_async(&mut redis)
            .await
            .context("checking the delivery in Redis")?;
        if seen {
            return Ok(Intake::Duplicate);
        }
        if let Some(facts) = gate {
            crate::pr_facts::record(&mut redis, &self.key_prefix, facts)
                .await
                .context("recording the PR's base and draft state")?;
        }
        let job = job.stamp(seq).build();
        let jid = (job.id().as_ref() as &str).to_string();
        self.producer.push(job).await?;
        let mark = async move {
            let marked: redis::RedisResult<()> =
                redis.set_ex(&key, 1, DELIVERY_TTL.as_secs()).await;
            if let Err(e) = marked {
                log::warn!("could not mark delivery {key} as queued: {e}");
            }
        };
        if wait_for_mark {
            mark.await;
        } else {
            actix_web::rt::spawn(mark);
        }
        Ok(Intake::Queued(jid))
    }

    /// Remembers the hook a verified delivery came from, for catch-up
    /// ([`crate::github::hooks`]), off the response path: a failure is
    /// logged, never answered with.
    pub async fn remember_hook(&self, hook: crate::github::hooks::KnownHook) {
        let redis = match self.redis().await {
            Ok(r) => r,
            Err(e) => return log::warn!("could not remember a hook for catch-up: {e:#}"),
        };
        let store = crate::github::hooks::HookStore::new(redis, &self.key_prefix);
        actix_web::rt::spawn(async move {
            if let Err(e) = store.remember(&hook).await {
                log::warn!("could not remember a hook for catch-up: {e:#}");
            }
        });
    }

    /// Records a filtered PR's facts (see [`crate::pr_facts`]).
    pub async fn record_gate(&self, facts: &GateFacts) -> anyhow::Result<()> {
        let mut redis = self.redis().await?;
        crate::pr_facts::record(&mut redis, &self.key_prefix, facts)
            .await
            .context("recording the PR's base and draft state")
    }

    /// Readiness: Redis answers PING and Faktory answers INFO.
    pub async fn ready(&self) -> anyhow::Result<()> {
        let mut redis = self.redis().await?;
        let _: String = redis::cmd("PING")
            .query_async(&mut redis)
            .await
            .context("Redis PING")?;
        self.producer.ping().await
    }

    async fn redis(&self) -> anyhow::Result<ConnectionManager> {
        let url = self.redis_url.clone();
        let conn = self
            .redis
            .get_or_try_init(|| async {
                // Opened on the producer's runtime, so its driver task outlives any one request.
                self.producer
                    .run(async move { crate::redis_conn::connect(&url).await })
                    .await
            })
            .await?;
        Ok(conn.clone())
    }
}
