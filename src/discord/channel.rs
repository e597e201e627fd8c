//! Reading a channel's type and name, for `threadline check`: the routed
//! channel must be one the bot can see, of a type threads go under.

use super::{id, invalid, Discord, DiscordError};
use twilight_http::request::TryIntoRequest;

/// What `GET /channels/{id}` says about a channel.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct ChannelInfo {
    #[serde(rename = "type")]
    pub kind: u8,
    #[serde(default)]
    pub name: Option<String>,
}

impl Discord {
    /// The channel's type and name; `None` in dry-run mode.
    pub async fn channel_info(&self, channel: u64) -> Result<Option<ChannelInfo>, DiscordError> {
        let Some(live) = &self.live else {
            return Ok(None);
        };
        let request = live
            .builder
            .channel(id(channel)?)
            .try_into_request()
            .map_err(invalid)?;
        let body = self.call(live, request).await?;
        serde_json::from_slice(&body)
            .map(Some)
            .map_err(|e| DiscordError::Transport(format!("unreadable channel: {e}")))
    }
}
