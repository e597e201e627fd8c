//! What Dibs' two endpoints share in `web`: the settings that turn them
//! on, the store in Redis (connected on first use, like the intake's) and
//! pushing the jobs a change causes (kept in the outbox when Faktory is
//! down). [`interaction`] reads a `/dibs` interaction and decides who may
//! run what.

pub mod interaction;

use crate::dibs::{outbox, Change, DibsSettings, Store};
use crate::queue::Producer;
use crate::settings::{ApiToken, Common, DibsWebSettings};
use ed25519_dalek::VerifyingKey;
use tokio::sync::OnceCell;

pub struct DibsWeb {
    /// `None`: `POST /webhooks/discord` answers 404.
    pub key: Option<VerifyingKey>,
    /// The API's tokens (`DIBS_API_TOKENS`, then the unnamed
    /// `DIBS_API_TOKEN`); none: `/api/dibs` answers 404.
    pub api_tokens: Vec<ApiToken>,
    /// `DIBS_GUILD_IDS`: the guilds `/dibs` answers in; empty, any guild.
    pub guilds: Vec<u64>,
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
        let mut api_tokens = settings.api_tokens.clone();
        // The token of old keeps what it could do: any holder name, and
        // `force` on any hold.
        if let Some(secret) = &settings.api_token {
            api_tokens.push(ApiToken {
                name: String::new(),
                secret: secret.clone(),
                force: true,
            });
        }
        Ok(DibsWeb {
            key,
            api_tokens,
            guilds: settings.guilds.clone(),
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
    /// itself is made and is answered either way, with a warning; what it
    /// causes stays in the outbox, which a worker queues once Faktory is
    /// back.
    pub async fn follow(&self, store: &Store, change: &Change) -> bool {
        match outbox::settle(store, &self.producer, &self.common, change, false).await {
            Ok(()) => true,
            Err(e) => {
                log::error!(
                    "dibs {}: version {} changed; its follow-up jobs wait in the outbox: {e:#}",
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
