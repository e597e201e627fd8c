//! Reading a channel back: a page of its messages after a given message
//! id, and the bot's own user id.
//!
//! Discord forgets a message nonce after a few minutes, so a job that comes
//! back later cannot rely on it to avoid posting twice; it reads the
//! channel instead (`GET /channels/{id}/messages?after=…&limit=100`, which
//! needs Read Message History) and looks for a message of its own. Discord
//! answers newest first whatever the anchor; a page is handed back oldest
//! first here, so that callers page forward from its last id. The bot's id
//! (`GET /users/@me`) is asked once per client and kept.

use super::{id, invalid, Discord, DiscordError};
use twilight_http::request::TryIntoRequest;

/// The most messages Discord returns per page.
pub const PAGE_MAX: u16 = 100;

/// A message as read back: its id, who wrote it and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub id: u64,
    pub author_id: u64,
    pub content: String,
}

#[derive(serde::Deserialize)]
struct RawMessage {
    id: String,
    #[serde(default)]
    content: String,
    author: RawUser,
}

#[derive(serde::Deserialize)]
struct RawUser {
    id: String,
}

impl Discord {
    /// Up to `limit` (1–100) messages of `channel` right after message id
    /// `after`, oldest first. A dry run has nothing to read back.
    pub async fn messages_after(
        &self,
        channel: u64,
        after: u64,
        limit: u16,
    ) -> Result<Vec<Listed>, DiscordError> {
        let Some(live) = &self.live else {
            log::info!("DRY RUN: read channel {channel} after message {after}");
            return Ok(Vec::new());
        };
        let request = live
            .builder
            .channel_messages(id(channel)?)
            .after(id(after.max(1))?)
            .limit(limit)
            .try_into_request()
            .map_err(invalid)?;
        parse_page(&self.call(live, request).await?)
    }

    /// The bot's own user id, asked of Discord once per client.
    pub async fn own_user_id(&self) -> Result<u64, DiscordError> {
        let Some(live) = &self.live else {
            return Ok(0);
        };
        let me = live.me.get_or_try_init(|| async {
            let request = live
                .builder
                .current_user()
                .try_into_request()
                .map_err(invalid)?;
            let user: RawUser = serde_json::from_slice(&self.call(live, request).await?)
                .map_err(|e| unreadable(e.to_string()))?;
            snowflake(&user.id)
        });
        me.await.copied()
    }
}

/// Discord's page (newest first), oldest first.
fn parse_page(body: &[u8]) -> Result<Vec<Listed>, DiscordError> {
    let raw: Vec<RawMessage> =
        serde_json::from_slice(body).map_err(|e| unreadable(e.to_string()))?;
    let mut page = raw
        .into_iter()
        .map(|m| {
            Ok(Listed {
                id: snowflake(&m.id)?,
                author_id: snowflake(&m.author.id)?,
                content: m.content,
            })
        })
        .collect::<Result<Vec<_>, DiscordError>>()?;
    // Sorted by id rather than reversed: Discord's order of messages with
    // the same timestamp is not guaranteed.
    page.sort_by_key(|m| m.id);
    Ok(page)
}

fn snowflake(raw: &str) -> Result<u64, DiscordError> {
    raw.parse()
        .map_err(|_| unreadable(format!("{raw:?} is not a snowflake")))
}

fn unreadable(why: String) -> DiscordError {
    DiscordError::Transport(format!("unreadable answer: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_comes_back_oldest_first() {
        let body = br#"[
            {"id":"30","content":"c","author":{"id":"7","bot":true},"type":0},
            {"id":"20","content":"b","author":{"id":"8"}},
            {"id":"10","author":{"id":"7"}}
        ]"#;
        let page = parse_page(body).unwrap();
        let ids: Vec<u64> = page.iter().map(|m| m.id).collect();
        assert_eq!(ids, [10, 20, 30]);
        assert_eq!((page[1].author_id, page[1].content.as_str()), (8, "b"));
        assert_eq!(page[0].content, "");
    }

    #[test]
    fn a_broken_page_is_an_error_not_a_panic() {
        assert!(parse_page(b"{}").is_err());
        assert!(parse_page(br#"[{"id":"x","author":{"id":"1"}}]"#).is_err());
    }
}
