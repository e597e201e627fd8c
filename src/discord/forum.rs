//! Forum posts: creating one (a thread with its first message, which takes
//! no nonce), reading and setting a post's applied tags, and listing a
//! forum's posts (active ones guild-wide, archived public ones per forum)
//! so that a post whose creation reply was lost can be found again.
//!
//! The bodies are written here as raw JSON: the post's message pings
//! nobody (`allowed_mentions: {parse: []}`), and tags are sent as the
//! snowflake strings Discord uses.

use super::{created_id, BeforeSend, Discord, DiscordError};
use twilight_http::request::Request;
use twilight_http::routing::Route;

/// `auto_archive_duration` of a new post: a week, like threads.
const ARCHIVE_MINUTES: u64 = 10080;
/// The most archived posts one page lists.
const ARCHIVED_PAGE: u64 = 100;

/// What a new forum post is made of.
#[derive(Debug, Clone)]
pub struct NewPost<'a> {
    pub name: &'a str,
    pub content: &'a str,
    pub tags: &'a [u64],
}

/// What `GET /channels/{post}` says of a post's tags and archived state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostState {
    pub applied_tags: Vec<u64>,
    pub archived: bool,
}

/// One thread of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedThread {
    pub id: u64,
    pub parent_id: u64,
    pub owner_id: u64,
}

#[derive(serde::Serialize)]
struct PostBody<'a> {
    name: &'a str,
    message: PostMessage<'a>,
    applied_tags: Vec<String>,
    auto_archive_duration: u64,
}

#[derive(serde::Serialize)]
struct PostMessage<'a> {
    content: &'a str,
    allowed_mentions: super::AllowedMentions,
    #[serde(skip_serializing_if = "Option::is_none")]
    flags: Option<u64>,
}

#[derive(serde::Deserialize)]
struct RawPost {
    #[serde(default)]
    applied_tags: Vec<String>,
    thread_metadata: Option<RawMetadata>,
}

#[derive(serde::Deserialize)]
struct RawMetadata {
    #[serde(default)]
    archived: bool,
}

#[derive(serde::Deserialize)]
struct RawList {
    #[serde(default)]
    threads: Vec<RawThread>,
}

#[derive(serde::Deserialize)]
struct RawThread {
    id: String,
    parent_id: Option<String>,
    owner_id: Option<String>,
}

impl Discord {
    /// Creates a post in `forum`; its id is its first message's id. Not
    /// idempotent: a repeat makes a second post. `before` runs once the
    /// budget grants the permit (see [`BeforeSend`]).
    pub async fn create_forum_post(
        &self,
        forum: u64,
        post: &NewPost<'_>,
        before: Option<BeforeSend<'_>>,
    ) -> Result<u64, DiscordError> {
        let Some(live) = &self.live else {
            if let Some(hook) = before {
                hook.await?;
            }
            log::info!(
                "DRY RUN: forum post {:?} in {forum}:\n{}",
                post.name,
                post.content
            );
            return Ok(super::id_from(&format!("{forum}/{}", post.content)));
        };
        let body = PostBody {
            name: post.name,
            message: PostMessage {
                content: post.content,
                allowed_mentions: super::AllowedMentions {
                    parse: [],
                    users: Vec::new(),
                },
                flags: self.message_flags(),
            },
            applied_tags: strings(post.tags),
            auto_archive_duration: ARCHIVE_MINUTES,
        };
        let route = Route::CreateForumThread { channel_id: forum };
        let request = json_request(&route, &body)?;
        created_id(self.call_after(live, request, before).await?)
    }

    /// The post's applied tags and whether it is archived.
    pub async fn post_state(&self, post: u64) -> Result<PostState, DiscordError> {
        let Some(live) = &self.live else {
            return Ok(PostState::default());
        };
        let route = Route::GetChannel { channel_id: post };
        let request = Request::builder(&route).build().map_err(super::invalid)?;
        let raw: RawPost = parse(&self.call(live, request).await?)?;
        Ok(PostState {
            applied_tags: raw
                .applied_tags
                .iter()
                .filter_map(|t| t.parse().ok())
                .collect(),
            archived: raw.thread_metadata.is_some_and(|m| m.archived),
        })
    }

    /// Sets the post's tags; `unarchive` also sets `archived: false`, which
    /// Discord requires to change an archived thread.
    pub async fn set_post_tags(
        &self,
        post: u64,
        tags: &[u64],
        unarchive: bool,
    ) -> Result<(), DiscordError> {
        let Some(live) = &self.live else {
            log::info!("DRY RUN: tags of post {post}: {tags:?}");
            return Ok(());
        };
        let mut body = serde_json::json!({ "applied_tags": strings(tags) });
        if unarchive {
            body["archived"] = serde_json::Value::Bool(false);
        }
        let route = Route::UpdateChannel { channel_id: post };
        let request = json_request(&route, &body)?;
        self.call(live, request).await.map(|_| ())
    }

    /// The guild's active threads (every channel's).
    pub async fn active_threads(&self, guild: u64) -> Result<Vec<ListedThread>, DiscordError> {
        let Some(live) = &self.live else {
            return Ok(Vec::new());
        };
        let route = Route::GetActiveThreads { guild_id: guild };
        let request = Request::builder(&route).build().map_err(super::invalid)?;
        listed(&self.call(live, request).await?)
    }

    /// The forum's most recently archived public posts (one page).
    pub async fn archived_posts(&self, forum: u64) -> Result<Vec<ListedThread>, DiscordError> {
        let Some(live) = &self.live else {
            return Ok(Vec::new());
        };
        let route = Route::GetPublicArchivedThreads {
            before: None,
            channel_id: forum,
            limit: Some(ARCHIVED_PAGE),
        };
        let request = Request::builder(&route).build().map_err(super::invalid)?;
        listed(&self.call(live, request).await?)
    }
}

fn json_request(route: &Route<'_>, body: &impl serde::Serialize) -> Result<Request, DiscordError> {
    let bytes = serde_json::to_vec(body).map_err(|e| DiscordError::Invalid(e.to_string()))?;
    Request::builder(route)
        .body(bytes)
        .build()
        .map_err(super::invalid)
}

fn strings(ids: &[u64]) -> Vec<String> {
    ids.iter().map(u64::to_string).collect()
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, DiscordError> {
    serde_json::from_slice(body)
        .map_err(|e| DiscordError::Transport(format!("unreadable answer: {e}")))
}

fn listed(body: &[u8]) -> Result<Vec<ListedThread>, DiscordError> {
    let raw: RawList = parse(body)?;
    let number = |s: &Option<String>| s.as_deref().and_then(|s| s.parse().ok()).unwrap_or(0);
    Ok(raw
        .threads
        .iter()
        .filter_map(|t| {
            Some(ListedThread {
                id: t.id.parse().ok()?,
                parent_id: number(&t.parent_id),
                owner_id: number(&t.owner_id),
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_keeps_threads_with_readable_ids() {
        let body = br#"{"threads":[
            {"id":"5","parent_id":"2","owner_id":"7","type":11},
            {"id":"x","parent_id":"2"},
            {"id":"6"}
        ],"members":[]}"#;
        let threads = listed(body).unwrap();
        assert_eq!(
            threads,
            [
                ListedThread {
                    id: 5,
                    parent_id: 2,
                    owner_id: 7
                },
                ListedThread {
                    id: 6,
                    parent_id: 0,
                    owner_id: 0
                },
            ]
        );
        assert!(listed(b"\"threads\"").is_err());
    }
}
