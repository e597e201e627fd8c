//! What Threadline knows about each PR, in Redis, under `pr:{repo}:{number}:`.
//!
//! - `snap`: the newest PR state seen (title, draft, closed, merged), ordered by
//!   GitHub's `updated_at` so that late deliveries cannot roll it back, and
//!   within one second (its resolution) by the order `web` received them;
//! - `applied`: what the thread on Discord currently shows (name,
//!   archived, locked), as far as Threadline's own calls went;
//! - `renames`: when the thread was last renamed, for Discord's limit of
//!   two renames per ten minutes.
//!
//! The thread's desired state is derived from `snap`; `pr.thread_sync`
//! moves `applied` towards it.

use crate::clock::now_ms;
use crate::keys;
use crate::worker::{Context, JobError};
use redis::AsyncCommands;
use threadline_jobs::{PullRequest, Repo};

/// The fields of the PR's hash `part` (`snap`, `applied`).
async fn fields_of(
    ctx: &Context,
    repo: &Repo,
    pr: &PullRequest,
    part: &str,
    what: &str,
) -> Result<std::collections::HashMap<String, String>, JobError> {
    let key = ctx.guards.key(&keys::of_pr(repo, pr, part));
    let mut redis = ctx.guards.redis();
    redis
        .hgetall(key)
        .await
        .map_err(|e| JobError::redis(what, e))
}

/// The newest PR state seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub title: String,
    pub draft: bool,
    pub closed: bool,
    /// Closed by a merge (a forum post's tag tells merged from closed).
    pub merged: bool,
}

/// What the thread shows on Discord.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    pub name: String,
    pub archived: bool,
    pub locked: bool,
}

/// The key prefix of one PR.
impl Applied {
    /// A thread just made under `name`: open and unlocked.
    pub fn named(name: String) -> Applied {
        Applied {
            name,
            archived: false,
            locked: false,
        }
    }
}

// Newer-wins update: fields of an event at least as new as the stored one,
// by (updated_at, receive seq), replace it; `draft` only from events that
// know it. Equal on both is the same event again. `merged` only ever turns
// on, whatever the event's age: a merged PR stays merged, and review and
// comment payloads do not say.
const OBSERVE: &str = r#"
if ARGV[6] == '1' then redis.call('HSET', KEYS[1], 'merged', '1') end
local stored = redis.call('HGET', KEYS[1], 'updated_at')
if stored and ARGV[1] < stored then return 0 end
if stored == ARGV[1] then
  local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
  if tonumber(ARGV[5]) < seq then return 0 end
end
redis.call('HSET', KEYS[1], 'updated_at', ARGV[1], 'title', ARGV[2], 'closed', ARGV[3], 'seq', ARGV[5])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'draft', ARGV[4]) end
return 1
"#;

/// Records `pr` as seen in the delivery received `seq`-th; ignored when a
/// newer state is already stored.
pub async fn observe(
    ctx: &Context,
    seq: u64,
    repo: &Repo,
    pr: &PullRequest,
) -> Result<(), JobError> {
    let key = ctx.guards.key(&keys::of_pr(repo, pr, "snap"));
    let draft = match (pr.from_issue, pr.draft) {
        (true, _) => "",
        (false, true) => "1",
        (false, false) => "0",
    };
    let closed = if pr.state == "closed" { "1" } else { "0" };
    let mut redis = ctx.guards.redis();
    redis::Script::new(OBSERVE)
        .key(key)
        .arg(&pr.updated_at)
        .arg(&pr.title)
        .arg(closed)
        .arg(draft)
        .arg(seq)
        .arg(if pr.merged { "1" } else { "0" })
        .invoke_async::<i64>(&mut redis)
        .await
        .map_err(|e| JobError::redis("recording the PR state", e))?;
    Ok(())
}

/// The newest PR state seen, or `pr` itself when nothing is stored yet.
pub async fn snapshot(ctx: &Context, repo: &Repo, pr: &PullRequest) -> Result<Snapshot, JobError> {
    let fields = fields_of(ctx, repo, pr, "snap", "reading the PR state").await?;
    Ok(Snapshot {
        title: fields
            .get("title")
            .cloned()
            .unwrap_or_else(|| pr.title.clone()),
        draft: fields.get("draft").map_or(pr.draft, |d| d == "1"),
        closed: fields
            .get("closed")
            .map_or(pr.state == "closed", |c| c == "1"),
        merged: fields.get("merged").map_or(pr.merged, |m| m == "1"),
    })
}

pub async fn applied(ctx: &Context, repo: &Repo, pr: &PullRequest) -> Result<Applied, JobError> {
    let fields = fields_of(ctx, repo, pr, "applied", "reading the thread state").await?;
    Ok(Applied {
        name: fields.get("name").cloned().unwrap_or_default(),
        archived: fields.get("archived").is_some_and(|v| v == "1"),
        locked: fields.get("locked").is_some_and(|v| v == "1"),
    })
}

pub async fn set_applied(
    ctx: &Context,
    repo: &Repo,
    pr: &PullRequest,
    a: &Applied,
) -> Result<(), JobError> {
    let key = ctx.guards.key(&keys::of_pr(repo, pr, "applied"));
    let mut redis = ctx.guards.redis();
    let flag = |b: bool| if b { "1" } else { "0" };
    let items = [
        ("name", a.name.as_str()),
        ("archived", flag(a.archived)),
        ("locked", flag(a.locked)),
    ];
    redis
        .hset_multiple::<_, _, _, ()>(key, &items)
        .await
        .map_err(|e| JobError::redis("recording the thread state", e))
}

/// Milliseconds until another rename is allowed (0: now), given at most
/// two renames per `window`.
pub async fn rename_wait_ms(ctx: &Context, repo: &Repo, pr: &PullRequest) -> Result<u64, JobError> {
    let key = ctx.guards.key(&keys::of_pr(repo, pr, "renames"));
    let window = ctx.rename_window.as_millis() as u64;
    let now = now_ms();
    let mut redis = ctx.guards.redis();
    let recent: Vec<u64> = redis
        .zrangebyscore(&key, now.saturating_sub(window), "+inf")
        .await
        .map_err(|e| JobError::redis("reading recent renames", e))?;
    Ok(match recent.len() {
        0 | 1 => 0,
        n => (recent[n - 2] + window).saturating_sub(now) + 1,
    })
}

pub async fn record_rename(ctx: &Context, repo: &Repo, pr: &PullRequest) -> Result<(), JobError> {
    let key = ctx.guards.key(&keys::of_pr(repo, pr, "renames"));
    let now = now_ms();
    let mut redis = ctx.guards.redis();
    redis::pipe()
        .zadd(&key, now, now)
        .zrembyscore(
            &key,
            0,
            now.saturating_sub(ctx.rename_window.as_millis() as u64 * 2),
        )
        .expire(&key, 86_400)
        .query_async::<()>(&mut redis)
        .await
        .map_err(|e| JobError::redis("recording a rename", e))
}
