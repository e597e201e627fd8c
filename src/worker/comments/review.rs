//! Line comments of one review, posted together as one message per batch,
//! and kept in line with their comments' edits and deletions.
//!
//! Under `pr:{repo}:{number}:review:{id}:` a line comment is first staged
//! (`pending`, once per comment id thanks to `seen`); a flush seals the
//! staged entries into batch `n` (`batch:{n}`, with `batch_of` saying which
//! batch each comment went to) and posts it under the guard `posted:{n}`.
//! Batches are kept as long as the guards, so that an edit re-renders the
//! batch's message and a deletion removes its entry, deleting the message
//! only when no entry is left. `batch:{n}:state` counts the batch's
//! changes (`v`) and the count the message shows (`shown`); the flush and
//! the changes of one batch take turns.
//!
//! Each line comment has a record of its versions (see [`crate::worker::comments::issue`]):
//! only a newer version changes its entry, and a comment changed before it
//! was staged is staged as its newest version, or not at all.

use crate::keys::pr_key;
use crate::redis_conn::EFFECT_TTL;
use crate::worker::comments::follow::{self, Counts, Followed, Place, Wanted};
use crate::worker::comments::issue::{offer_lua, Version};
use crate::worker::once::claim::exclusively;
use crate::worker::pr::messages;
use crate::worker::{Context, JobError};
use redis::AsyncCommands;
use std::collections::HashMap;
use std::time::Duration;

/// How long one job may hold a batch's turn.
const TURN: Duration = Duration::from_secs(60);

// The id is remembered and the entry staged in one step, so that a crash
// can neither lose the comment nor stage it twice; the entry staged is the
// comment's newest version, nothing if it was deleted meanwhile.
const STAGE: &str = concat!(
    offer_lua!(),
    r#"
offer(KEYS[3], ARGV[4], ARGV[5], '0', ARGV[2], ARGV[3])
local rec = redis.call('HMGET', KEYS[3], 'deleted', 'text')
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 and rec[1] ~= '1' then
  redis.call('HSET', KEYS[2], ARGV[1], rec[2])
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return 1
"#
);

// A newer version replaces (or, deleted, removes) the entry where it is:
// still staged, or in its batch, whose change count then goes up. Returns
// the batch, 0 when the comment is in none (yet), or -1 when its batch is
// not the one the caller read (ARGV[7], '' for none) and passed in KEYS[4]
// and KEYS[5] (every key declared, for clusters and proxies): the caller
// reads again. Checked before anything is written, so a retry offers the
// version once.
const CHANGE: &str = concat!(
    offer_lua!(),
    r#"
local n = redis.call('HGET', KEYS[3], ARGV[1])
if (n or '') ~= ARGV[7] then return -1 end
local newer = offer(KEYS[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6])
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then
  if newer and ARGV[4] == '1' then redis.call('HDEL', KEYS[2], ARGV[1])
  elseif newer then redis.call('HSET', KEYS[2], ARGV[1], ARGV[5]) end
  return 0
end
if not n then return 0 end
local batch, state = KEYS[4], KEYS[5]
if newer and redis.call('HEXISTS', batch, ARGV[1]) == 1 then
  if ARGV[4] == '1' then redis.call('HDEL', batch, ARGV[1])
  else redis.call('HSET', batch, ARGV[1], ARGV[5]) end
  redis.call('HINCRBY', state, 'v', 1)
  redis.call('EXPIRE', state, ARGV[6])
end
return tonumber(n)
"#
);

// Seals the staged entries into batch ARGV[1] (KEYS[5]), the next number
// as the caller read it; false when another seal took that number first
// (the caller reads again), so every key is declared in KEYS.
const SEAL: &str = r#"
if redis.call('HLEN', KEYS[1]) > 0 then
  local batch = KEYS[5]
  if tonumber(redis.call('GET', KEYS[2]) or '0') + 1 ~= tonumber(ARGV[1]) then return false end
  local n = redis.call('INCR', KEYS[2])
  redis.call('RENAME', KEYS[1], batch)
  redis.call('EXPIRE', batch, ARGV[2])
  for _, id in ipairs(redis.call('HKEYS', batch)) do
    redis.call('HSET', KEYS[4], id, n)
  end
  redis.call('EXPIRE', KEYS[4], ARGV[2])
  redis.call('RPUSH', KEYS[3], n)
  redis.call('EXPIRE', KEYS[2], ARGV[2])
  redis.call('EXPIRE', KEYS[3], ARGV[2])
