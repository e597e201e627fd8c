//! What the filters need of a PR that an `issue_comment` payload lacks:
//! its base branch and draft state, as `web` last saw them in a
//! `pull_request`, review or line-comment payload.
//!
//! `web` records them only when a route filters on them (`base_branches`
//! or `drafts = "hold"`), filtered deliveries included, since a filtered
//! delivery makes no job that would tell the worker. The worker reads the
//! record before it forwards a comment. Newer `updated_at` wins, so a late
//! delivery cannot roll the record back.

//!
//! The same record carries the PR's head commit for CI ([`index_head`]):
//! `web` writes it from every `pull_request` delivery that names one,
//! before the 2xx, so a check run that arrives a second after a push finds
//! its PR however far behind the worker is (an index kept by the worker's
//! jobs would lose that race, and would miss filtered deliveries).

use redis::aio::ConnectionManager;

/// How long a PR's record is kept after its last change.
const KEEP_SECS: u64 = 90 * 86_400;

const RECORD: &str = r#"
local stored = redis.call('HGET', KEYS[1], 'updated_at')
if stored and ARGV[1] < stored then return 0 end
redis.call('HSET', KEYS[1], 'updated_at', ARGV[1], 'base', ARGV[2], 'draft', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"#;

/// One PR's facts, as of one payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateFacts {
    pub repo_id: u64,
    pub number: u64,
    pub updated_at: String,
    /// Boxed, like `head`, so that the router's answers stay small.
    pub base: Box<str>,
    pub draft: bool,
    /// The PR's head commit, for the CI index; `None` when not known
    /// (boxed, to keep the router's answers small).
    pub head: Option<Box<Head>>,
}

/// The head commit a `pull_request` delivery names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub sha: String,
    /// Whether the filters want `base` and `draft` recorded too (a record
    /// without a head always is one of theirs).
    pub gated: bool,
}

/// The record's key, under `prefix` (the namespace's key prefix).
pub fn key(prefix: &str, repo_id: u64, number: u64) -> String {
    format!("{prefix}pr:{repo_id}:{number}:gate")
}

/// Records `facts` unless a newer record exists.
pub async fn record(
    redis: &mut ConnectionManager,
    prefix: &str,
    facts: &GateFacts,
) -> redis::RedisResult<()> {
    if let Some(head) = &facts.head {
        index_head(redis, prefix, facts, &head.sha).await?;
        if !head.gated {
            return Ok(());
        }
    }
    redis::Script::new(RECORD)
        .key(key(prefix, facts.repo_id, facts.number))
        .arg(&facts.updated_at)
        .arg(facts.base.as_ref())
        .arg(u8::from(facts.draft))
        .arg(KEEP_SECS)
        .invoke_async::<i64>(redis)
        .await
        .map(|_| ())
}

/// The recorded base branch and draft state, if any.
pub async fn read(
    redis: &mut ConnectionManager,
    prefix: &str,
    repo_id: u64,
    number: u64,
) -> redis::RedisResult<Option<(String, bool)>> {
    let (base, draft): (Option<String>, Option<String>) = redis::cmd("HMGET")
        .arg(key(prefix, repo_id, number))
        .arg("base")
        .arg("draft")
        .query_async(redis)
        .await?;
    Ok(base.map(|b| (b, draft.as_deref() == Some("1"))))
}

const HEAD: &str = r#"
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[4])
local stored = redis.call('HGET', KEYS[2], 'updated_at')
if stored and ARGV[3] < stored then return 0 end
redis.call('HSET', KEYS[2], 'sha', ARGV[2], 'updated_at', ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return 1
"#;

/// `sha` → the PR, and the PR's head (newer `updated_at` wins), both for
/// [`crate::keys::CI_TTL_SECS`].
async fn index_head(
    redis: &mut ConnectionManager,
    prefix: &str,
    facts: &GateFacts,
    sha: &str,
) -> redis::RedisResult<()> {
    redis::Script::new(HEAD)
        .key(format!(
            "{prefix}{}",
            crate::keys::ci_sha(facts.repo_id, sha)
        ))
        .key(format!(
            "{prefix}{}",
            crate::keys::ci_head(facts.repo_id, facts.number)
        ))
        .arg(facts.number)
        .arg(sha)
        .arg(&facts.updated_at)
        .arg(crate::keys::CI_TTL_SECS)
        .invoke_async::<i64>(redis)
        .await
        .map(|_| ())
}

/// The PR whose head `sha` is or was, from the index.
pub async fn pr_of_sha(
    redis: &mut ConnectionManager,
    prefix: &str,
    repo_id: u64,
    sha: &str,
) -> redis::RedisResult<Option<u64>> {
    let key = format!("{prefix}{}", crate::keys::ci_sha(repo_id, sha));
    redis::cmd("GET").arg(key).query_async(redis).await
}

/// The PR's newest head commit, from the index.
pub async fn head_of(
    redis: &mut ConnectionManager,
    prefix: &str,
    repo_id: u64,
    number: u64,
) -> redis::RedisResult<Option<String>> {
    let key = format!("{prefix}{}", crate::keys::ci_head(repo_id, number));
    redis::cmd("HGET")
        .arg(key)
        .arg("sha")
        .query_async(redis)
        .await
}
