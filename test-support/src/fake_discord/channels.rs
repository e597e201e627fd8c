//! Threads and channels: start a thread from a message (once per
//! message), update a channel (rename window, archived threads), get a
//! channel, and the channel JSON twilight parses.

use super::endpoint::BucketKind;
use super::fields::{optional_bool, optional_string};
use super::forum::{forum_json, patched_tags};
use super::messages::{BOT_USER_ID, TIMESTAMP};
use super::reply::Reply;
use super::state::{Channel, State, ThreadInfo, RENAMES_PER_WINDOW};
use serde_json::{json, Map, Value};
use std::collections::VecDeque;
use std::time::Instant;

pub(super) const GUILD_ID: &str = "1";
const ARCHIVE_DURATIONS: [u64; 4] = [60, 1440, 4320, 10080];
const DEFAULT_ARCHIVE_DURATION: u64 = 1440;
const MAX_NAME_CHARS: usize = 100;

// ---- start thread from message ----

pub(super) fn start_thread(
    st: &mut State,
    channel_id: u64,
    message_id: u64,
    body: &Value,
) -> Result<Reply, Reply> {
    let channel = st
        .channels
        .get(&channel_id)
        .ok_or_else(Reply::unknown_channel)?;
    if channel.thread.is_some() {
        return Err(Reply::error(
            400,
            50024,
            "Cannot execute action on this channel type",
        ));
    }
    let obj = body.as_object().ok_or_else(Reply::invalid_json)?;
    let name = required_name(obj)?;
    super::automod::check_name(st, &name)?;
    let auto_archive_duration = parse_archive_duration(obj)?.unwrap_or(DEFAULT_ARCHIVE_DURATION);
    let entry = st
        .messages
        .iter_mut()
        .find(|m| m.stored.id == message_id && m.stored.channel_id == channel_id);
    let entry = entry.ok_or_else(|| Reply::error(404, 10008, "Unknown Message"))?;
    if entry.has_thread {
        return Err(Reply::error(
            400,
            160004,
            "A thread has already been created for this message",
        ));
    }
    entry.has_thread = true;
    let thread = ThreadInfo {
        parent_id: channel_id,
        archived: false,
        locked: false,
        auto_archive_duration,
        starter_message_id: Some(message_id),
        applied_tags: Vec::new(),
    };
    let channel = Channel {
        id: message_id,
        name,
        renames: VecDeque::new(),
        thread: Some(thread),
        forum: None,
    };
    let reply = Reply::ok(channel_json(st, &channel));
    st.channels.insert(message_id, channel);
    Ok(reply)
}

fn required_name(obj: &Map<String, Value>) -> Result<String, Reply> {
    optional_name(obj)?.ok_or_else(|| Reply::invalid_form("name", "This field is required"))
}

fn optional_name(obj: &Map<String, Value>) -> Result<Option<String>, Reply> {
    let name = optional_string(obj, "name")?;
    match name {
        Some(n) if n.is_empty() || n.chars().count() > MAX_NAME_CHARS => Err(Reply::invalid_form(
            "name",
            "Must be between 1 and 100 in length.",
        )),
        name => Ok(name),
    }
}

fn parse_archive_duration(obj: &Map<String, Value>) -> Result<Option<u64>, Reply> {
    match obj.get("auto_archive_duration") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_u64().filter(|d| ARCHIVE_DURATIONS.contains(d)) {
            Some(d) => Ok(Some(d)),
            None => Err(Reply::invalid_form(
                "auto_archive_duration",
                "Value must be one of {60, 1440, 4320, 10080}.",
            )),
        },
    }
}

// ---- update channel ----

struct ChannelPatch {
    name: Option<String>,
    archived: Option<bool>,
    locked: Option<bool>,
    auto_archive_duration: Option<u64>,
}

