//! A head commit's runs in Redis: one hash of run JSON per (PR, commit),
//! beside one hash of each run's order ([`super::runs::order_of`]), so that
//! a state replaces a stored one atomically (a Lua compare-and-set) however
//! many jobs of a matrix apply at once, with no lock to wait for.

use super::runs::{order_of, Run, Runs};
use crate::keys;
use crate::worker::{Context, JobError};

const APPLY: &str = r#"
local known = redis.call('HGET', KEYS[2], ARGV[1])
if known and ARGV[2] <= known then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return 1
"#;

/// Records `run` for the commit unless a state at least as new is stored;
/// says whether anything changed.
pub async fn apply(
    ctx: &Context,
    repo_id: u64,
    number: u64,
    sha: &str,
    run: &Run,
) -> Result<bool, JobError> {
    let json = serde_json::to_string(run)
        .map_err(|e| JobError::Permanent(anyhow::Error::new(e).context("encoding a CI run")))?;
    let mut redis = ctx.guards.redis();
    let changed: i64 = redis::Script::new(APPLY)
        .key(
            ctx.guards
                .key(&keys::ci_commit(repo_id, number, sha, "runs")),
        )
        .key(
            ctx.guards
                .key(&keys::ci_commit(repo_id, number, sha, "order")),
        )
        .arg(&run.key)
        .arg(order_of(run))
        .arg(json)
        .arg(keys::CI_TTL_SECS)
        .invoke_async(&mut redis)
        .await
        .map_err(|e| JobError::redis("storing a CI run", e))?;
    Ok(changed == 1)
}

/// The stored runs of the commit (none when nothing is stored).
pub async fn load(ctx: &Context, repo_id: u64, number: u64, sha: &str) -> Result<Runs, JobError> {
    let mut redis = ctx.guards.redis();
    let stored: Vec<String> = redis::cmd("HVALS")
        .arg(
            ctx.guards
                .key(&keys::ci_commit(repo_id, number, sha, "runs")),
        )
        .query_async(&mut redis)
        .await
        .map_err(|e| JobError::redis("reading a commit's CI runs", e))?;
    // A record this release cannot read is skipped, never fatal.
    let runs = stored
        .iter()
        .filter_map(|json| serde_json::from_str::<Run>(json).ok());
    Ok(Runs::from_stored(runs))
}

/// The PRs a CI event is for: the index first (it knows forks and commit
/// statuses), else the payload's `pull_requests[]`; only a PR whose head
/// the commit is or was, so none for a commit no PR is known for.
pub async fn prs_of(
    ctx: &Context,
    repo_id: u64,
    sha: &str,
    listed: &[u64],
) -> Result<Vec<u64>, JobError> {
    let mut redis = ctx.guards.redis();
    let prefix = ctx.common.key_prefix();
    let indexed = crate::pr_facts::pr_of_sha(&mut redis, &prefix, repo_id, sha)
        .await
        .map_err(|e| JobError::redis("reading the head-commit index", e))?;
    Ok(match indexed {
        Some(n) => vec![n],
        None => listed.to_vec(),
    })
}
