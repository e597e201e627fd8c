//! The PR's review decision, kept with its state under
//! `pr:{repo}:{number}:reviews`: each reviewer's latest decisive review
//! (`approved`, `changes_requested`, or `dismissed`, which takes theirs
//! back). A plain `commented` review decides nothing and changes nothing.
//!
//! Newer wins per reviewer, like the PR's snapshot ([`crate::worker::pr::pr_state`]):
//! by the PR's `updated_at` in the review's delivery, then by the order
//! `web` received it, so a late redelivery cannot bring back an old
//! verdict. The PR shows "changes requested" while any reviewer's latest
//! is that, else "approved" if any approved. A push resets nothing.

use crate::keys;
use crate::worker::{Context, JobError};
use redis::AsyncCommands;
use threadline_jobs::{PrReviewed, PullRequest, Repo};

/// What the reviews add up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Pending,
    Approved,
    ChangesRequested,
}

// Each field is "updated_at \t seq \t state"; an older review is ignored.
const RECORD: &str = r#"
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then
  local at, seq = string.match(old, '^([^\t]*)\t(%d+)\t')
  if at and (ARGV[2] < at or (ARGV[2] == at and tonumber(ARGV[3]) < tonumber(seq))) then
    return 0
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '\t' .. ARGV[3] .. '\t' .. ARGV[4])
return 1
"#;

fn key(ctx: &Context, repo: &Repo, pr: &PullRequest) -> String {
    ctx.guards.key(&keys::of_pr(repo, pr, "reviews"))
}

/// Records a review's verdict, unless the reviewer has a newer one.
pub async fn record(ctx: &Context, job: &PrReviewed) -> Result<(), JobError> {
    let state = job.state.to_ascii_lowercase();
    if !matches!(
        state.as_str(),
        "approved" | "changes_requested" | "dismissed"
    ) {
        return Ok(());
    }
    let mut redis = ctx.guards.redis();
    redis::Script::new(RECORD)
        .key(key(ctx, &job.repo, &job.pr))
        .arg(job.reviewer.to_ascii_lowercase())
        .arg(&job.pr.updated_at)
        .arg(job.delivery.seq)
        .arg(state)
        .invoke_async::<i64>(&mut redis)
        .await
        .map_err(|e| JobError::redis("recording a review", e))?;
    Ok(())
}

/// What the reviewers' latest verdicts add up to.
pub async fn decision(ctx: &Context, repo: &Repo, pr: &PullRequest) -> Result<Decision, JobError> {
    let mut redis = ctx.guards.redis();
    let verdicts: Vec<String> = redis
        .hvals(key(ctx, repo, pr))
        .await
        .map_err(|e| JobError::redis("reading the reviews", e))?;
    Ok(decide(
        verdicts.iter().filter_map(|v| v.rsplit('\t').next()),
    ))
}

fn decide<'a>(states: impl Iterator<Item = &'a str>) -> Decision {
    let mut decision = Decision::Pending;
    for state in states {
        match state {
            "changes_requested" => return Decision::ChangesRequested,
            "approved" => decision = Decision::Approved,
            _ => {}
        }
    }
    decision
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_requested_outweighs_approvals_and_dismissed_counts_for_nothing() {
        assert_eq!(decide([].into_iter()), Decision::Pending);
        assert_eq!(decide(["dismissed"].into_iter()), Decision::Pending);
        assert_eq!(
            decide(["dismissed", "approved"].into_iter()),
            Decision::Approved
        );
        assert_eq!(
            decide(["approved", "changes_requested", "approved"].into_iter()),
            Decision::ChangesRequested
        );
    }
}
