//! Threadline's own list of its dead jobs, in Redis: Faktory's protocol
//! can act on a set's jobs by id (MUTATE) but cannot list them.
//!
//! The worker records every job it sends to the dead set and every job
//! whose FAIL used up its retries (Faktory then moves it there), and
//! removes the entry when a job with that id is acknowledged later (a
//! retry from the Web UI or `threadline dead retry`). `threadline dead`
//! reads it.
//!
//! It stays bounded: an entry older than Faktory's own dead-set TTL
//! ([`MAX_AGE_MS`], 180 days: Faktory has dropped the job by then) or
//! beyond the newest [`MAX_ENTRIES`] is dropped whenever one is recorded.
//! A job discarded in the Web UI leaves no trace Threadline could see,
//! and Faktory's protocol cannot list its dead set, only count it
//! (`INFO`); [`DeadIndex::reconcile`] therefore keeps the index no longer
//! than Faktory's dead set (empty when that is empty; else its newest
//! entries), run by `threadline dead` before it lists.

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

/// Faktory keeps a dead job 180 days (`manager.DeadTTL`).
pub const MAX_AGE_MS: u64 = 180 * 86_400_000;
/// The index lists at most this many jobs, the newest.
pub const MAX_ENTRIES: usize = 1000;

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
            .context("recording a dead job")?;
        self.trim(job.at_ms, MAX_ENTRIES).await.map(|_| ())
    }

    /// Drops entries older than [`MAX_AGE_MS`] before `now_ms`, those that
    /// do not parse, and all but the newest `keep`; returns how many went.
    pub async fn trim(&self, now_ms: u64, keep: usize) -> anyhow::Result<usize> {
        let mut redis = self.redis.clone();
        let all: std::collections::HashMap<String, String> = redis
            .hgetall(&self.key)
            .await
            .context("reading the dead-job index")?;
        let mut gone: Vec<&String> = vec![];
        let mut kept: Vec<(u64, &String)> = vec![];
        for (jid, v) in &all {
            match serde_json::from_str::<DeadJob>(v) {
                Ok(j) if j.at_ms + MAX_AGE_MS >= now_ms => kept.push((j.at_ms, jid)),
                _ => gone.push(jid),
            }
        }
        kept.sort_by(|a, b| b.cmp(a));
        gone.extend(kept.iter().skip(keep).map(|(_, jid)| *jid));
        if !gone.is_empty() {
            redis
                .hdel::<_, _, ()>(&self.key, &gone)
                .await
                .context("trimming the dead-job index")?;
        }
        Ok(gone.len())
    }

    /// Keeps the index no longer than Faktory's dead set, which holds
    /// `in_faktory` jobs (of every namespace on that server): entries
    /// beyond that are jobs discarded in the Web UI (or reaped), and the
    /// oldest go first. Returns how many were dropped.
    pub async fn reconcile(&self, in_faktory: u64, now_ms: u64) -> anyhow::Result<usize> {
        let keep = usize::try_from(in_faktory).unwrap_or(usize::MAX);
        self.trim(now_ms, keep.min(MAX_ENTRIES)).await
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
