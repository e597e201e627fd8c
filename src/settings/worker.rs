//! Settings of the `worker` process: queues, concurrency, Discord and
//! the config file, with `--queues` and `--concurrency` winning over the
//! environment.

use super::{config_env, parse_var, var_or, Common, MetricsSettings, Secret};
use crate::config::Config;
use anyhow::{bail, Context as _};
use std::sync::Arc;
use std::time::Duration;

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
    /// GitHub's REST API, for catch-up and backfill.
    pub github: super::GithubSettings,
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
            github: super::GithubSettings::from_env()?,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queues_split_and_trim() {
        assert_eq!(split_queues(" a, b ,,c").unwrap(), vec!["a", "b", "c"]);
        assert!(split_queues(" , ").is_err());
    }
}
