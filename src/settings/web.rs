//! Settings of the `web` process: the door's bounds, metrics, the
//! delivery log, the config file and Dibs.

use super::{config_env, parse_var, var_or, Common, Secret};
use crate::config::Config;
use anyhow::{bail, Context as _};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
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
    /// `METRICS_ADDR`:`METRICS_PORT` (worker only): where to serve them;
    /// without `METRICS_PORT`, nowhere. `web` serves them on `$PORT`.
    pub port: Option<SocketAddr>,
}

/// The worker's metrics endpoint binds every interface unless
/// `METRICS_ADDR` says otherwise, as it always has (a scraper on another
/// host or container reaches it).
pub const DEFAULT_METRICS_ADDR: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);

impl MetricsSettings {
    pub(super) fn from_env() -> anyhow::Result<Self> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// From `var`: a variable's value as set (empty when set empty),
    /// `None` when unset.
    pub(super) fn from_vars(var: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let port: Option<u16> = match var("METRICS_PORT").unwrap_or_default().trim() {
            "" => None,
            raw => Some(raw.parse().context("METRICS_PORT must be a port number")?),
        };
        let ip = match var("METRICS_ADDR").unwrap_or_default().trim() {
            "" => DEFAULT_METRICS_ADDR,
            raw => raw.parse().with_context(|| {
                format!(
                    "METRICS_ADDR must be an IP address to bind, such as 127.0.0.1; got {raw:?}"
                )
            })?,
        };
        // Set but blank is a token lost on the way (an empty secret in a
        // deploy tool, a quoting slip), not a wish for open metrics.
        let token = match var("METRICS_TOKEN") {
            None => None,
            Some(t) if t.trim().is_empty() => bail!(
                "METRICS_TOKEN is set but blank, which would leave /metrics open: \
                 set a token, or unset the variable to serve metrics without one"
            ),
            Some(t) => Some(Secret(t)),
        };
        Ok(MetricsSettings {
            token,
            port: port.map(|p| SocketAddr::new(ip, p)),
        })
    }
}

/// `GITHUB_WEBHOOK_SECRET`: one secret, or several comma-separated for
/// rotation, none of them blank. A value that lists a blank one (`,`,
/// `" "`, `new,`) would start and then refuse every delivery signed with
/// it, so it stops `web` instead; the message names the entry by position,
/// never by value.
fn webhook_secret(raw: Option<String>) -> anyhow::Result<Secret> {
    let raw = raw.unwrap_or_default();
    if raw.is_empty() {
        bail!("GITHUB_WEBHOOK_SECRET is not set: web refuses to accept unsigned webhooks");
    }
    let entries: Vec<&str> = raw.split(',').collect();
    if let Some(blank) = entries.iter().position(|e| e.trim().is_empty()) {
        bail!(
            "GITHUB_WEBHOOK_SECRET: secret #{} of {} is blank; list one or more non-blank \
             secrets, comma-separated",
            blank + 1,
            entries.len()
        );
    }
    Ok(Secret(raw))
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
            // GitHub's largest delivery (25 MiB) fits within the 31/32
            // large bodies may fill. Deliveries of usual size (tens of KB)
            // are bounded by the connection cap well before this, which
            // keeps web under its memory target (BENCHMARKS.md, issue 23).
            max_inflight_body: 26 << 20,
            // GitHub's own delivery timeout.
            body_timeout: Duration::from_secs(10),
            // About 24 KB of web's memory each beside the body budget
            // (actix's read and write buffers; a slow body's connection is
            // counted in the budget), so 256 stay within ~6 MB; more wait
            // in the kernel's accept queue, which costs web nothing. Not
            // fewer: an idle keep-alive connection holds its slot for the
            // keep-alive (5 s), so a burst past the cap waits that long,
            // and Discord wants an interaction answered within 3 s.
            max_connections: 256,
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
        let webhook_secret = webhook_secret(std::env::var("GITHUB_WEBHOOK_SECRET").ok())?;
        let common = Common::from_env()?;
        let config = Arc::new(web_config()?);
        let mut dibs = DibsWebSettings::from_env()?;
        dibs.dibs = config.dibs.clone();
        Ok(WebSettings {
            reserve_for: common.reserve_for,
            common,
            port: parse_var("PORT", 3000)?,
            webhook_secret,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn a_webhook_secret_listing_a_blank_entry_stops_web() {
        for raw in [",", " ", " , ", "new,", ",old", "new,,old", "\t"] {
            let refused = webhook_secret(Some(raw.into())).unwrap_err().to_string();
            assert!(refused.contains("is blank"), "{raw:?}: {refused}");
        }
        let unset = webhook_secret(None).unwrap_err().to_string();
        assert!(unset.contains("not set"), "{unset}");
        assert!(webhook_secret(Some(String::new())).is_err());
        let refused = webhook_secret(Some("s3cr3t-value, ".into())).unwrap_err();
        assert!(!format!("{refused:#}").contains("s3cr3t"), "{refused:#}");
        assert_eq!(
            webhook_secret(Some("new, old".into())).unwrap().expose(),
            "new, old"
        );
    }

    #[test]
    fn a_blank_metrics_token_stops_the_process_and_an_unset_one_is_none() {
        for blank in ["", "  "] {
            let refused = MetricsSettings::from_vars(vars(&[("METRICS_TOKEN", blank)]));
            assert!(refused
                .unwrap_err()
                .to_string()
                .contains("METRICS_TOKEN is set but blank"));
        }
        let open = MetricsSettings::from_vars(vars(&[])).unwrap();
        assert!(open.token.is_none() && open.port.is_none());
        let closed = MetricsSettings::from_vars(vars(&[("METRICS_TOKEN", "t0k")])).unwrap();
        assert_eq!(closed.token.unwrap().expose(), "t0k");
    }

    #[test]
    fn the_worker_metrics_address_is_a_setting() {
        let at = |pairs: &[(&str, &str)]| MetricsSettings::from_vars(vars(pairs)).map(|m| m.port);
        assert_eq!(
            at(&[("METRICS_PORT", "9090")]).unwrap(),
            Some("0.0.0.0:9090".parse().unwrap())
        );
        let local = at(&[("METRICS_PORT", "9090"), ("METRICS_ADDR", "127.0.0.1")]);
        assert_eq!(local.unwrap(), Some("127.0.0.1:9090".parse().unwrap()));
        let v6 = at(&[("METRICS_PORT", "9090"), ("METRICS_ADDR", "::1")]);
        assert_eq!(v6.unwrap(), Some("[::1]:9090".parse().unwrap()));
        assert_eq!(at(&[("METRICS_ADDR", "127.0.0.1")]).unwrap(), None);
        let wrong = at(&[("METRICS_PORT", "9090"), ("METRICS_ADDR", "localhost:1")]);
        assert!(wrong.unwrap_err().to_string().contains("METRICS_ADDR"));
    }
}
