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
//! A delivery is known by two marks, checked in one round trip and
//! written in one, both for the dedupe's TTL: `delivery:{hook}:{guid}`
//! (what GitHub's own redelivery repeats) and, for a delivery with a body,
//! `delivery-body:{sha256}`. The hook id and the GUID are headers nobody
//! signs, so a signed body sent again under a new GUID is still the same
//! delivery: the body's hash, which the signature does cover, says so.
//! Synthetic jobs (a backfill, a forced replay) have no body mark.
//!
//! Each queued job is stamped with a receive sequence number from a Redis
//! counter, read in the same round trip as the check: it orders events that
//! GitHub stamped with the same second.

use crate::pr_facts::GateFacts;
use crate::queue::{Producer, Unqueued};
use crate::redis_conn::DELIVERY_TTL;
use anyhow::Context as _;
use redis::aio::ConnectionManager;
use tokio::sync::OnceCell;

/// The SHA-256 of a delivery's raw body: what its signature covers.
pub fn body_sha256(body: &[u8]) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, body);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

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

    /// Queues `job` unless this delivery, or its body (`body_sha256`),
    /// was queued before. A PR's facts for the worker's filters
    /// (`pr_facts`) are recorded before the job is pushed, so that the job
    /// never runs ahead of them.
    pub async fn accept(
        &self,
        delivery_key: &str,
        body_sha256: Option<[u8; 32]>,
        job: Unqueued,
        gate: Option<&GateFacts>,
    ) -> anyhow::Result<Intake> {
        let marks = self.marks(delivery_key, body_sha256);
        self.intake(&marks, job, gate, false).await
    }

    /// [`Intaker::accept`], returning only once the delivery is marked
    /// queued: for callers that may end right after (the command line, a
    /// worker's job), whose runtime would drop a spawned mark unwritten,
    /// so that a second run would not be a duplicate. For synthetic jobs
    /// (a backfill's, a forced replay's): they have no body of their own
    /// to be known by, only their delivery key.
    pub async fn accept_marked(
        &self,
        delivery_key: &str,
        job: Unqueued,
        gate: Option<&GateFacts>,
    ) -> anyhow::Result<Intake> {
        let marks = self.marks(delivery_key, None);
        self.intake(&marks, job, gate, true).await
    }

    /// [`Intaker::accept_marked`] for a delivery GitHub sent (a replay of
    /// it from the delivery log): known by its body's hash too.
    pub async fn accept_marked_body(
        &self,
        delivery_key: &str,
        body: &[u8],
        job: Unqueued,
        gate: Option<&GateFacts>,
    ) -> anyhow::Result<Intake> {
        let marks = self.marks(delivery_key, Some(body_sha256(body)));
        self.intake(&marks, job, gate, true).await
    }

    /// The Redis keys that mark a delivery queued.
    fn marks(&self, delivery_key: &str, body_sha256: Option<[u8; 32]>) -> Vec<String> {
        let mut marks = vec![format!("{}delivery:{delivery_key}", self.key_prefix)];
        if let Some(digest) = body_sha256 {
            marks.push(format!(
                "{}delivery-body:{}",
                self.key_prefix,
                hex::encode(digest)
            ));
        }
        marks
    }

    async fn intake(
        &self,
        marks: &[String],
        job: Unqueued,
        gate: Option<&GateFacts>,
        wait_for_mark: bool,
    ) -> anyhow::Result<Intake> {
        let mut redis = self.redis().await?;
        // One round trip: either mark makes it a duplicate.
        let (seen, seq): (u64, u64) = redis::pipe()
            .exists(marks)
            .incr(format!("{}receive_seq", self.key_prefix), 1)
            .query_async(&mut redis)
            .await
            .context("checking the delivery in Redis")?;
        if seen > 0 {
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
        let marks = marks.to_vec();
        let mark = async move {
            let mut pipe = redis::pipe();
            for key in &marks {
                pipe.set_ex(key, 1, DELIVERY_TTL.as_secs()).ignore();
            }
            let marked: redis::RedisResult<()> = pipe.query_async(&mut redis).await;
            if let Err(e) = marked {
                log::warn!("could not mark delivery {} as queued: {e}", marks[0]);
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

    /// Marks an interaction id seen (`SET NX`, for `ttl`, under the key
    /// prefix); false when it was seen before. Discord's signature covers
    /// the body, so the id in it is Discord's own.
    pub async fn first_sight(&self, what: &str, ttl: std::time::Duration) -> anyhow::Result<bool> {
        let mut redis = self.redis().await?;
        let set: Option<String> = redis::cmd("SET")
            .arg(format!("{}{what}", self.key_prefix))
            .arg(1)
            .arg("NX")
            .arg("EX")
            .arg(ttl.as_secs().max(1))
            .query_async(&mut redis)
            .await
            .context("marking an interaction seen")?;
        Ok(set.is_some())
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
