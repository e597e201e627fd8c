//! Create message: Discord's validation (content length counted in
//! characters, embeds, nonce shape), `enforce_nonce` within the nonce
//! window, and posting into a thread unarchives it unless it is locked.

use super::fields::{optional_bool, optional_object, optional_string};
use super::reply::Reply;
use super::state::{timestamp_of, MessageEntry, State};
use super::types::StoredMessage;
use serde_json::{json, Map, Value};
use std::time::Instant;

pub(super) const BOT_USER_ID: &str = "1000000000000000001";
pub(super) const TIMESTAMP: &str = "2026-01-01T00:00:00.000000+00:00";
const MAX_CONTENT_CHARS: usize = 2000;
const MAX_NONCE_CHARS: usize = 25;
const MAX_EMBEDS: usize = 10;
const MAX_EMBED_CHARS: usize = 6000;

pub(super) struct NewMessage {
    content: String,
    nonce: Option<String>,
    enforce_nonce: bool,
    allowed_mentions: Option<Value>,
    embeds: Vec<Value>,
    flags: u64,
}

impl NewMessage {
    pub(super) fn content(&self) -> &str {
        &self.content
    }
}

pub(super) fn create_message(
    st: &mut State,
    channel_id: u64,
    body: &Value,
) -> Result<Reply, Reply> {
    let channel = st
        .channels
        .get(&channel_id)
        .ok_or_else(Reply::unknown_channel)?;
    let new = parse_new_message(body)?;
    super::forum::refuse_message(st, channel_id)?;
    super::automod::check_content(st, &new.content)?;
    if channel.thread.as_ref().is_some_and(|t| t.locked) {
        return Err(Reply::error(403, 160005, "Thread is locked"));
    }
    if let Some(existing) = find_by_nonce(st, &new) {
        return Ok(Reply::ok(existing));
    }
    if let Some(thread) = st
        .channels
        .get_mut(&channel_id)
        .and_then(|c| c.thread.as_mut())
    {
        thread.archived = false;
    }
    let id = st.next_id();
    let entry = message_entry(id, channel_id, new, body);
    let reply = Reply::ok(entry.json.clone());
    st.messages.push(entry);
    Ok(reply)
}

fn find_by_nonce(st: &State, new: &NewMessage) -> Option<Value> {
    let nonce = new.nonce.as_ref().filter(|_| new.enforce_nonce)?;
    let recent = st
        .messages
        .iter()
        .filter(|m| m.created.elapsed() < st.nonce_window);
    let mut same = recent.filter(|m| m.stored.nonce.as_ref() == Some(nonce));
    same.next().map(|m| m.json.clone())
}

pub(super) fn message_entry(
    id: u64,
    channel_id: u64,
    new: NewMessage,
    body: &Value,
) -> MessageEntry {
    let json = message_json(id, channel_id, &new);
    let stored = StoredMessage {
        id,
        channel_id,
        content: new.content,
        nonce: new.nonce,
        allowed_mentions: new.allowed_mentions,
        flags: new.flags,
        body: body.clone(),
    };
    MessageEntry {
        stored,
        created: Instant::now(),
        has_thread: false,
        json,
    }
}

fn message_json(id: u64, channel_id: u64, new: &NewMessage) -> Value {
    let mut json = json!({
        "id": id.to_string(),
        "channel_id": channel_id.to_string(),
        "type": 0,
        "content": new.content,
        "author": {
            "id": BOT_USER_ID, "username": "threadline", "discriminator": "0000",
            "bot": true, "avatar": null, "global_name": null,
        },
        "attachments": [],
        "embeds": new.embeds,
        "mentions": [],
        "mention_roles": [],
        "mention_everyone": false,
        "pinned": false,
        "tts": false,
        "timestamp": timestamp_of(id),
        "edited_timestamp": null,
        "flags": new.flags,
        "components": [],
    });
    if let Some(nonce) = &new.nonce {
        json["nonce"] = Value::String(nonce.clone());
    }
    json
}

pub(super) fn parse_new_message(body: &Value) -> Result<NewMessage, Reply> {
    let obj = body.as_object().ok_or_else(Reply::invalid_json)?;
    let content = optional_string(obj, "content")?.unwrap_or_default();
    if content.chars().count() > MAX_CONTENT_CHARS {
        return Err(Reply::invalid_form(
            "content",
            "Must be 2000 or fewer in length.",
        ));
    }
    let embeds = parse_embeds(obj)?;
    if content.is_empty() && embeds.is_empty() {
        return Err(Reply::error(400, 50006, "Cannot send an empty message"));
    }
    Ok(NewMessage {
        content,
        nonce: parse_nonce(obj)?,
        enforce_nonce: optional_bool(obj, "enforce_nonce")?.unwrap_or(false),
        allowed_mentions: optional_object(obj, "allowed_mentions")?,
        embeds,
        flags: parse_flags(obj)?,
    })
}

/// The flags a bot may set on a new message: `SUPPRESS_EMBEDS` (1 << 2)
/// and `SUPPRESS_NOTIFICATIONS` (1 << 12); Discord refuses others.
pub(super) fn parse_flags(obj: &Map<String, Value>) -> Result<u64, Reply> {
    const SETTABLE: u64 = (1 << 2) | (1 << 12);
    match obj.get("flags") {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(flags) if flags & !SETTABLE == 0 => Ok(flags),
            _ => Err(Reply::invalid_form("flags", "Invalid flags.")),
        },
        Some(_) => Err(Reply::invalid_form("flags", "Must be an integer.")),
    }
}

fn parse_nonce(obj: &Map<String, Value>) -> Result<Option<String>, Reply> {
    match obj.get("nonce") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.is_u64() || n.is_i64() => Ok(Some(n.to_string())),
        Some(Value::String(s)) if s.chars().count() <= MAX_NONCE_CHARS => Ok(Some(s.clone())),
        Some(_) => Err(Reply::invalid_form(
            "nonce",
            "Must be an integer or a string of 25 or fewer characters.",
        )),
    }
}

fn parse_embeds(obj: &Map<String, Value>) -> Result<Vec<Value>, Reply> {
    let embeds = match obj.get("embeds") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(embeds)) if embeds.len() <= MAX_EMBEDS => embeds,
        Some(_) => {
            return Err(Reply::invalid_form(
                "embeds",
                "Must be an array of 10 or fewer embeds.",
            ))
        }
    };
    if embeds.iter().any(|e| !e.is_object()) {
        return Err(Reply::invalid_form("embeds", "Must be objects."));
    }
    if embeds.iter().map(embed_chars).sum::<usize>() > MAX_EMBED_CHARS {
        return Err(Reply::invalid_form(
            "embeds",
            "Embed size exceeds maximum size of 6000",
        ));
    }
    Ok(embeds.iter().cloned().map(with_embed_type).collect())
}

// Discord fills in `type`, and twilight's Embed requires it.
fn with_embed_type(mut embed: Value) -> Value {
    if embed.get("type").is_none() {
        embed["type"] = json!("rich");
    }
    embed
}

fn embed_chars(embed: &Value) -> usize {
    let text = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
    let fields = embed["fields"].as_array().map_or(0, |fields| {
        fields
            .iter()
            .map(|f| text(&f["name"]) + text(&f["value"]))
            .sum()
    });
    text(&embed["title"])
        + text(&embed["description"])
        + text(&embed["footer"]["text"])
        + text(&embed["author"]["name"])
        + fields
}