pub(super) fn update_channel(st: &mut State, id: u64, body: &Value) -> Result<Reply, Reply> {
    let window = st.rename_window;
    let tags = patched_tags(st, id, body)?;
    if let Some(name) = body.get("name").and_then(Value::as_str) {
        super::automod::check_name(st, name)?;
    }
    let channel = st
        .channels
        .get_mut(&id)
        .ok_or_else(Reply::unknown_channel)?;
    let obj = body.as_object().ok_or_else(Reply::invalid_json)?;
    let patch = ChannelPatch {
        name: optional_name(obj)?,
        archived: optional_bool(obj, "archived")?,
        locked: optional_bool(obj, "locked")?,
        auto_archive_duration: parse_archive_duration(obj)?,
    };
    check_archived(channel, &patch)?;
    let renamed = patch.name.as_ref().is_some_and(|n| *n != channel.name);
    if renamed {
        if let Some(wait) = channel.rename_wait(window) {
            return Err(Reply::rate_limited(
                wait,
                RENAMES_PER_WINDOW as u32,
                BucketKind::UpdateChannel.hash(),
            ));
        }
        channel.renames.push_back(Instant::now());
    }
    apply_patch(channel, patch);
    if let (Some(tags), Some(t)) = (tags, channel.thread.as_mut()) {
        t.applied_tags = tags;
    }
    let channel = &st.channels[&id];
    Ok(Reply::ok(channel_json(st, channel)))
}

/// Discord refuses changes to an archived thread unless they unarchive it.
fn check_archived(channel: &Channel, patch: &ChannelPatch) -> Result<(), Reply> {
    let Some(t) = &channel.thread else {
        return Ok(());
    };
    if !t.archived || patch.archived == Some(false) {
        return Ok(());
    }
    let renamed = patch.name.as_ref().is_some_and(|n| *n != channel.name);
    let changed = renamed
        || differs(patch.locked, t.locked)
        || differs(patch.auto_archive_duration, t.auto_archive_duration);
    if changed {
        return Err(Reply::error(400, 50083, "Thread is archived"));
    }
    Ok(())
}

fn differs<T: PartialEq>(new: Option<T>, old: T) -> bool {
    new.is_some_and(|n| n != old)
}

fn apply_patch(channel: &mut Channel, patch: ChannelPatch) {
    if let Some(name) = patch.name {
        channel.name = name;
    }
    let Some(t) = channel.thread.as_mut() else {
        return;
    };
    t.archived = patch.archived.unwrap_or(t.archived);
    t.locked = patch.locked.unwrap_or(t.locked);
    t.auto_archive_duration = patch
        .auto_archive_duration
        .unwrap_or(t.auto_archive_duration);
}

// ---- get channel ----

pub(super) fn get_channel(st: &State, id: u64) -> Result<Reply, Reply> {
    let channel = st.channels.get(&id).ok_or_else(Reply::unknown_channel)?;
    Ok(Reply::ok(channel_json(st, channel)))
}

fn channel_json(st: &State, channel: &Channel) -> Value {
    if let Some(forum) = &channel.forum {
        return forum_json(channel, forum);
    }
    match &channel.thread {
        None => text_channel_json(channel),
        Some(t) => thread_json(channel, t, st.message_count(channel.id)),
    }
}

fn text_channel_json(channel: &Channel) -> Value {
    json!({
        "id": channel.id.to_string(),
        "type": 0,
        "guild_id": GUILD_ID,
        "name": channel.name,
        "position": 0,
        "permission_overwrites": [],
        "nsfw": false,
        "topic": null,
        "last_message_id": null,
        "parent_id": null,
        "rate_limit_per_user": 0,
        "flags": 0,
    })
}

pub(super) fn thread_json(channel: &Channel, t: &ThreadInfo, message_count: usize) -> Value {
    json!({
        "id": channel.id.to_string(),
        "type": 11,
        "guild_id": GUILD_ID,
        "parent_id": t.parent_id.to_string(),
        "name": channel.name,
        "owner_id": BOT_USER_ID,
        "thread_metadata": {
            "archived": t.archived,
            "auto_archive_duration": t.auto_archive_duration,
            "archive_timestamp": TIMESTAMP,
            "locked": t.locked,
        },
        "message_count": message_count,
        "total_message_sent": message_count,
        "member_count": 1,
        "rate_limit_per_user": 0,
        "flags": 0,
        "applied_tags": t.applied_tags.iter().map(u64::to_string).collect::<Vec<_>>(),
    })
}
