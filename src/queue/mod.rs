//! Faktory plumbing: connecting (with a decoded password and a drop that
//! cannot panic), turning a typed job into a Faktory job, and the pooled
//! producer that `web` pushes through.

mod conn;
mod producer;

pub use conn::SafeStream;
pub use producer::Producer;

use crate::settings::FaktoryAddr;
use anyhow::Context as _;
use std::time::Duration;

/// How long connecting plus the handshake may take before we call Faktory down.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Opens a producer/admin connection to Faktory.
pub async fn connect_client(addr: &FaktoryAddr) -> anyhow::Result<faktory::Client> {
    let connect = async {
        let stream = SafeStream::connect(&addr.host_port).await?;
        faktory::Client::connect_with(stream, addr.password.clone())
            .await
            .map_err(anyhow::Error::from)
    };
    tokio::time::timeout(CONNECT_TIMEOUT, connect)
        .await
        .map_err(|_| anyhow::anyhow!("timed out"))
        .and_then(|r| r)
        .with_context(|| format!("connecting to Faktory at {}", addr.host_port))
}

/// Builds the Faktory job for a typed job, on the namespaced queue.
pub fn to_faktory<J: threadline_jobs::Job>(
    job: &J,
    queue_of: impl Fn(&str) -> String,
    reserve_for: Duration,
) -> anyhow::Result<faktory::Job> {
    let env = threadline_jobs::encode(job).context("encoding job args")?;
    let mut built = faktory::JobBuilder::new(env.kind)
        .queue(queue_of(env.queue))
        .args(env.args)
        .reserve_for(reserve_for)
        .build();
    built
        .custom
        .insert("delivery".into(), job.delivery().id.clone().into());
    Ok(built)
}
