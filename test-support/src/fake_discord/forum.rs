//! Forum channels (type 15) on the fake: a forum's tags and REQUIRE_TAG
//! flag, `POST /channels/{forum}/threads` (a post and its first message,
//! which share one id, refused without a tag where one is required, with
//! an unknown tag, or with more than 5), `applied_tags` on a thread
//! (validated alike when PATCHed), and the thread listings:
//! `GET /guilds/{guild}/threads/active` and
//! `GET /channels/{id}/threads/archived/public`. Plus what only a test
//! does: make a forum, read its posts and their tags, and apply a tag by
//! hand as a person would.

use super::channels::{thread_json, GUILD_ID};
use super::messages::{message_entry, parse_new_message};
use super::reply::Reply;
use super::state::{Channel, State, ThreadInfo};
use super::types::StoredThread;
use super::FakeDiscord;
use serde_json::{json, Map, Value};

/// Discord's channel flag REQUIRE_TAG.
const REQUIRE_TAG: u64 = 1 << 4;
const MAX_APPLIED_TAGS: usize = 5;
const MAX_NAME_CHARS: usize = 100;

/// What makes a channel a forum.
pub(super) struct ForumInfo {
    pub tags: Vec<TagInfo>,
    pub require_tag: bool,
}

pub(super) struct TagInfo {
    pub id: u64,
    pub name: String,
    pub moderated: bool,
}

impl FakeDiscord {
    /// Creates a forum channel (type 15) with `tags` (name, moderated);
    /// returns its id and its tags' ids, in the order given.
    pub fn add_forum_channel(&self, tags: &[(&str, bool)], require_tag: bool) -> (u64, Vec<u64>) {
        let mut st = self.lock();
        let id = st.next_id();
        let tags: Vec<TagInfo> = tags
            .iter()
            .map(|(name, moderated)| TagInfo {
                id: st.next_id(),
                name: name.to_string(),
                moderated: *moderated,
            })
            .collect();
        let ids = tags.iter().map(|t| t.id).collect();
        let mut channel = Channel::text(id);
        channel.forum = Some(ForumInfo { tags, require_tag });
        st.channels.insert(id, channel);
        (id, ids)
    }

    /// The live posts of `forum`, oldest first.
    pub fn forum_posts(&self, forum: u64) -> Vec<StoredThread> {
        let mut posts: Vec<StoredThread> = self
            .threads()
            .into_iter()
            .filter(|t| t.parent_id == forum)
            .collect();
        posts.sort_by_key(|t| t.id);
        posts
    }

    /// The tags applied to a post, in their order.
    pub fn applied_tags(&self, post: u64) -> Vec<u64> {
        let st = self.lock();
        let thread = st.channels.get(&post).and_then(|c| c.thread.as_ref());
        thread.map(|t| t.applied_tags.clone()).unwrap_or_default()
    }

    /// Applies `tag` to `post` as a person would (no request, no limits).
    pub fn apply_tag_by_hand(&self, post: u64, tag: u64) {
        let mut st = self.lock();
        let thread = st.channels.get_mut(&post).and_then(|c| c.thread.as_mut());
        let thread = thread.expect("fake discord: no such post");
        assert!(
            thread.applied_tags.len() < MAX_APPLIED_TAGS,
            "a post has at most 5 tags"
        );
        thread.applied_tags.push(tag);
    }
}

/// A forum's channel JSON.
pub(super) fn forum_json(channel: &Channel, forum: &ForumInfo) -> Value {
    let tags: Vec<Value> = forum
        .tags
        .iter()
        .map(|t| {
            json!({
                "id": t.id.to_string(), "name": t.name, "moderated": t.moderated,
                "emoji_id": null, "emoji_name": null,
            })
        })
        .collect();
    json!({
        "id": channel.id.to_string(),
        "type": 15,
        "guild_id": GUILD_ID,
        "name": channel.name,
        "position": 0,
        "permission_overwrites": [],
        "nsfw": false,
        "topic": null,
        "last_message_id": null,
        "parent_id": null,
        "rate_limit_per_user": 0,
        "available_tags": tags,
        "default_reaction_emoji": null,
        "default_sort_order": null,
        "default_forum_layout": 0,
        "flags": if forum.require_tag { REQUIRE_TAG } else { 0 },
    })
}

/// Discord refuses messages posted to a forum itself.
pub(super) fn refuse_message(st: &State, channel_id: u64) -> Result<(), Reply> {
    match st.channels.get(&channel_id).and_then(|c| c.forum.as_ref()) {
        Some(_) => Err(Reply::error(
            400,
            50008,
            "Cannot send messages in a non-text channel",
        )),
        None => Ok(()),
    }
}

// ---- create a forum post ----

