//! Faktory plumbing: connecting (with a decoded password and a drop that
//! cannot panic), turning a typed job into a Faktory job, and the pooled
//! producer that `web` pushes through.

mod addr;
mod conn;
mod producer;
pub mod wire;

pub use addr::FaktoryAddr;

pub use conn::SafeStream;
pub use producer::Producer;

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
    Ok(Unqueued::new(env, job.delivery(), queue_of, reserve_for).build())
}

/// A typed job encoded for Faktory, not built yet: `web` stamps it with
/// its receive sequence number once Redis has given one.
#[derive(Debug)]
pub struct Unqueued {
    env: threadline_jobs::Envelope,
    delivery_id: String,
    queue: String,
    reserve_for: Duration,
}

impl Unqueued {
    pub fn new(
        env: threadline_jobs::Envelope,
        delivery: &threadline_jobs::Delivery,
        queue_of: impl Fn(&str) -> String,
        reserve_for: Duration,
    ) -> Self {
        Unqueued {
            queue: queue_of(env.queue),
            env,
            delivery_id: delivery.id.clone(),
            reserve_for,
        }
    }

    /// Sets `delivery.seq` in the args: every job kind carries its
    /// delivery under that name (the `Job` trait's `delivery()`).
    pub fn stamp(mut self, seq: u64) -> Self {
        let delivery = self
            .env
            .args
            .first_mut()
            .and_then(|args| args.get_mut("delivery"))
            .and_then(|d| d.as_object_mut());
        if let Some(delivery) = delivery {
            delivery.insert("seq".into(), seq.into());
        }
        self
    }

    /// The repository's `owner/name`, when the job names one.
    pub fn repo_name(&self) -> Option<String> {
        let args = self.env.args.first()?;
        Some(args.get("repo")?.get("full_name")?.as_str()?.to_string())
    }

    pub fn build(self) -> faktory::Job {
        let mut built = faktory::JobBuilder::new(self.env.kind)
            .queue(self.queue)
            .args(self.env.args)
            .reserve_for(self.reserve_for)
            .build();
        built
            .custom
            .insert("delivery".into(), self.delivery_id.into());
        built
    }
}

/// How many jobs Faktory's dead set holds (its `INFO`'s `sets.dead`): the
/// most its protocol says about the set, which it cannot list.
pub async fn dead_set_size(addr: &FaktoryAddr) -> anyhow::Result<u64> {
    let who = wire::Hello {
        wid: format!("threadline-admin-{}", std::process::id()),
        hostname: "threadline".into(),
        labels: vec!["admin".into()],
    };
    let mut conn = wire::Wire::open(addr, &who).await?;
    let info = match conn.call("INFO", None).await? {
        wire::Answer::Bulk(Some(body)) => body,
        other => anyhow::bail!("INFO answered {other:?}"),
    };
    let _ = conn.call("END", None).await;
    let info: serde_json::Value = serde_json::from_str(&info).context("Faktory's INFO")?;
    info["faktory"]["sets"]["dead"]
        .as_u64()
        .or_else(|| info["data"]["sets"]["dead"].as_u64())
        .context("Faktory's INFO has no sets.dead (Faktory older than 1.9?)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use threadline_jobs::{decode, Delivery, PrOpened, Repo};

    fn sample() -> PrOpened {
        let pr = serde_json::json!({
            "number": 5, "title": "t", "html_url": "https://github.com/o/r/pull/5",
            "author": "a", "base_ref": "main", "head_label": "a:x"
        });
        PrOpened {
            delivery: Delivery {
                id: "d-1".into(),
                hook_id: None,
                seq: 0,
                replay: None,
            },
            repo: Repo {
                id: 1,
                full_name: "o/r".into(),
            },
            pr: serde_json::from_value(pr).expect("a PR with the required fields"),
        }
    }

    #[test]
    fn a_stamped_job_decodes_with_its_sequence_number() {
        let job = sample();
        let env = threadline_jobs::encode(&job).expect("encodes");
        let built = Unqueued::new(
            env,
            &job.delivery,
            |q| q.to_string(),
            Duration::from_secs(60),
        )
        .stamp(41)
        .build();
        let back: PrOpened = decode(built.args()).expect("decodes");
        assert_eq!(back.delivery.seq, 41);
        assert_eq!(back.pr, job.pr);
        assert_eq!(built.custom["delivery"], serde_json::json!("d-1"));
    }
}
