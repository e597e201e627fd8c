//! Settings of the `threadline` command line.

use super::{parse_var, var_or, Common, Secret};
use anyhow::Context as _;

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
