//! The config file (`THREADLINE_CONFIG`, TOML): routes from repositories
//! to channels, GitHub people and teams to Discord users and roles, noise
//! filters, forum tags, review reminders and dibs resources.
//!
//! Both `web` and `worker` read it at start, and a bad file stops them
//! before they serve or fetch, with a message naming the key. Secrets
//! never go in it; the environment still sets what it set before. Without
//! a file, everything is routed to `DISCORD_CHANNEL_ID` with the default
//! filters and nobody is mentioned: today's behaviour.

mod build;
pub mod ci;
pub mod dibs;
pub mod filters;
mod raw;
pub mod routes;
#[cfg(test)]
mod tests;

pub use filters::{Bots, Drafts, Filters, PrFacts};
pub use routes::{Destination, RepoPattern, Route};

use anyhow::Context as _;
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

/// The whole configuration, checked.
#[derive(Debug, Clone)]
pub struct Config {
    pub routes: Vec<Route>,
    /// `DISCORD_CHANNEL_ID`: where repositories no route matches go.
    pub fallback: Option<u64>,
    /// `[filters]` with defaults applied: what unrouted repositories get.
    pub filters: Filters,
    /// Lowercase GitHub login → Discord user id.
    pub people: HashMap<String, u64>,
    /// Lowercase `org/slug` → Discord role id.
    pub teams: HashMap<String, u64>,
    pub forum: ForumTags,
    /// `None` unless `[reminders]` is present (and `REVIEW_REMINDERS` is not 0).
    pub reminders: Option<Reminders>,
    pub dibs: Dibs,
    /// Backfill on a hook's `ping` and an App's install: the GitHub API is
    /// configured and `THREADLINE_BACKFILL` is not 0.
    pub auto_backfill: bool,
    /// `embeds = true`: messages show link previews. Off by default
    /// (`SUPPRESS_EMBEDS`), so that a URL in GitHub text unfurls nothing.
    pub embeds: bool,
    /// `[github] backlink = true`: comment the thread's link on each PR
    /// once its thread exists (needs GitHub credentials). Off by default.
    pub backlink: bool,
    /// `[ci]`: what CI shows for repositories no route matches.
    pub ci: ci::CiSettings,
}

/// What the environment contributes to the config.
#[derive(Debug, Clone, Default)]
pub struct EnvOverrides {
    pub fallback: Option<u64>,
    /// `FORWARD_BOT_EVENTS=1`: the default of `bots` becomes "forward".
    pub forward_bots: bool,
    /// `REVIEW_REMINDERS=0`.
    pub reminders_off: bool,
    /// GitHub credentials set and `THREADLINE_BACKFILL` not 0.
    pub auto_backfill: bool,
}

/// Forum tag names per PR state (`[forum.tags]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForumTags {
    pub open: String,
    pub draft: String,
    pub approved: String,
    pub changes_requested: String,
    pub merged: String,
    pub closed: String,
}

impl ForumTags {
    /// Every configured name, in state order.
    pub fn all(&self) -> [&str; 6] {
        [
            &self.open,
            &self.draft,
            &self.approved,
            &self.changes_requested,
            &self.merged,
            &self.closed,
        ]
    }
}

/// `[reminders]`: nudges for requested reviews.
#[derive(Debug, Clone, PartialEq)]
pub struct Reminders {
    pub after: Duration,
    pub every: Duration,
    /// Every nudge counts, the first included.
    pub max: u32,
    pub quiet_hours: Option<QuietHours>,
}

/// A daily window (possibly across midnight) when no reminder is posted.
#[derive(Debug, Clone, PartialEq)]
pub struct QuietHours {
    pub from: chrono::NaiveTime,
    pub to: chrono::NaiveTime,
    pub tz: chrono_tz::Tz,
    /// All of Saturday and Sunday are quiet too.
    pub weekends: bool,
}

/// `[dibs]`: which resources may be claimed, the longest hold without
/// `for:`, the role that may force a release.
pub use dibs::DibsSettings as Dibs;

impl Config {
    /// The config without a file: today's routing and filters.
    pub fn without_file(env: &EnvOverrides) -> Config {
        build::build(raw::RawConfig::default(), env).unwrap_or_else(|_| unreachable!())
    }

    /// Reads the file at `path` (`THREADLINE_CONFIG`) when there is one,
    /// or gives the config without a file.
    pub fn read(path: &str, env: &EnvOverrides) -> anyhow::Result<Config> {
        match path.trim() {
            "" => Ok(Config::without_file(env)),
            path => Config::load(Path::new(path), env),
        }
    }

    /// Reads and checks a config file.
    pub fn load(path: &Path, env: &EnvOverrides) -> anyhow::Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("THREADLINE_CONFIG: cannot read {}", path.display()))?;
        Config::parse(&text, env)
            .with_context(|| format!("THREADLINE_CONFIG {} is invalid", path.display()))
    }

    /// Parses and checks config text.
    pub fn parse(text: &str, env: &EnvOverrides) -> anyhow::Result<Config> {
        let raw: raw::RawConfig = toml::from_str(text).map_err(|e| anyhow::anyhow!("{e}"))?;
        build::build(raw, env)
    }

    /// The Discord user id of a GitHub login, if mapped.
    pub fn person(&self, login: &str) -> Option<u64> {
        self.people.get(&login.to_ascii_lowercase()).copied()
    }

    /// The Discord role id of a GitHub team (`org/slug`), if mapped.
    pub fn team(&self, org_slug: &str) -> Option<u64> {
        self.teams.get(&org_slug.to_ascii_lowercase()).copied()
    }

    /// Every channel a repository can be routed to, the fallback included.
    pub fn channels(&self) -> Vec<u64> {
        let mut all: Vec<u64> = self.routes.iter().filter_map(|r| r.channel).collect();
        all.extend(self.fallback);
        all.sort_unstable();
        all.dedup();
        all
    }
}
