//! Typed settings, read once from the environment (12-factor).
//!
//! Each binary builds its own settings struct at start and refuses to start,
//! with a message naming the variable, when something required is missing
//! or malformed. Nothing else in the crate reads the environment.

use crate::config::{Config, EnvOverrides};
use anyhow::{bail, Context as _};
use std::sync::Arc;
use std::time::Duration;

pub use crate::queue::FaktoryAddr;

/// Settings shared by `web` and `worker`.
#[derive(Debug, Clone)]
pub struct Common {
    pub faktory: FaktoryAddr,
    pub redis_url: String,
    /// Prefixes queue names and Redis keys; empty in production, per-test
    /// in tests so that tests sharing one Faktory and Redis never meet.
    pub namespace: String,
    /// `reserve_for` of every job pushed, by `web` and by the worker's own
    /// scheduling (`JOB_RESERVE_FOR_SECS`).
    pub reserve_for: Duration,
}

impl Common {
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(Common {
            faktory: FaktoryAddr::from_vars(|name| {
                std::env::var(name).ok().filter(|v| !v.is_empty())
            })?,
            // redis://, or rediss:// (TLS) as hosted providers give it, with
            // a user and password, and `#insecure` for self-signed certificates.
            redis_url: var_or("REDIS_URL", "redis://127.0.0.1:6379"),
            namespace: var_or("THREADLINE_NAMESPACE", ""),
            reserve_for: Duration::from_secs(parse_var("JOB_RESERVE_FOR_SECS", 600)?),
        })
    }

    /// The physical Faktory queue of a logical queue.
    pub fn queue(&self, logical: &str) -> String {
        if self.namespace.is_empty() {
            logical.to_string()
        } else {
            format!("{}-{logical}", self.namespace)
        }
    }

    /// The Redis key prefix: `threadline:` plus the namespace.
    pub fn key_prefix(&self) -> String {
        if self.namespace.is_empty() {
            "threadline:".to_string()
        } else {
            format!("threadline:{}:", self.namespace)
        }
    }
}

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
    fn from_env() -> anyhow::Result<Self> {
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
        dibs.dibs.resources = config.dibs.resources.clone();
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

/// Settings of the `threadline` command line.
#[derive(Debug, Clone)]
pub struct CliSettings {
    pub common: Common,
    /// The first of `GITHUB_WEBHOOK_SECRET`'s secrets: what `send` signs with.
    pub webhook_secret: Option<Secret>,
    /// `web`'s port, for the default URL of `send`.
    pub port: u16,
    /// For `commands register`: `DISCORD_TOKEN`, `DISCORD_API_URL` and
    /// `DISCORD_APPLICATION_ID` (unset: asked of Discord).
    pub discord_token: Option<Secret>,
    pub discord_api_url: String,
    pub discord_application_id: Option<u64>,
}

impl CliSettings {
    pub fn from_env() -> anyhow::Result<Self> {
        let secrets = var_or("GITHUB_WEBHOOK_SECRET", "");
        let first = secrets.split(',').map(str::trim).find(|s| !s.is_empty());
        Ok(CliSettings {
            common: Common::from_env()?,
            webhook_secret: first.map(|s| Secret(s.to_string())),
            port: parse_var("PORT", 3000)?,
            discord_token: Some(var_or("DISCORD_TOKEN", ""))
                .filter(|t| !t.is_empty())
                .map(Secret),
            discord_api_url: var_or("DISCORD_API_URL", "https://discord.com"),
            discord_application_id: match var_or("DISCORD_APPLICATION_ID", "").as_str() {
                "" => None,
                raw => Some(
                    raw.parse()
                        .context("DISCORD_APPLICATION_ID must be a number")?,
                ),
            },
        })
    }
}

/// Dibs in `web`. Each part is off until its variable is set.
#[derive(Debug, Clone, Default)]
pub struct DibsWebSettings {
    /// `DISCORD_PUBLIC_KEY` (hex): turns on `POST /webhooks/discord`.
    pub public_key: Option<String>,
    /// `DIBS_API_TOKEN`: turns on `/api/dibs`.
    pub api_token: Option<Secret>,
    /// Which resources may be used: `[dibs] resources` of the config file.
    pub dibs: crate::dibs::DibsSettings,
}

impl DibsWebSettings {
    fn from_env() -> anyhow::Result<Self> {
        let public_key = Some(var_or("DISCORD_PUBLIC_KEY", "")).filter(|k| !k.is_empty());
        if let Some(key) = &public_key {
            crate::web::ed25519::public_key(key).map_err(anyhow::Error::msg)?;
        }
        let token = Some(var_or("DIBS_API_TOKEN", "")).filter(|t| !t.is_empty());
        Ok(DibsWebSettings {
            public_key,
            api_token: token.map(Secret),
            dibs: Default::default(),
        })
    }
}

/// Settings of the `worker` process.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    pub common: Common,
    pub discord: DiscordSettings,
    /// Logical queue names, in priority order.
    pub queues: Vec<String>,
    pub concurrency: usize,
    pub shutdown_timeout: Duration,
    pub metrics: MetricsSettings,
    /// `THREADLINE_CONFIG`: routes, people and filters.
    pub config: Arc<Config>,
}

