//! What Dibs' two endpoints share in `web`: the settings that turn them
//! on, the store in Redis (connected on first use, like the intake's) and
//! pushing the jobs a change causes.

use crate::dibs::{after_change, Change, DibsSettings, Store};
use crate::queue::Producer;
use crate::settings::{Common, DibsWebSettings, Secret};
use ed25519_dalek::VerifyingKey;
use tokio::sync::OnceCell;

pub struct DibsWeb {
    /// `None`: `POST /webhooks/discord` answers 404.
    pub key: Option<VerifyingKey>,
    /// `None`: `/api/dibs` answers 404.
    pub api_token: Option<Secret>,
    pub settings: DibsSettings,
    common: Common,
    producer: Producer,
    store: OnceCell<Store>,
}

impl DibsWeb {
    pub fn new(
        settings: &DibsWebSettings,
        common: Common,
        producer: Producer,
    ) -> anyhow::Result<Self> {
        let key = public_key(settings)?;
        Ok(DibsWeb {
            key,
            api_token: settings.api_token.clone(),
            settings: settings.dibs.clone(),
            common,
            producer,
            store: OnceCell::new(),
        })
    }

    pub async fn store(&self) -> anyhow::Result<&Store> {
        self.store
            .get_or_try_init(|| async {
                let url = self.common.redis_url.clone();
                // Opened on the producer's runtime, so its driver task
                // outlives any one request.
                let redis = self
                    .producer
                    .run(async move { crate::redis_conn::connect(&url).await })
                    .await?;
                Ok(Store::new(redis, self.common.key_prefix()))
            })
            .await
    }

    /// Queues what `change` causes; false if that failed. The change
    /// itself is made and is answered either way, with a warning: a retry
    /// of the command would not repeat what it caused.
    pub async fn follow(&self, change: &Change) -> bool {
        let jobs = after_change::after(change, false);
        if jobs.is_empty() {
            return true;
        }
        match after_change::push(&self.producer, &self.common, jobs).await {
            Ok(()) => true,
            Err(e) => {
                log::error!(
                    "dibs {}: version {} changed, but its follow-up jobs were not queued: {e:#}",
                    change.state.name,
                    change.version
                );
                false
            }
        }
    }
}

/// The Discord application's key, if Dibs' interactions are on; a
/// malformed `DISCORD_PUBLIC_KEY` is an error that stops `web` at start.
pub fn public_key(settings: &DibsWebSettings) -> anyhow::Result<Option<VerifyingKey>> {
    settings
        .public_key
        .as_deref()
        .map(super::ed25519::public_key)
        .transpose()
        .map_err(anyhow::Error::msg)
}
