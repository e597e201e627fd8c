//! Settings of Threadline's GitHub REST client, shared by `worker` and the
//! `threadline` command line: who Threadline is towards GitHub (a token, or
//! an App), where GitHub is, and how often catch-up runs.

use super::{parse_var, var_or, Secret};
use anyhow::bail;
use std::time::Duration;

/// How Threadline authenticates to GitHub's REST API.
#[derive(Debug, Clone)]
pub enum GithubAuth {
    /// `GITHUB_TOKEN`: a personal access token, classic or fine-grained.
    Token(Secret),
    /// `GITHUB_APP_ID` plus `GITHUB_APP_PRIVATE_KEY` (the PEM text).
    App { app_id: String, private_key: Secret },
}

/// Settings of the GitHub client and of what uses it.
#[derive(Debug, Clone)]
pub struct GithubSettings {
    /// `None`: neither a token nor an App is configured, and every feature
    /// that needs the API is off.
    pub auth: Option<GithubAuth>,
    /// `GITHUB_API_URL`, without a trailing slash.
    pub api_url: String,
    /// `GITHUB_CATCH_UP_SECS` (default 300); `None` when 0 (off).
    pub catch_up_every: Option<Duration>,
    /// `THREADLINE_BACKFILL` (default on): backfill on ping and install.
    pub backfill_auto: bool,
}

impl GithubSettings {
    pub fn from_env() -> anyhow::Result<Self> {
        let token = var_or("GITHUB_TOKEN", "");
        let app_id = var_or("GITHUB_APP_ID", "");
        let key = var_or("GITHUB_APP_PRIVATE_KEY", "");
        let auth = match (token.is_empty(), app_id.is_empty(), key.is_empty()) {
            (true, true, true) => None,
            (_, false, false) => Some(GithubAuth::App {
                app_id,
                // Hosts that hold the PEM in one line escape its newlines.
                private_key: Secret(key.replace("\\n", "\n")),
            }),
            (_, false, true) => bail!("GITHUB_APP_ID is set but GITHUB_APP_PRIVATE_KEY is not"),
            (_, true, false) => bail!("GITHUB_APP_PRIVATE_KEY is set but GITHUB_APP_ID is not"),
            (false, true, true) => Some(GithubAuth::Token(Secret(token))),
        };
        let secs: u64 = parse_var("GITHUB_CATCH_UP_SECS", 300)?;
        Ok(GithubSettings {
            auth,
            api_url: var_or("GITHUB_API_URL", "https://api.github.com")
                .trim_end_matches('/')
                .to_string(),
            catch_up_every: (secs > 0).then(|| Duration::from_secs(secs)),
            backfill_auto: var_or("THREADLINE_BACKFILL", "1") != "0",
        })
    }

    /// Which mode is configured, for logs and `threadline check`; never a
    /// secret.
    pub fn mode(&self) -> String {
        match &self.auth {
            None => "off (neither GITHUB_TOKEN nor GITHUB_APP_ID is set)".to_string(),
            Some(GithubAuth::Token(_)) => "token (GITHUB_TOKEN)".to_string(),
            Some(GithubAuth::App { app_id, .. }) => format!("GitHub App {app_id}"),
        }
    }
}
