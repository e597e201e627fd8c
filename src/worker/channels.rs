//! The routed channels, looked at once at start: each must be one the bot
//! can see, and its type decides how PRs appear in it. Text (0) and
//! announcement (5) channels get a thread per PR started from an intro;
//! forums (15) get a forum post per PR. Anything else stops the worker
//! with a message naming the route, before it fetches a job, and so does a
//! forum that requires a tag while it has none of the configured state
//! tags ([`super::forum::tags`]). A busy shared budget or a slow Discord
//! only makes the check wait ([`Discord::patiently`]).

use super::forum::{tags, Forum};
use crate::config::{Config, Route};
use crate::discord::{Discord, Retry};
use anyhow::{bail, Context as _};
use std::collections::HashMap;

/// Channel types threads and posts go under.
const TEXT: &[u8] = &[0, 5];
const FORUM: u8 = 15;

/// How PRs appear in one channel.
#[derive(Debug, Clone)]
pub enum Mode {
    Text,
    Forum(Forum),
}

/// Every routed channel's mode.
#[derive(Debug, Clone, Default)]
pub struct Channels {
    modes: HashMap<u64, Mode>,
    /// The guild of each channel read, for links to its threads.
    guilds: HashMap<u64, u64>,
}

impl Channels {
    /// Text mode for every channel: dry runs, and tests of other things.
    pub fn all_text() -> Channels {
        Channels::default()
    }

    /// The mode of `channel`; a channel not looked at is text.
    pub fn mode(&self, channel: u64) -> &Mode {
        self.modes.get(&channel).unwrap_or(&Mode::Text)
    }

    /// The guild of `channel`, when it was read at start.
    pub fn guild(&self, channel: u64) -> Option<u64> {
        self.guilds.get(&channel).copied()
    }

    /// Reads every routed channel, refusing what threads cannot go under.
    /// `retry` says what the reads wait through besides a busy budget.
    pub async fn inspect(
        discord: &Discord,
        config: &Config,
        retry: Retry,
    ) -> anyhow::Result<Channels> {
        let (mut modes, mut guilds) = (HashMap::new(), HashMap::new());
        for channel in config.channels() {
            let name = route_name(config, channel);
            // Waits for the shared budget, which other workers may be
            // draining a backlog through: only Discord's own answer stops.
            let what = format!("{name}: checking channel {channel}");
            let info = discord
                .patiently(
                    &what,
                    retry,
                    |d| async move { d.channel_info(channel).await },
                )
                .await
                .with_context(|| {
                    format!("{name}: channel {channel} cannot be read (does the bot see it?)")
                })?;
            let Some(info) = info else { continue };
            if let Some(guild) = info.guild_id.as_deref().and_then(|g| g.parse().ok()) {
                guilds.insert(channel, guild);
            }
            let mode = match info.kind {
                kind if TEXT.contains(&kind) => Mode::Text,
                FORUM => Mode::Forum(tags::resolve(&name, channel, &info, &config.forum)?),
                kind => bail!(
                    "{name}: channel {channel} is of type {kind}; routes need a text (0), announcement (5) or forum (15) channel"
                ),
            };
            modes.insert(channel, mode);
        }
        Ok(Channels { modes, guilds })
    }
}

/// Names the first route to `channel` for messages, e.g.
/// `route 2 (acme/*)`, or `DISCORD_CHANNEL_ID`.
pub fn route_name(config: &Config, channel: u64) -> String {
    let found = config
        .routes
        .iter()
        .enumerate()
        .find(|(_, r)| r.channel == Some(channel));
    match found {
        Some((i, Route { repo, .. })) => format!("routes[{i}] ({repo})"),
        None => "DISCORD_CHANNEL_ID".to_string(),
    }
}
