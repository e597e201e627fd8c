//! Reading a channel's type, name and (for a forum) its tags: the worker
//! and `threadline check` look at every routed channel at start.

use super::{Discord, DiscordError};

/// What `GET /channels/{id}` says about a channel.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct ChannelInfo {
    #[serde(rename = "type")]
    pub kind: u8,
    pub name: Option<String>,
    /// A forum's tags (type 15); empty for other channels.
    #[serde(default)]
    pub available_tags: Vec<ForumTag>,
    /// Channel flags; a forum with `REQUIRE_TAG` (1 << 4) refuses posts
    /// without a tag.
    #[serde(default)]
    pub flags: u64,
    /// The guild the channel is in, whose active threads list a forum's posts.
    pub guild_id: Option<String>,
}

/// One tag a forum offers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct ForumTag {
    /// A snowflake, as Discord sends it: a string.
    pub id: String,
    pub name: String,
    /// Only members with Manage Threads may apply it.
    #[serde(default)]
    pub moderated: bool,
}

impl Discord {
    /// The channel's type and name; `None` in dry-run mode.
    pub async fn channel_info(&self, channel: u64) -> Result<Option<ChannelInfo>, DiscordError> {
        self.read_channel(channel).await
    }
}
