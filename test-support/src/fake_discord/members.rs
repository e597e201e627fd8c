//! Thread members, as Discord keeps them: `PUT` and `DELETE
//! /channels/{thread}/thread-members/{user}` answer 204 (adding a member
//! twice is a no-op), `GET /channels/{thread}/thread-members` lists them.
//! The thread must exist (404 10003) and be a thread (400 50024); adding
//! or removing needs it unarchived (400 50083). Tests read the members
//! back with `thread_members`, and every call with `requests`.

use super::reply::Reply;
use super::state::{timestamp_of, State};
use super::FakeDiscord;
use serde_json::{json, Value};

pub(super) fn add_member(st: &mut State, thread: u64, user: u64) -> Result<Reply, Reply> {
    changeable(st, thread)?;
    st.members.entry(thread).or_default().insert(user);
    Ok(Reply::no_content())
}

pub(super) fn remove_member(st: &mut State, thread: u64, user: u64) -> Result<Reply, Reply> {
    changeable(st, thread)?;
    if let Some(members) = st.members.get_mut(&thread) {
        members.remove(&user);
    }
    Ok(Reply::no_content())
}

pub(super) fn list_members(st: &mut State, thread: u64) -> Result<Reply, Reply> {
    is_thread(st, thread)?;
    let members = st.members.get(&thread).into_iter().flatten();
    let list: Vec<Value> = members
        .map(|user| {
            json!({
                "id": thread.to_string(),
                "user_id": user.to_string(),
                "join_timestamp": timestamp_of(thread),
                "flags": 0,
            })
        })
        .collect();
    Ok(Reply::ok(Value::Array(list)))
}

fn is_thread(st: &State, thread: u64) -> Result<bool, Reply> {
    let channel = st
        .channels
        .get(&thread)
        .ok_or_else(Reply::unknown_channel)?;
    match &channel.thread {
        Some(info) => Ok(info.archived),
        None => Err(Reply::error(
            400,
            50024,
            "Cannot execute action on this channel type",
        )),
    }
}

fn changeable(st: &State, thread: u64) -> Result<(), Reply> {
    if is_thread(st, thread)? {
        return Err(Reply::error(400, 50083, "Thread is archived"));
    }
    Ok(())
}

impl FakeDiscord {
    /// The users who are members of that thread, in id order.
    pub fn thread_members(&self, thread: u64) -> Vec<u64> {
        let st = self.lock();
        let members = st.members.get(&thread).into_iter().flatten();
        members.copied().collect()
    }
}
