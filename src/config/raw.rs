//! The config file exactly as written: every table refuses keys it does
//! not know, so a typo (`chanel = …`) stops the process instead of being
//! silently ignored. Values stay loose here (ids as text or numbers, enums
//! as text) and are checked in [`super::build`], which names the key.

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    #[serde(default)]
    pub routes: Vec<RawRoute>,
    #[serde(default)]
    pub people: BTreeMap<String, RawId>,
    #[serde(default)]
    pub teams: BTreeMap<String, RawId>,
    #[serde(default)]
    pub filters: RawFilters,
    #[serde(default)]
    pub forum: RawForum,
    pub reminders: Option<RawReminders>,
    #[serde(default)]
    pub dibs: RawDibs,
    /// Link previews in the messages Threadline sends (default off).
    pub embeds: Option<bool>,
    #[serde(default)]
    pub github: RawGithub,
    pub ci: Option<super::ci::RawCi>,
}

/// `[github]`: what Threadline does on GitHub itself.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGithub {
    /// Comment the thread's link on each PR (default off).
    pub backlink: Option<bool>,
}

/// A Discord id: TOML integers hold snowflakes, but people quote them.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RawId {
    Text(String),
    Number(i64),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRoute {
    pub repo: String,
    pub channel: Option<RawId>,
    #[serde(default)]
    pub mute: bool,
    pub filters: Option<RawFilters>,
    /// This route's own `embeds`, over the top-level one.
    pub embeds: Option<bool>,
    /// This route's own `[ci]` keys, over the top-level ones.
    pub ci: Option<super::ci::RawCi>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFilters {
    pub bots: Option<String>,
    pub bot_allowlist: Option<Vec<String>>,
    pub labels_include: Option<Vec<String>>,
    pub labels_exclude: Option<Vec<String>>,
    pub base_branches: Option<Vec<String>>,
    pub authors_exclude: Option<Vec<String>>,
    pub drafts: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawForum {
    #[serde(default)]
    pub tags: RawTags,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTags {
    pub open: Option<String>,
    pub draft: Option<String>,
    pub approved: Option<String>,
    pub changes_requested: Option<String>,
    pub merged: Option<String>,
    pub closed: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReminders {
    pub after: Option<String>,
    pub every: Option<String>,
    pub max: Option<i64>,
    pub quiet_hours: Option<RawQuiet>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuiet {
    pub from: String,
    pub to: String,
    pub tz: String,
    #[serde(default)]
    pub weekends: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDibs {
    pub resources: Option<Vec<String>>,
    pub max_hold: Option<String>,
    pub force_role: Option<RawId>,
}
