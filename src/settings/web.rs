//! Settings of the `web` process: the door's bounds, metrics, the
//! delivery log, the config file and Dibs.

use super::{config_env, parse_var, var_or, Common, Secret};
use crate::config::Config;
use anyhow::{bail, Context as _};
use std::sync::Arc;
use std::time::Duration;

/// Settings of the `web` process.
#[derive(Debug, Clone)]
pub struct WebSettings {
    pub common: Common,
    pub port: u16,
    pub webhook_secret: Secret,
    pub reserve_for: Duration,
    /// What a request may cost before its signature is verified.
    pub door: DoorSettings,
    pub metrics: MetricsSettings,
    /// Days verified deliveries are kept in the delivery log
    /// (`DELIVERY_LOG_DAYS`, 7; 0 turns the log off).
    pub delivery_log_days: u64,
    /// The delivery log's cap in MB (`DELIVERY_LOG_MAX_MB`, 64).
    pub delivery_log_max_mb: u64,
    /// `THREADLINE_CONFIG`: routes, people and filters.
    pub config: Arc<Config>,
    /// Dibs: the Discord interactions endpoint and the CI/CD API.
    pub dibs: DibsWebSettings,
}

/// Who may read `GET /metrics`, and where the worker serves it.
#[derive(Debug, Clone, Default)]
pub struct MetricsSettings {
    /// `METRICS_TOKEN`: when set, metrics need `Authorization: Bearer <token>`.
    pub token: Option<Secret>,
    /// `METRICS_PORT` (worker only): where to serve them; unset, nowhere.
    pub port: Option<u16>,
}

impl MetricsSettings {
    pub(super) fn from_env() -> anyhow::Result<Self> {
        let port = match var_or("METRICS_PORT", "").as_str() {
            "" => None,
            raw => Some(raw.parse().context("METRICS_PORT must be a port number")?),
        };
        let token = Some(var_or("METRICS_TOKEN", "")).filter(|t| !t.is_empty());
        Ok(MetricsSettings {
            token: token.map(Secret),
            port,
        })
    }
}

/// Bounds on what `web` spends on requests it has not verified yet.
#[derive(Debug, Clone)]
pub struct DoorSettings {
    /// Bytes of request bodies held at once by the process (`WEB_MAX_INFLIGHT_BODY_MB`).
    pub max_inflight_body: usize,
    /// A body must be complete this long after its headers (`WEB_BODY_TIMEOUT_SECS`).
    pub body_timeout: Duration,
    /// Connections open at once in the process (`WEB_MAX_CONNECTIONS`).
    pub max_connections: usize,
}

impl Default for DoorSettings {
    fn default() -> Self {
        DoorSettings {
            max_inflight_body: 64 << 20,
            // GitHub's own delivery timeout.
            body_timeout: Duration::from_secs(10),
            // About 20 KB of web's memory each beside the body budget
            // (actix's read and write buffers; a slow body's connection is
            // counted in the budget), so 1,024 stay within ~20 MB, which
            // with the process's ~5 MB keeps web under the budget + 32 MB;
            // more wait in the accept queue.
            max_connections: 1024,
        }
    }
}

impl DoorSettings {
    fn from_env() -> anyhow::Result<Self> {
        let d = DoorSettings::default();
        let mb: usize = parse_var("WEB_MAX_INFLIGHT_BODY_MB", d.max_inflight_body >> 20)?;
        let secs = parse_var("WEB_BODY_TIMEOUT_SECS", d.body_timeout.as_secs())?;
        let max_connections = parse_var("WEB_MAX_CONNECTIONS", d.max_connections)?;
        if mb == 0 || secs == 0 || max_connections == 0 {
            bail!("WEB_MAX_INFLIGHT_BODY_MB, WEB_BODY_TIMEOUT_SECS and WEB_MAX_CONNECTIONS must be at least 1");
        }
        Ok(DoorSettings {
            max_inflight_body: mb
                .checked_mul(1 << 20)
                .context("WEB_MAX_INFLIGHT_BODY_MB is too large")?,
            body_timeout: Duration::from_secs(secs),
            max_connections,
        })
    }
}

impl WebSettings {
    pub fn from_env() -> anyhow::Result<Self> {
        let secret = std::env::var("GITHUB_WEBHOOK_SECRET").unwrap_or_default();
        if secret.is_empty() {
            bail!("GITHUB_WEBHOOK_SECRET is not set: web refuses to accept unsigned webhooks");
        }
        let common = Common::from_env()?;
        let config = Arc::new(web_config()?);
        let mut dibs = DibsWebSettings::from_env()?;
        dibs.dibs = config.dibs.clone();
        Ok(WebSettings {
            reserve_for: common.reserve_for,
            common,
            port: parse_var("PORT", 3000)?,
            webhook_secret: Secret(secret),
            door: DoorSettings::from_env()?,
            metrics: MetricsSettings::from_env()?,
            delivery_log_days: parse_var("DELIVERY_LOG_DAYS", 7)?,
            delivery_log_max_mb: parse_var("DELIVERY_LOG_MAX_MB", 64)?,
            config,
            dibs,
        })
    }
}

/// Dibs in `web`. Each part is off until its variable is set.
#[derive(Debug, Clone, Default)]
pub struct DibsWebSettings {
    /// `DISCORD_PUBLIC_KEY` (hex): turns on `POST /webhooks/discord`.
    pub public_key: Option<String>,
    /// `DIBS_API_TOKEN`: turns on `/api/dibs` with one unnamed token.
    pub api_token: Option<Secret>,
    /// `DIBS_API_TOKENS`: named tokens, each bound to the holds it takes.
    pub api_tokens: Vec<super::dibs::ApiToken>,
    /// `DIBS_GUILD_IDS`: the guilds `/dibs` answers in; empty, any guild.
    pub guilds: Vec<u64>,
    /// `[dibs]` of the config file: resources, `max_hold`, `force_role`.
    pub dibs: crate::config::dibs::DibsSettings,
}

impl DibsWebSettings {
    fn from_env() -> anyhow::Result<Self> {
        // Its form is checked by `web::settings_from_env`, where the key is used.
        let public_key = Some(var_or("DISCORD_PUBLIC_KEY", "")).filter(|k| !k.is_empty());
        let token = Some(var_or("DIBS_API_TOKEN", "")).filter(|t| !t.is_empty());
        Ok(DibsWebSettings {
            public_key,
            api_token: token.map(Secret),
            api_tokens: super::dibs::api_tokens(&var_or("DIBS_API_TOKENS", ""))?,
            guilds: super::dibs::guild_ids(&var_or("DIBS_GUILD_IDS", ""))?,
            dibs: Default::default(),
        })
    }
}

/// `web` routes without knowing the channel: without a file every
/// repository is routed (the worker knows where), so that a `web` without
/// `DISCORD_CHANNEL_ID` behaves as before; with a file, an unmatched
/// repository needs the fallback, as the worker will.
fn web_config() -> anyhow::Result<Config> {
    let fallback = match var_or("DISCORD_CHANNEL_ID", "").trim() {
        "" => None,
        id => Some(id.parse::<u64>().ok().filter(|&n| n > 0).with_context(|| {
            format!("DISCORD_CHANNEL_ID must be the numeric id of the parent channel, got {id:?}")
        })?),
    };
    let path = var_or("THREADLINE_CONFIG", "");
    let file = !path.trim().is_empty();
    let env = config_env(if file { fallback } else { fallback.or(Some(0)) })?;
    Config::read(&path, &env)
}