end
return redis.call('LRANGE', KEYS[3], 0, -1)
"#;

/// A batch number read before its script is re-read at most this often
/// when another job moved it meanwhile.
const REREADS: usize = 5;

/// The line comments of one review.
pub struct Review {
    /// `pr:{repo}:{number}:review:{id}`, the prefix of the review's keys.
    key: String,
    /// `pr:{repo}:{number}`.
    pr: String,
    /// GitHub's review id, which the message links to.
    id: u64,
}

impl Review {
    pub fn new(place: Place<'_>, review_id: u64) -> Self {
        let pr = pr_key(place.repo, place.pr);
        let key = format!("{pr}:review:{review_id}");
        Review {
            key,
            pr,
            id: review_id,
        }
    }

    /// The Redis key (namespaced) of `part` of this review.
    fn full(&self, ctx: &Context, part: &str) -> String {
        ctx.guards.key(&format!("{}:{part}", self.key))
    }

    fn record(&self, ctx: &Context, comment_id: u64) -> String {
        ctx.guards
            .key(&format!("{}:review_comment:{comment_id}", self.pr))
    }

    /// Stages a created line comment's entry (its newest version).
    pub async fn stage(
        &self,
        ctx: &Context,
        comment_id: u64,
        version: &Version<'_>,
    ) -> Result<(), JobError> {
        let mut redis = ctx.guards.redis();
        redis::Script::new(STAGE)
            .key(self.full(ctx, "seen"))
            .key(self.full(ctx, "pending"))
            .key(self.record(ctx, comment_id))
            .arg(comment_id)
            .arg(version.text)
            .arg(EFFECT_TTL.as_secs())
            .arg(version.updated_at)
            .arg(version.seq)
            .invoke_async::<i64>(&mut redis)
            .await
            .map_err(|e| JobError::redis("staging a review comment", e))?;
        Ok(())
    }

    /// Records an edit or deletion; the batch whose message must follow.
    pub async fn change(
        &self,
        ctx: &Context,
        comment_id: u64,
        version: &Version<'_>,
    ) -> Result<Option<u64>, JobError> {
        let mut redis = ctx.guards.redis();
        for _ in 0..REREADS {
            let read: Option<u64> = redis
                .hget(self.full(ctx, "batch_of"), comment_id)
                .await
                .map_err(|e| JobError::redis("reading a review comment's batch", e))?;
            let n = read.unwrap_or(0);
            let batch: i64 = redis::Script::new(CHANGE)
                .key(self.record(ctx, comment_id))
                .key(self.full(ctx, "pending"))
                .key(self.full(ctx, "batch_of"))
                .key(self.full(ctx, &format!("batch:{n}")))
                .key(self.full(ctx, &format!("batch:{n}:state")))
                .arg(comment_id)
                .arg(version.updated_at)
                .arg(version.seq)
                .arg(if version.deleted { "1" } else { "0" })
                .arg(version.text)
                .arg(EFFECT_TTL.as_secs())
                .arg(read.map_or(String::new(), |n| n.to_string()))
                .invoke_async(&mut redis)
                .await
                .map_err(|e| JobError::redis("recording a review comment change", e))?;
            if batch >= 0 {
                return Ok((batch > 0).then_some(batch as u64));
            }
        }
        Err(moving())
    }

    /// Seals the staged entries into a new batch; the batches to post.
    pub async fn seal(&self, ctx: &Context) -> Result<Vec<u64>, JobError> {
        let mut redis = ctx.guards.redis();
        for _ in 0..REREADS {
            let count: Option<u64> = redis
                .get(self.full(ctx, "count"))
                .await
                .map_err(|e| JobError::redis("reading the review's batch count", e))?;
            let next = count.unwrap_or(0) + 1;
            let sealed: Option<Vec<u64>> = redis::Script::new(SEAL)
                .key(self.full(ctx, "pending"))
                .key(self.full(ctx, "count"))
                .key(self.full(ctx, "batches"))
                .key(self.full(ctx, "batch_of"))
                .key(self.full(ctx, &format!("batch:{next}")))
                .arg(next)
                .arg(EFFECT_TTL.as_secs())
                .invoke_async(&mut redis)
                .await
                .map_err(|e| JobError::redis("sealing review comments", e))?;
            if let Some(batches) = sealed {
                return Ok(batches);
            }
        }
        Err(moving())
    }

