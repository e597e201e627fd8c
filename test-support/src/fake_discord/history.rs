//! Reading back, as Discord answers it: `GET /channels/{id}/messages`
//! (`limit` 1–100, default 50; one anchor of `around`, `before`, `after`;
//! always newest first, whatever the anchor; 10003 for an unknown channel)
//! and `GET /users/@me` (the bot). Plus what only a test can do: put a
//! message in a channel without a request, written by the bot or by a
//! person, so that "written by the bot" can be checked.

use super::messages::BOT_USER_ID;
use super::reply::Reply;
use super::state::{timestamp_of, MessageEntry, State};
use super::types::StoredMessage;
use super::FakeDiscord;
use serde_json::{json, Value};
use std::time::Instant;

const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 100;
/// Discord's message flag HAS_THREAD.
const HAS_THREAD: u64 = 1 << 5;
const PERSON_USER_ID: &str = "1000000000000000002";

/// Where a page of messages is taken from.
#[derive(Clone, Copy, Debug)]
pub(super) enum Anchor {
    Latest,
    Before(u64),
    After(u64),
    Around(u64),
}

/// A `GET /channels/{id}/messages` query, validated as Discord does.
#[derive(Clone, Copy, Debug)]
pub(super) struct Page {
    limit: usize,
    anchor: Anchor,
}

impl Page {
    /// Reads the query string; Discord honours one anchor, `around` first.
    pub(super) fn parse(query: &str) -> Result<Page, Reply> {
        let mut page = Page {
            limit: DEFAULT_LIMIT,
            anchor: Anchor::Latest,
        };
        let (mut before, mut after, mut around) = (None, None, None);
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            match name.as_ref() {
                "limit" => page.limit = limit(&value)?,
                "before" => before = Some(snowflake(&name, &value)?),
                "after" => after = Some(snowflake(&name, &value)?),
                "around" => around = Some(snowflake(&name, &value)?),
                _ => {}
            }
        }
        page.anchor = match (around, before, after) {
            (Some(id), _, _) => Anchor::Around(id),
            (None, Some(id), _) => Anchor::Before(id),
            (None, None, Some(id)) => Anchor::After(id),
            (None, None, None) => Anchor::Latest,
        };
        Ok(page)
    }
}

fn limit(raw: &str) -> Result<usize, Reply> {
    let n: i64 = raw
        .parse()
        .map_err(|_| Reply::invalid_form("limit", &format!("Value \"{raw}\" is not int.")))?;
    match n {
        n if n < 1 => Err(Reply::invalid_form(
            "limit",
            "int value should be greater than or equal to 1.",
        )),
        n if n > MAX_LIMIT as i64 => Err(Reply::invalid_form(
            "limit",
            "int value should be less than or equal to 100.",
        )),
        n => Ok(n as usize),
    }
}

fn snowflake(name: &str, raw: &str) -> Result<u64, Reply> {
    raw.parse()
        .map_err(|_| Reply::invalid_form(name, &format!("Value \"{raw}\" is not snowflake.")))
}

/// `GET /channels/{id}/messages`: the page, newest first.
pub(super) fn list_messages(st: &State, channel_id: u64, page: Page) -> Result<Reply, Reply> {
    if !st.channels.contains_key(&channel_id) {
        return Err(Reply::unknown_channel());
    }
    // Stored in creation order, which is id order.
    let all: Vec<&MessageEntry> = st
        .messages
        .iter()
        .filter(|m| m.stored.channel_id == channel_id)
        .collect();
    let newest_before = |id: u64, n: usize| {
        let older: Vec<_> = all.iter().filter(|m| m.stored.id < id).copied().collect();
        older[older.len().saturating_sub(n)..].to_vec()
    };
    let oldest_from = |id: u64, n: usize| -> Vec<&MessageEntry> {
        all.iter()
            .filter(|m| m.stored.id >= id)
            .take(n)
            .copied()
            .collect()
    };
    let mut chosen = match page.anchor {
        Anchor::Latest => newest_before(u64::MAX, page.limit),
        Anchor::Before(id) => newest_before(id, page.limit),
        Anchor::After(id) => oldest_from(id.saturating_add(1), page.limit),
        Anchor::Around(id) => {
            let mut around = newest_before(id, page.limit / 2);
            let rest = page.limit - around.len();
            around.extend(oldest_from(id, rest));
            around
        }
    };
    chosen.reverse();
    Ok(Reply::ok(Value::Array(
        chosen.into_iter().map(listed).collect(),
    )))
}

fn listed(m: &MessageEntry) -> Value {
    let mut json = m.json.clone();
    if m.has_thread {
        let flags = json["flags"].as_u64().unwrap_or(0);
        json["flags"] = json!(flags | HAS_THREAD);
    }
    json
}

/// `GET /users/@me`: the bot.
pub(super) fn current_user() -> Result<Reply, Reply> {
    Ok(Reply::ok(json!({
        "id": BOT_USER_ID,
        "username": "threadline",
        "discriminator": "0000",
        "global_name": null,
        "avatar": null,
        "banner": null,
        "accent_color": null,
        "bot": true,
        "system": false,
        "mfa_enabled": true,
        "locale": "en-US",
        "verified": true,
        "email": null,
        "flags": 0,
        "premium_type": 0,
        "public_flags": 0,
    })))
}

/// Who wrote a message that a test puts in a channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Author {
    /// The bot (the token's user), as if Threadline had posted it.
    Bot,
    /// A person in the channel.
    Person,
}

impl FakeDiscord {
    /// Puts a message in `channel` (a text channel or a thread) as if
    /// `author` had posted it now, without a request; returns its id.
    pub fn seed_message(&self, channel: u64, author: Author, content: &str) -> u64 {
        let mut st = self.lock();
        assert!(
            st.channels.contains_key(&channel),
            "fake discord: no channel {channel}"
        );
        let id = st.next_id();
        let json = seeded_json(id, channel, author, content);
        st.messages.push(MessageEntry {
            stored: StoredMessage {
                id,
                channel_id: channel,
                content: content.to_string(),
                nonce: None,
                allowed_mentions: None,
                flags: 0,
                body: Value::Null,
            },
            created: Instant::now(),
            has_thread: false,
            json,
        });
        id
    }
}

fn seeded_json(id: u64, channel: u64, author: Author, content: &str) -> Value {
    let author = match author {
        Author::Bot => json!({
            "id": BOT_USER_ID, "username": "threadline", "discriminator": "0000",
            "bot": true, "avatar": null, "global_name": null,
        }),
        Author::Person => json!({
            "id": PERSON_USER_ID, "username": "someone", "discriminator": "0",
            "avatar": null, "global_name": "Someone",
        }),
    };
    json!({
        "id": id.to_string(),
        "channel_id": channel.to_string(),
        "type": 0,
        "content": content,
        "author": author,
        "attachments": [],
        "embeds": [],
        "mentions": [],
        "mention_roles": [],
        "mention_everyone": false,
        "pinned": false,
        "tts": false,
        "timestamp": timestamp_of(id),
        "edited_timestamp": null,
        "flags": 0,
        "components": [],
    })
}
