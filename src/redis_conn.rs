//! Redis: the connection both processes use, with deadlines, and the few
//! key conventions they share.
//!
//! Redis holds Threadline's memory: which deliveries were already queued
//! (`web`) and which Discord effects already happened (`worker`). Every
//! command has a deadline, so an unreachable Redis is an error to answer
//! with (503, or a retried job), never a hang.

use anyhow::Context as _;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::time::Duration;

/// Opens a self-reconnecting Redis connection.
pub async fn connect(url: &str) -> anyhow::Result<ConnectionManager> {
    let client = redis::Client::open(url).context("REDIS_URL is not a valid Redis URL")?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(Duration::from_secs(2)))
        .set_number_of_retries(2)
        .set_max_delay(Duration::from_millis(500));
    tokio::time::timeout(
        Duration::from_secs(5),
        client.get_connection_manager_with_config(config),
    )
    .await
    .map_err(|_| anyhow::anyhow!("timed out"))
    .and_then(|r| r.map_err(anyhow::Error::from))
    .context("connecting to Redis")
}

/// How long `web` remembers a queued delivery: GitHub's 3-day redelivery
/// window plus a day of slack.
pub const DELIVERY_TTL: Duration = Duration::from_secs(4 * 24 * 3600);

/// How long a worker remembers an effect: longer than Faktory's 25 retries
/// (about 21 days), so no retry ever outlives its guard.
pub const EFFECT_TTL: Duration = Duration::from_secs(30 * 24 * 3600);