    /// Batch `n` is posted: off the list to post (its entries stay).
    pub async fn posted(&self, ctx: &Context, n: u64) -> Result<(), JobError> {
        let mut redis = ctx.guards.redis();
        redis
            .lrem::<_, _, ()>(self.full(ctx, "batches"), 1, n)
            .await
            .map_err(|e| JobError::redis("clearing a posted batch", e))
    }

    /// Brings batch `n`'s message in line with its entries: posts it
    /// (`flush`), re-renders it, or deletes it once no entry is left.
    pub async fn converge(
        &self,
        ctx: &Context,
        place: Place<'_>,
        n: u64,
        flush: bool,
    ) -> Result<(), JobError> {
        let turn = format!("{}:batch:{n}:turn", self.key);
        let work = async {
            let batch = Batch::read(ctx, self, n).await?;
            let guard = format!("{}:posted:{n}", self.key);
            match ctx.guards.get(&guard).await? {
                None if !flush || batch.entries.is_empty() => Ok(()),
                None => {
                    let text = batch.render(place);
                    follow::post(ctx, place, &batch, &guard, &text).await
                }
                Some(_) if batch.counts.up_to_date() => Ok(()),
                Some(message) => follow::show_record(ctx, place, &batch, message).await,
            }
        };
        exclusively(ctx, &turn, TURN, work).await
    }
}

/// Other jobs kept moving the review's batches between a read and its
/// script: retried.
fn moving() -> JobError {
    JobError::Transient(anyhow::anyhow!(
        "the review's line-comment batches kept changing; will retry"
    ))
}

/// One batch as read in one step: its entries and its change counts.
struct Batch {
    /// The batch's number within its review (its message's part).
    n: u64,
    /// GitHub's review id, which the message links to.
    review_id: u64,
    state_key: String,
    entries: Vec<(u64, String)>,
    counts: Counts,
}

impl Batch {
    async fn read(ctx: &Context, review: &Review, n: u64) -> Result<Batch, JobError> {
        let key = review.full(ctx, &format!("batch:{n}"));
        let state_key = format!("{key}:state");
        let mut redis = ctx.guards.redis();
        let (entries, state): (HashMap<u64, String>, HashMap<String, u64>) = redis::pipe()
            .atomic()
            .hgetall(&key)
            .hgetall(&state_key)
            .query_async(&mut redis)
            .await
            .map_err(|e| JobError::redis("reading review comments", e))?;
        let mut entries: Vec<(u64, String)> = entries.into_iter().collect();
        entries.sort();
        Ok(Batch {
            n,
            review_id: review.id,
            state_key,
            entries,
            counts: Counts {
                v: state.get("v").copied().unwrap_or(0),
                shown: state.get("shown").copied(),
                tried: state.get("tried").copied(),
            },
        })
    }

    fn render(&self, place: Place<'_>) -> String {
        let texts: Vec<String> = self.entries.iter().map(|(_, t)| t.clone()).collect();
        messages::review_comments(&texts, &place.pr.html_url, self.review_id, self.n)
    }
}

impl Followed for Batch {
    fn counts(&self) -> Counts {
        self.counts
    }

    /// The rendered entries, or no message once no entry is left.
    fn wanted(&self, place: Place<'_>) -> Wanted {
        if self.entries.is_empty() {
            Wanted::Gone
        } else {
            Wanted::Text(self.render(place))
        }
    }

    async fn set(&self, ctx: &Context, field: &str, v: u64) -> Result<(), JobError> {
        let mut redis = ctx.guards.redis();
        redis::pipe()
            .hset(&self.state_key, field, v)
            .expire(&self.state_key, EFFECT_TTL.as_secs() as i64)
            .query_async::<()>(&mut redis)
            .await
            .map_err(|e| JobError::redis("recording what a batch's message shows", e))
    }
}