pub(super) fn create_post(st: &mut State, forum_id: u64, body: &Value) -> Result<Reply, Reply> {
    let channel = st
        .channels
        .get(&forum_id)
        .ok_or_else(Reply::unknown_channel)?;
    let Some(forum) = &channel.forum else {
        return Err(Reply::error(
            400,
            50024,
            "Cannot execute action on this channel type",
        ));
    };
    let obj = body.as_object().ok_or_else(Reply::invalid_json)?;
    let name = post_name(obj)?;
    let message = match obj.get("message") {
        Some(m @ Value::Object(_)) => m.clone(),
        _ => return Err(Reply::invalid_form("message", "This field is required")),
    };
    let new = parse_new_message(&message)?;
    super::automod::check_name(st, &name)?;
    super::automod::check_content(st, new.content())?;
    let tags = tags_of(forum, obj)?.unwrap_or_default();
    if forum.require_tag && tags.is_empty() {
        return Err(Reply::error(
            400,
            40067,
            "A tag is required to create a forum post in this channel",
        ));
    }
    let id = st.next_id();
    let entry = message_entry(id, id, new, &message);
    let thread = ThreadInfo {
        parent_id: forum_id,
        archived: false,
        locked: false,
        auto_archive_duration: archive_duration(obj),
        starter_message_id: None,
        applied_tags: tags,
    };
    let mut post = Channel {
        name,
        ..Channel::text(id)
    };
    let mut json = thread_json(&post, &thread, 1);
    json["message"] = entry.json.clone();
    post.thread = Some(thread);
    st.messages.push(entry);
    st.channels.insert(id, post);
    Ok(Reply::ok(json))
}

fn post_name(obj: &Map<String, Value>) -> Result<String, Reply> {
    match obj.get("name") {
        Some(Value::String(n)) if !n.is_empty() && n.chars().count() <= MAX_NAME_CHARS => {
            Ok(n.clone())
        }
        Some(Value::String(_)) => Err(Reply::invalid_form(
            "name",
            "Must be between 1 and 100 in length.",
        )),
        _ => Err(Reply::invalid_form("name", "This field is required")),
    }
}

fn archive_duration(obj: &Map<String, Value>) -> u64 {
    obj.get("auto_archive_duration")
        .and_then(Value::as_u64)
        .unwrap_or(4320)
}

/// `applied_tags` of a body: at most 5, each one of the forum's tags.
fn tags_of(forum: &ForumInfo, obj: &Map<String, Value>) -> Result<Option<Vec<u64>>, Reply> {
    let raw = match obj.get("applied_tags") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(raw)) => raw,
        Some(_) => return Err(Reply::invalid_form("applied_tags", "Must be an array.")),
    };
    if raw.len() > MAX_APPLIED_TAGS {
        return Err(Reply::invalid_form(
            "applied_tags",
            "Must be 5 or fewer in length.",
        ));
    }
    let mut tags = Vec::new();
    for tag in raw {
        let id = tag.as_str().and_then(|s| s.parse().ok());
        let known = id.filter(|id| forum.tags.iter().any(|t| t.id == *id));
        let id = known.ok_or_else(|| {
            Reply::invalid_form("applied_tags", "Tag is not available in this channel.")
        })?;
        tags.push(id);
    }
    Ok(Some(tags))
}

/// The tags a PATCH of thread `id` sets, validated against its forum.
pub(super) fn patched_tags(st: &State, id: u64, body: &Value) -> Result<Option<Vec<u64>>, Reply> {
    let Some(obj) = body.as_object() else {
        return Ok(None);
    };
    if obj.get("applied_tags").is_none() {
        return Ok(None);
    }
    let parent = st.channels.get(&id).and_then(|c| c.thread.as_ref());
    let forum = parent
        .and_then(|t| st.channels.get(&t.parent_id))
        .and_then(|c| c.forum.as_ref());
    let forum =
        forum.ok_or_else(|| Reply::invalid_form("applied_tags", "Only forum posts have tags."))?;
    tags_of(forum, obj)
}

// ---- listings ----

pub(super) fn active_threads(st: &State, _guild: u64) -> Result<Reply, Reply> {
    let threads = listed(st, |_, t| !t.archived);
    Ok(Reply::ok(json!({ "threads": threads, "members": [] })))
}

pub(super) fn archived_public(st: &State, channel_id: u64) -> Result<Reply, Reply> {
    if !st.channels.contains_key(&channel_id) {
        return Err(Reply::unknown_channel());
    }
    let threads = listed(st, |_, t| t.archived && t.parent_id == channel_id);
    Ok(Reply::ok(
        json!({ "threads": threads, "members": [], "has_more": false }),
    ))
}

fn listed(st: &State, keep: impl Fn(&Channel, &ThreadInfo) -> bool) -> Vec<Value> {
    let threads = st
        .channels
        .values()
        .filter_map(|c| Some((c, c.thread.as_ref()?)))
        .filter(|(c, t)| keep(c, t));
    threads
        .map(|(c, t)| thread_json(c, t, st.message_count(c.id)))
        .collect()
}
