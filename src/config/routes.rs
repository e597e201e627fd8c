//! Which channel a repository's PRs go to: the first matching route wins,
//! then `DISCORD_CHANNEL_ID`, else the delivery is ignored. A channel that
//! more than one repository can reach gets repository-qualified thread
//! names, so that `#12` in it is never ambiguous.

use super::{Config, Filters};

/// `owner/name` (exact) or `owner/*`, compared case-insensitively as
/// GitHub does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepoPattern {
    Exact(String),
    Owner(String),
}

impl RepoPattern {
    pub fn parse(raw: &str) -> Option<RepoPattern> {
        let (owner, name) = raw.trim().split_once('/')?;
        let valid = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        match name {
            "*" if valid(owner) => Some(RepoPattern::Owner(owner.to_ascii_lowercase())),
            _ if valid(owner) && valid(name) => {
                Some(RepoPattern::Exact(raw.trim().to_ascii_lowercase()))
            }
            _ => None,
        }
    }

    pub fn matches(&self, full_name: &str) -> bool {
        let full = full_name.to_ascii_lowercase();
        match self {
            RepoPattern::Exact(exact) => full == *exact,
            RepoPattern::Owner(owner) => full
                .split_once('/')
                .is_some_and(|(o, _)| o == owner.as_str()),
        }
    }
}

/// One `[[routes]]` entry, checked, its filters merged over `[filters]`.
#[derive(Debug, Clone)]
pub struct Route {
    pub repo: RepoPattern,
    pub channel: Option<u64>,
    pub mute: bool,
    pub filters: Filters,
    /// Link previews in this route's messages (its own `embeds`, else the
    /// top-level one).
    pub embeds: bool,
    /// `[routes.ci]` over `[ci]`.
    pub ci: super::ci::CiSettings,
}

/// Where a repository's deliveries go.
#[derive(Debug, Clone, Copy)]
pub enum Destination<'a> {
    Channel {
        channel: u64,
        filters: &'a Filters,
        /// Thread names carry the repository (`rocket#12 Title`).
        qualified: bool,
    },
    /// A route says `mute = true`.
    Muted,
    /// No route matches and `DISCORD_CHANNEL_ID` is unset.
    Unrouted,
}

impl Config {
    /// Where `full_name`'s PRs go.
    pub fn destination(&self, full_name: &str) -> Destination<'_> {
        let (channel, filters) = match self.routes.iter().find(|r| r.repo.matches(full_name)) {
            Some(route) if route.mute => return Destination::Muted,
            Some(route) => (route.channel, &route.filters),
            None => (self.fallback, &self.filters),
        };
        match channel {
            Some(channel) => Destination::Channel {
                channel,
                filters,
                qualified: self.is_shared(channel),
            },
            None => Destination::Unrouted,
        }
    }

    /// Whether `full_name`'s messages show link previews: its route's
    /// `embeds`, else the top-level one (also for jobs of no repository).
    pub fn embeds_for(&self, full_name: Option<&str>) -> bool {
        let route = full_name.and_then(|n| self.routes.iter().find(|r| r.repo.matches(n)));
        route.map_or(self.embeds, |r| r.embeds)
    }

    /// What CI shows for `full_name`: its route's `[ci]`, else the top level.
    pub fn ci_for(&self, full_name: &str) -> &super::ci::CiSettings {
        let route = self.routes.iter().find(|r| r.repo.matches(full_name));
        route.map_or(&self.ci, |r| &r.ci)
    }

    /// The filters for `full_name` (the defaults when it goes nowhere).
    pub fn filters_for(&self, full_name: &str) -> &Filters {
        match self.destination(full_name) {
            Destination::Channel { filters, .. } => filters,
            _ => &self.filters,
        }
    }

    /// Whether more than one repository can reach `channel`: an `owner/*`
    /// route to it, several routes to it, or it is the fallback while any
    /// route exists.
    fn is_shared(&self, channel: u64) -> bool {
        let reaching: Vec<&Route> = self
            .routes
            .iter()
            .filter(|r| !r.mute && r.channel == Some(channel))
            .collect();
        reaching.len() > 1
            || reaching
                .iter()
                .any(|r| matches!(r.repo, RepoPattern::Owner(_)))
            || (self.fallback == Some(channel) && !self.routes.is_empty())
    }
}

impl std::fmt::Display for RepoPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RepoPattern::Exact(name) => f.write_str(name),
            RepoPattern::Owner(owner) => write!(f, "{owner}/*"),
        }
    }
}
