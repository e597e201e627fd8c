//! The versions of one GitHub comment, and its forwarded message kept in
//! line with the newest one.
//!
//! Each comment has a record in Redis (`pr:{repo}:{number}:comment:{id}`
//! for issue comments), kept as long as the guards: its newest version
//! (text or tombstone) with that version's `updated_at` and receive
//! sequence, a counter `v` of accepted versions, and `shown`, the counter
//! the Discord message shows. A version replaces the stored one only if it
//! is newer: later `updated_at`, or the same second and a later delivery.
//! A deletion is final (GitHub cannot edit a deleted comment), so it wins
//! over any version, and none wins over it.
//!
//! Creates, edits and deletions of one comment take turns (a claim), and
//! each brings the message in line with the record: the create posts the
//! newest version (or nothing, after a deletion), an edit or deletion
//! changes the message if there is one, and leaves only the record if not
//! (the comment is not forwarded yet, or never will be).

use crate::keys;
use crate::redis_conn::EFFECT_TTL;
use crate::worker::comments::follow::{self, Counts, Followed, Place, Wanted};
use crate::worker::once::claim::exclusively;
use crate::worker::pr::thread;
use crate::worker::{Context, JobError};
use redis::AsyncCommands;
use std::time::Duration;

/// How long one job may hold a comment's turn.
const TURN: Duration = Duration::from_secs(60);

/// Newer-wins for one comment's record, as a Lua function. Used by every
/// script that takes a version, so the rule lives in one place.
macro_rules! offer_lua {
    () => {
        r#"
local function offer(key, at, seq, deleted, text, ttl)
  local r = redis.call('HMGET', key, 'at', 'seq', 'deleted')
  local newer
  if r[3] == '1' then newer = false
  elseif not r[1] or deleted == '1' then newer = true
  elseif at ~= r[1] then newer = at > r[1]
  else newer = tonumber(seq) > tonumber(r[2]) end
  if newer then
    redis.call('HSET', key, 'at', at, 'seq', seq, 'deleted', deleted, 'text', text)
    redis.call('HINCRBY', key, 'v', 1)
  end
  redis.call('EXPIRE', key, ttl)
  return newer
end
"#
    };
}
pub(crate) use offer_lua;

const OFFER: &str = concat!(
    offer_lua!(),
    r#"
offer(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
return redis.call('HMGET', KEYS[1], 'deleted', 'text', 'v', 'shown', 'tried')
"#
);

/// One version of a comment: what its message should say (empty when
/// deleted), and where it stands in the comment's order.
pub struct Version<'a> {
    pub updated_at: &'a str,
    pub seq: u64,
    pub deleted: bool,
    pub text: &'a str,
}

/// The comment's record as stored after offering a version.
struct Record {
    /// The record's key, for [`Followed::set`].
    key: String,
    deleted: bool,
    text: String,
    counts: Counts,
}

impl Followed for Record {
    fn counts(&self) -> Counts {
        self.counts
    }

    fn wanted(&self, _place: Place<'_>) -> Wanted {
        if self.deleted {
            Wanted::Gone
        } else {
            Wanted::Text(self.text.clone())
        }
    }

    async fn set(&self, ctx: &Context, field: &str, v: u64) -> Result<(), JobError> {
        let mut redis = ctx.guards.redis();
        redis
            .hset::<_, _, _, ()>(ctx.guards.key(&self.key), field, v)
            .await
            .map_err(|e| JobError::redis("recording what a comment's message shows", e))
    }
}

/// An issue comment on a PR, forwarded as one message.
pub struct IssueComment {
    /// The record's key, and the prefix of the comment's other keys.
    key: String,
}

impl IssueComment {
    pub fn new(place: Place<'_>, comment_id: u64) -> Self {
        let key = keys::of_pr(place.repo, place.pr, &format!("comment:{comment_id}"));
        IssueComment { key }
    }

    /// A forced replay's copy of the comment, a message of its own (see
    /// [`crate::worker::comments::copies`]).
    pub fn copy(place: Place<'_>, comment_id: u64, tag: &str) -> Self {
        let comment = IssueComment::new(place, comment_id);
        IssueComment {
            key: format!("{}:copy:{tag}", comment.key),
        }
    }

    /// The guard of the comment's message: its Discord id once posted.
    fn posted(&self) -> String {
        format!("{}:posted", self.key)
    }

    /// The comment was created: post its newest version, once.
    pub async fn create(
        &self,
        ctx: &Context,
        place: Place<'_>,
        version: &Version<'_>,
    ) -> Result<(), JobError> {
        self.turn(ctx, place, version, true).await
    }

    /// The comment was edited or deleted: change its message, if any.
    pub async fn change(
        &self,
        ctx: &Context,
        place: Place<'_>,
        version: &Version<'_>,
    ) -> Result<(), JobError> {
        self.turn(ctx, place, version, false).await
    }

    async fn turn(
        &self,
        ctx: &Context,
        place: Place<'_>,
        version: &Version<'_>,
        create: bool,
    ) -> Result<(), JobError> {
        let work = async {
            let record = self.offer(ctx, version).await?;
            self.converge(ctx, place, &record, create).await
        };
        exclusively(ctx, &format!("{}:turn", self.key), TURN, work).await
    }

    async fn offer(&self, ctx: &Context, version: &Version<'_>) -> Result<Record, JobError> {
        let mut redis = ctx.guards.redis();
        let fields: Vec<Option<String>> = redis::Script::new(OFFER)
            .key(ctx.guards.key(&self.key))
            .arg(version.updated_at)
            .arg(version.seq)
            .arg(if version.deleted { "1" } else { "0" })
            .arg(version.text)
            .arg(EFFECT_TTL.as_secs())
            .invoke_async(&mut redis)
            .await
            .map_err(|e| JobError::redis("recording a comment version", e))?;
        let field = |i: usize| fields.get(i).cloned().flatten();
        let number = |i: usize| field(i).and_then(|s| s.parse().ok());
        Ok(Record {
            key: self.key.clone(),
            deleted: field(0).as_deref() == Some("1"),
            text: field(1).unwrap_or_default(),
            counts: Counts {
                v: number(2).unwrap_or(0),
                shown: number(3),
                tried: number(4),
            },
        })
    }

    async fn converge(
        &self,
        ctx: &Context,
        place: Place<'_>,
        record: &Record,
        create: bool,
    ) -> Result<(), JobError> {
        let posted = self.posted();
        let message = ctx.guards.get(&posted).await?;
        match message {
            // Deleted before it was forwarded: the PR still gets its thread.
            None if create && record.deleted => {
                thread::ensure_thread(ctx, place.repo, place.pr).await?;
                Ok(())
            }
            None if create => follow::post(ctx, place, record, &posted, &record.text).await,
            // Not forwarded (yet): the record is what a late create reads.
            None => Ok(()),
            Some(_) if record.counts.up_to_date() => Ok(()),
            Some(message) => follow::show_record(ctx, place, record, message).await,
        }
    }
}