/// How the worker reaches Discord.
#[derive(Debug, Clone)]
pub struct DiscordSettings {
    /// `None` means dry run: actions are logged, not sent.
    pub token: Option<Secret>,
    /// `DISCORD_CHANNEL_ID`: where repositories no route names go.
    pub channel_id: Option<u64>,
    pub api_url: String,
    /// Overall deadline of one Discord call, retries inside twilight included.
    pub call_deadline: Duration,
    /// Discord allows two renames of a channel per this window.
    pub rename_window: Duration,
    /// A repeat with the same nonce is relied on to return the first
    /// message this long; an effect first tried longer ago is looked for in
    /// the channel before it is posted (`DISCORD_NONCE_WINDOW_SECS`).
    pub nonce_window: Duration,
    /// Discord's global limit for this bot, requests per second (50 unless
    /// Discord raised it for the bot).
    pub global_per_sec: u32,
}

impl WorkerSettings {
    /// Reads the environment, then lets `--queues` and `--concurrency` win.
    pub fn from_env_and_args(args: &[String]) -> anyhow::Result<Self> {
        let mut queues = var_or("WORKER_QUEUES", &threadline_jobs::ALL_QUEUES.join(","));
        let mut concurrency = var_or("WORKER_CONCURRENCY", "10");
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) => (f, Some(v.to_string())),
                None => (arg.as_str(), None),
            };
            let target = match flag {
                "--queues" => &mut queues,
                "--concurrency" => &mut concurrency,
                other => bail!("unknown argument {other:?}; expected --queues or --concurrency"),
            };
            *target = match inline {
                Some(v) => v,
                None => it
                    .next()
                    .with_context(|| format!("{flag} needs a value"))?
                    .clone(),
            };
        }
        let queues = split_queues(&queues)?;
        let concurrency: usize = concurrency.parse().context("concurrency is not a number")?;
        if concurrency == 0 {
            bail!("concurrency must be at least 1");
        }
        let discord = DiscordSettings::from_env()?;
        let config = Config::read(
            &var_or("THREADLINE_CONFIG", ""),
            &config_env(discord.channel_id)?,
        )?;
        if discord.token.is_some() && config.channels().is_empty() {
            bail!("DISCORD_CHANNEL_ID is not set and THREADLINE_CONFIG routes no repository to a channel");
        }
        Ok(WorkerSettings {
            common: Common::from_env()?,
            discord,
            config: Arc::new(config),
            queues,
            concurrency,
            shutdown_timeout: Duration::from_secs(parse_var("WORKER_SHUTDOWN_TIMEOUT_SECS", 25)?),
            metrics: MetricsSettings::from_env()?,
        })
    }
}

impl DiscordSettings {
    fn from_env() -> anyhow::Result<Self> {
        let dry_run = var_or("DISCORD_DRY_RUN", "0") == "1";
        let token = std::env::var("DISCORD_TOKEN")
            .ok()
            .filter(|t| !t.is_empty());
        let token = match (dry_run, token) {
            (true, _) => None,
            (false, Some(t)) => Some(Secret(t)),
            (false, None) => {
                bail!("DISCORD_TOKEN is not set (set DISCORD_DRY_RUN=1 to run without Discord)")
            }
        };
        let channel = var_or("DISCORD_CHANNEL_ID", "");
        let channel_id = match (token.is_some(), channel.parse::<u64>()) {
            (_, Ok(id)) if id > 0 => Some(id),
            (false, _) if channel.is_empty() => Some(1),
            (true, _) if channel.is_empty() => None,
            _ => bail!("DISCORD_CHANNEL_ID must be the numeric id of the parent channel"),
        };
        Ok(DiscordSettings {
            token,
            channel_id,
            api_url: var_or("DISCORD_API_URL", "https://discord.com"),
            call_deadline: Duration::from_secs(parse_var("DISCORD_CALL_DEADLINE_SECS", 20)?),
            rename_window: Duration::from_secs(parse_var("DISCORD_RENAME_WINDOW_SECS", 600)?),
            // Discord keeps a nonce "a few minutes"; a minute stays well
            // inside that even with a post that lands 25 s after the check.
            nonce_window: Duration::from_secs(parse_var("DISCORD_NONCE_WINDOW_SECS", 60)?),
            global_per_sec: parse_var("DISCORD_GLOBAL_RATE_LIMIT", 50)?.max(1),
        })
    }
}

/// What the environment adds to the config file: the fallback channel,
/// the default of `bots`, and `REVIEW_REMINDERS=0`.
fn config_env(fallback: Option<u64>) -> anyhow::Result<EnvOverrides> {
    Ok(EnvOverrides {
        fallback,
        forward_bots: var_or("FORWARD_BOT_EVENTS", "0") == "1",
        reminders_off: var_or("REVIEW_REMINDERS", "1") == "0",
    })
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

/// A value that must never reach a log line.
#[derive(Clone)]
pub struct Secret(pub String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

fn split_queues(raw: &str) -> anyhow::Result<Vec<String>> {
    let queues: Vec<String> = raw
        .split(',')
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(String::from)
        .collect();
    if queues.is_empty() {
        bail!("no queues given: WORKER_QUEUES or --queues must name at least one");
    }
    Ok(queues)
}

fn var_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_string())
}

fn parse_var<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T> {
    match std::env::var(name).ok().filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .ok()
            .with_context(|| format!("{name}={v:?} is not a valid number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queues_split_and_trim() {
        assert_eq!(split_queues(" a, b ,,c").unwrap(), vec!["a", "b", "c"]);
        assert!(split_queues(" , ").is_err());
    }
}
