//! The Dibs outbox: what a change still owes Faktory. `dibs.lua` writes
//! each change that causes jobs (a timed release, notifications) to a
//! sorted set in the same run as the change, so that the change and what
//! it owes stand or fall together. Whoever made the change pushes those
//! jobs at once and then removes the entry ([`settle`]); when Faktory is
//! down the entry stays, and every worker's [`keep`] loop pushes what has
//! been owed for a while, so a timed release is never lost.
//!
//! Two processes may push the same entry (the maker's push was slow, or
//! two workers drain at once): harmless, because a `dibs.release` does
//! nothing unless the resource is still at its version (a second copy
//! finds it stale, or replays the same answer) and a `dibs.notify` posts
//! once per delivery id.

use super::{after_change, Change, Store};
use crate::queue::Producer;
use crate::settings::Common;
use anyhow::Context as _;
use serde::Deserialize;
use std::future::Future;
use std::time::Duration;

/// An entry younger than this is left to the process that wrote it,
/// which is pushing its jobs now (a push gives up after 5 s).
pub const GRACE: Duration = Duration::from_secs(10);
/// How often a worker looks for owed entries.
pub const EVERY: Duration = Duration::from_secs(5);
/// Entries handled per look; the rest wait for the next.
const BATCH: usize = 100;

/// One outbox entry as `dibs.lua` writes it.
#[derive(Debug, Deserialize)]
struct Owed {
    #[serde(default)]
    timed_out: bool,
    change: Change,
}

/// Pushes what `change` causes, then removes its outbox entry; an error
/// leaves the entry for [`keep`] to push later.
pub async fn settle(
    store: &Store,
    producer: &Producer,
    common: &Common,
    change: &Change,
    timed_out: bool,
) -> anyhow::Result<()> {
    after_change::push(producer, common, after_change::after(change, timed_out)).await?;
    if let Some(entry) = &change.outbox {
        store.remove_owed(entry).await?;
    }
    Ok(())
}

/// Pushes every entry owed for longer than [`GRACE`], up to a batch;
/// returns how many were pushed. The first failed push stops the round
/// (Faktory is still away) and leaves the rest.
pub async fn drain(store: &Store, producer: &Producer, common: &Common) -> anyhow::Result<usize> {
    let owed = store.owed(GRACE, BATCH).await?;
    let mut pushed = 0;
    for raw in owed {
        let entry: Owed = match serde_json::from_str(&raw) {
            Ok(e) => e,
            Err(e) => {
                // Kept, it would block nothing but be retried for ever.
                log::error!("dibs outbox: dropping an entry that does not parse: {e}");
                store.remove_owed(&raw).await?;
                continue;
            }
        };
        let jobs = after_change::after(&entry.change, entry.timed_out);
        after_change::push(producer, common, jobs)
            .await
            .with_context(|| {
                format!(
                    "queueing what dibs {} version {} owes",
                    entry.change.state.name, entry.change.version
                )
            })?;
        store.remove_owed(&raw).await?;
        log::info!(
            "dibs outbox: queued what {} version {} owed",
            entry.change.state.name,
            entry.change.version
        );
        pushed += 1;
    }
    Ok(pushed)
}

/// Drains every [`EVERY`] until `stop` resolves (a worker's drain).
pub fn keep(
    store: Store,
    producer: Producer,
    common: Common,
    stop: impl Future<Output = ()> + Send + 'static,
) {
    tokio::spawn(async move {
        tokio::pin!(stop);
        loop {
            if let Err(e) = drain(&store, &producer, &common).await {
                log::warn!("dibs outbox: {e:#}; trying again in {} s", EVERY.as_secs());
            }
            tokio::select! {
                _ = tokio::time::sleep(EVERY) => {}
                _ = &mut stop => return,
            }
        }
    });
}

impl Store {
    /// Entries written more than `age` ago by Redis' own clock (so that
    /// the processes' clocks do not matter), oldest first.
    async fn owed(&self, age: Duration, max: usize) -> anyhow::Result<Vec<String>> {
        let mut redis = self.redis.clone();
        let (secs, micros): (u64, u64) = redis::cmd("TIME")
            .query_async(&mut redis)
            .await
            .context("asking Redis the time")?;
        let now_ms = secs * 1000 + micros / 1000;
        let cutoff = now_ms.saturating_sub(age.as_millis() as u64);
        redis::cmd("ZRANGEBYSCORE")
            .arg(self.outbox_key())
            .arg("-inf")
            .arg(format!("({cutoff}"))
            .arg("LIMIT")
            .arg(0)
            .arg(max)
            .query_async(&mut redis)
            .await
            .context("reading the dibs outbox")
    }

    async fn remove_owed(&self, entry: &str) -> anyhow::Result<()> {
        let mut redis = self.redis.clone();
        let _: i64 = redis::cmd("ZREM")
            .arg(self.outbox_key())
            .arg(entry)
            .query_async(&mut redis)
            .await
            .context("removing a dibs outbox entry")?;
        Ok(())
    }

    /// How many entries are owed (tests; an operator may `ZCARD` it too).
    pub async fn owed_count(&self) -> anyhow::Result<u64> {
        let mut redis = self.redis.clone();
        redis::cmd("ZCARD")
            .arg(self.outbox_key())
            .query_async(&mut redis)
            .await
            .context("counting the dibs outbox")
    }
}
