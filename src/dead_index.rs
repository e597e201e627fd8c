//! Threadline's own list of its dead jobs, in Redis: Faktory's protocol
//! can act on a set's jobs by id (MUTATE) but cannot list them.
//!
//! The worker records every job it sends to the dead set and every job
//! whose FAIL used up its retries (Faktory then moves it there), and
//! removes the entry when a job with that id is acknowledged later (a
//! retry from the Web UI or `threadline dead retry`). `threadline dead`
//! reads it.

use anyhow::Context as _;
use redis::aio::ConnectionManager;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};

/// One dead job, as `threadline dead` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadJob {
    pub jid: String,
    pub kind: String,
    /// The GitHub delivery the job came from (`-` when unknown).
    pub delivery: String,
    pub error: String,
    /// When it died, Unix milliseconds.
    pub at_ms: u64,
}

#[derive(Clone)]
pub struct DeadIndex {
    redis: ConnectionManager,
    key: String,
}

impl DeadIndex {
    /// The index under `key_prefix` (the namespace's Redis prefix).
    pub fn new(redis: ConnectionManager, key_prefix: &str) -> Self {
        DeadIndex {
            redis,
            key: format!("{key_prefix}dead"),
        }
    }

    pub async fn record(&self, job: &DeadJob) -> anyhow::Result<()> {
        let json = serde_json::to_string(job).context("encoding a dead job")?;
        let mut redis = self.redis.clone();
        redis
            .hset::<_, _, _, ()>(&self.key, &job.jid, json)
            .await
            .context("recording a dead job")
    }

    /// Forgets `jid`; true if it was listed.
    pub async fn remove(&self, jid: &str) -> anyhow::Result<bool> {
        let mut redis = self.redis.clone();
        let removed: u64 = redis
            .hdel(&self.key, jid)
            .await
            .context("removing a dead job from the index")?;
        Ok(removed > 0)
    }

    /// Every listed job, newest first; entries that do not parse are skipped.
    pub async fn list(&self) -> anyhow::Result<Vec<DeadJob>> {
        let mut redis = self.redis.clone();
        let all: std::collections::HashMap<String, String> = redis
            .hgetall(&self.key)
            .await
            .context("reading the dead-job index")?;
        let mut jobs: Vec<DeadJob> = all
            .values()
            .filter_map(|v| serde_json::from_str(v).ok())
            .collect();
        jobs.sort_by(|a, b| b.at_ms.cmp(&a.at_ms).then(a.jid.cmp(&b.jid)));
        Ok(jobs)
    }
}
