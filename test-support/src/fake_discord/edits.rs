//! Edit message and delete message, as Discord does them for a bot's own
//! messages: the message must be in that channel (else 404 10008 Unknown
//! Message), the channel must exist (404 10003), and a message in an
//! archived thread cannot change (400 50083) nor one in a locked thread
//! (403 160005). An edit answers 200 with the whole message, with
//! `edited_timestamp` set; a delete answers 204 with no body. A deleted
//! message leaves its channel, as on Discord; tests still see it through
//! `deleted_messages`.

use super::fields::{optional_object, optional_string};
use super::reply::Reply;
use super::state::{MessageEntry, State};
use super::types::StoredMessage;
use super::FakeDiscord;
use serde_json::{json, Value};

const EDITED_TIMESTAMP: &str = "2026-01-01T00:00:01.000000+00:00";
const MAX_CONTENT_CHARS: usize = 2000;

pub(super) fn edit_message(
    st: &mut State,
    channel_id: u64,
    message_id: u64,
    body: &Value,
) -> Result<Reply, Reply> {
    changeable(st, channel_id)?;
    let obj = body.as_object().ok_or_else(Reply::invalid_json)?;
    let content = optional_string(obj, "content")?;
    if content
        .as_ref()
        .is_some_and(|c| c.chars().count() > MAX_CONTENT_CHARS)
    {
        return Err(Reply::invalid_form(
            "content",
            "Must be 2000 or fewer in length.",
        ));
    }
    let allowed_mentions = optional_object(obj, "allowed_mentions")?;
    // Only SUPPRESS_EMBEDS can be set or cleared by an edit.
    let flags = match obj.get("flags") {
        None | Some(Value::Null) => None,
        Some(_) => Some(super::messages::parse_flags(obj)? & (1 << 2)),
    };
    if let Some(content) = &content {
        super::automod::check_content(st, content)?;
    }
    let entry = find(st, channel_id, message_id)?;
    if let Some(flags) = flags {
        entry.stored.flags = flags;
        entry.json["flags"] = json!(flags);
    }
    if let Some(content) = content {
        let no_embeds = entry.json["embeds"].as_array().is_none_or(Vec::is_empty);
        if content.is_empty() && no_embeds {
            return Err(Reply::error(400, 50006, "Cannot send an empty message"));
        }
        entry.json["content"] = json!(content);
        entry.stored.content = content;
    }
    if allowed_mentions.is_some() {
        entry.stored.allowed_mentions = allowed_mentions;
    }
    entry.json["edited_timestamp"] = json!(EDITED_TIMESTAMP);
    Ok(Reply::ok(entry.json.clone()))
}

pub(super) fn delete_message(
    st: &mut State,
    channel_id: u64,
    message_id: u64,
) -> Result<Reply, Reply> {
    changeable(st, channel_id)?;
    find(st, channel_id, message_id)?;
    let at = st.messages.iter().position(|m| m.stored.id == message_id);
    if let Some(entry) = at.map(|i| st.messages.remove(i)) {
        st.deleted.push(entry.stored);
    }
    Ok(Reply::no_content())
}

/// Messages of a channel can change unless it is gone, or an archived or
/// locked thread.
fn changeable(st: &State, channel_id: u64) -> Result<(), Reply> {
    let channel = st
        .channels
        .get(&channel_id)
        .ok_or_else(Reply::unknown_channel)?;
    match &channel.thread {
        Some(t) if t.archived => Err(Reply::error(400, 50083, "Thread is archived")),
        Some(t) if t.locked => Err(Reply::error(403, 160005, "Thread is locked")),
        _ => Ok(()),
    }
}

fn find(st: &mut State, channel_id: u64, message_id: u64) -> Result<&mut MessageEntry, Reply> {
    st.messages
        .iter_mut()
        .find(|m| m.stored.id == message_id && m.stored.channel_id == channel_id)
        .ok_or_else(|| Reply::error(404, 10008, "Unknown Message"))
}

impl FakeDiscord {
    /// Messages deleted from that channel or thread, in deletion order.
    pub fn deleted_messages(&self, channel_id: u64) -> Vec<StoredMessage> {
        let st = self.lock();
        let deleted = st.deleted.iter().filter(|m| m.channel_id == channel_id);
        deleted.cloned().collect()
    }
}
