//! Review reminders: when a requested reviewer has not reviewed after
//! `[reminders] after`, a nudge in the PR's thread, then one every `every`
//! up to `max` nudges in all. Off unless `[reminders]` is configured.
//!
//! The timer is Faktory's scheduled set: a request pushes
//! `pr.review_reminder` with a future `at`, and each nudge pushes the next.
//! Nothing is swept and nothing waits in a process.
//!
//! Each (PR, reviewer) has a Redis hash under `pr:{repo}:{number}:remind:`:
//! the newest event stamp applied (`updated_at` plus `delivery.seq`, as in
//! [`crate::worker::pr::pr_state`]), whether a request is pending, and a cycle number
//! that every new request moves on. A PR-wide cut records the newest close,
//! merge or draft. Each change is one Lua script that ignores events older
//! than the stamp, so a late request cannot resurrect a cancelled cycle,
//! and a late review cannot cancel a newer request. A nudge that fires
//! checks that its cycle is still the pending one, uncut, and the PR open
//! and not a draft; otherwise it does nothing. Each nudge is posted at most
//! once per (PR, reviewer, cycle, n) through [`crate::worker::once::post`].

pub mod quiet;

use crate::keys;
use crate::redis_conn::EFFECT_TTL;
use crate::worker::pr::schedule;
use crate::worker::{Context, JobError};
use std::collections::HashMap;
use threadline_jobs::{Delivery, PrReviewReminder, PrReviewRequest, PullRequest, Repo};

// KEYS: reviewer hash, PR cut. ARGV: stamp, ttl. Returns the cycle to
// schedule a first nudge for, or 0.
const REQUEST: &str = r#"
local stamp = redis.call('HGET', KEYS[1], 'stamp')
if stamp and ARGV[1] < stamp then return 0 end
if stamp == ARGV[1] then
  if redis.call('HGET', KEYS[1], 'active') == '1' and redis.call('HGET', KEYS[1], 'started') == ARGV[1] then
    return tonumber(redis.call('HGET', KEYS[1], 'cycle'))
  end
  return 0
end
redis.call('HSET', KEYS[1], 'stamp', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
local cut = redis.call('GET', KEYS[2])
if cut and ARGV[1] < cut then
  redis.call('HSET', KEYS[1], 'active', '0')
  return 0
end
if redis.call('HGET', KEYS[1], 'active') == '1' then return 0 end
local cycle = redis.call('HINCRBY', KEYS[1], 'cycle', 1)
redis.call('HSET', KEYS[1], 'active', '1', 'started', ARGV[1])
return cycle
"#;

// KEYS: reviewer hash. ARGV: stamp, ttl.
const CANCEL: &str = r#"
local stamp = redis.call('HGET', KEYS[1], 'stamp')
if stamp and ARGV[1] < stamp then return 0 end
redis.call('HSET', KEYS[1], 'stamp', ARGV[1], 'active', '0')
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"#;

// KEYS: PR cut. ARGV: stamp, ttl. Keeps the newest.
const CUT: &str = r#"
local cut = redis.call('GET', KEYS[1])
if (not cut) or cut < ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) end
return 1
"#;

/// The order of an event: GitHub's `updated_at`, then `web`'s receive order.
fn stamp(delivery: &Delivery, pr: &PullRequest) -> String {
    format!("{}|{:020}", pr.updated_at, delivery.seq)
}

/// Who a cycle belongs to: a login (lowercase) or `team:org/slug`.
pub fn who(reviewer: &str, team: Option<&str>) -> String {
    match (team, reviewer.strip_prefix("team ")) {
        (Some(team), _) => format!("team:{}", team.to_ascii_lowercase()),
        (None, Some(name)) => format!("team:{}", name.to_ascii_lowercase()),
        (None, None) => reviewer.to_ascii_lowercase(),
    }
}

fn hash_key(ctx: &Context, repo: &Repo, pr: &PullRequest, who: &str) -> String {
    ctx.guards
        .key(&keys::of_pr(repo, pr, &format!("remind:{who}")))
}

fn cut_key(ctx: &Context, repo: &Repo, pr: &PullRequest) -> String {
    ctx.guards.key(&keys::of_pr(repo, pr, "remind_cut"))
}

/// A review was requested (or its removal, which cancels): starts a cycle
/// and schedules its first nudge `after` from now.
pub async fn requested(ctx: &Context, job: &PrReviewRequest) -> Result<(), JobError> {
    let Some(settings) = &ctx.config.reminders else {
        return Ok(());
    };
    let (repo, pr) = (&job.repo, &job.pr);
    if job.removed {
        return cancelled(
            ctx,
            &job.delivery,
            repo,
            pr,
            &job.reviewer,
            job.team.as_deref(),
        )
        .await;
    }
    let who = who(&job.reviewer, job.team.as_deref());
    let mut redis = ctx.guards.redis();
    let cycle: u64 = redis::Script::new(REQUEST)
        .key(hash_key(ctx, repo, pr, &who))
        .key(cut_key(ctx, repo, pr))
        .arg(stamp(&job.delivery, pr))
        .arg(EFFECT_TTL.as_secs())
        .invoke_async(&mut redis)
        .await
        .map_err(|e| JobError::redis("starting a reminder cycle", e))?;
    if cycle == 0 {
        return Ok(());
    }
    let first = PrReviewReminder {
        delivery: job.delivery.clone(),
        repo: repo.clone(),
        pr: pr.clone(),
        reviewer: job.reviewer.clone(),
        team: job.team.clone(),
        cycle,
        n: 1,
    };
    schedule::push_later(ctx, &first, settings.after).await
}

/// A review by `reviewer`, or its request removed: ends its pending cycle.
pub async fn cancelled(
    ctx: &Context,
    delivery: &Delivery,
    repo: &Repo,
    pr: &PullRequest,
    reviewer: &str,
    team: Option<&str>,
) -> Result<(), JobError> {
    if ctx.config.reminders.is_none() {
        return Ok(());
    }
    let mut redis = ctx.guards.redis();
    redis::Script::new(CANCEL)
        .key(hash_key(ctx, repo, pr, &who(reviewer, team)))
        .arg(stamp(delivery, pr))
        .arg(EFFECT_TTL.as_secs())
        .invoke_async::<i64>(&mut redis)
        .await
        .map_err(|e| JobError::redis("cancelling reminders", e))?;
    Ok(())
}

/// Closed, merged or converted to draft: every cycle started before ends.
pub async fn cut(
    ctx: &Context,
    delivery: &Delivery,
    repo: &Repo,
    pr: &PullRequest,
) -> Result<(), JobError> {
    if ctx.config.reminders.is_none() {
        return Ok(());
    }
    let mut redis = ctx.guards.redis();
    redis::Script::new(CUT)
        .key(cut_key(ctx, repo, pr))
        .arg(stamp(delivery, pr))
        .arg(EFFECT_TTL.as_secs())
        .invoke_async::<i64>(&mut redis)
        .await
        .map_err(|e| JobError::redis("cutting reminders", e))?;
    Ok(())
}

/// True while `job`'s cycle is the pending one and nothing cut it.
pub async fn still_due(ctx: &Context, job: &PrReviewReminder) -> Result<bool, JobError> {
    let (repo, pr) = (&job.repo, &job.pr);
    let who = who(&job.reviewer, job.team.as_deref());
    let mut redis = ctx.guards.redis();
    let (fields, cut): (HashMap<String, String>, Option<String>) = redis::pipe()
        .hgetall(hash_key(ctx, repo, pr, &who))
        .get(cut_key(ctx, repo, pr))
        .query_async(&mut redis)
        .await
        .map_err(|e| JobError::redis("reading a reminder cycle", e))?;
    let field = |k: &str| fields.get(k).map(String::as_str).unwrap_or_default();
    let current = field("active") == "1" && field("cycle") == job.cycle.to_string();
    let uncut = cut.is_none_or(|cut| cut.as_str() < field("started"));
    Ok(current && uncut)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reviewers_and_teams_have_keys_of_their_own() {
        assert_eq!(who("Alice", None), "alice");
        assert_eq!(who("team Core", Some("Acme/core")), "team:acme/core");
        assert_eq!(who("team Core", None), "team:core");
        let pr = |at: &str| PullRequest {
            number: 1,
            title: String::new(),
            html_url: String::new(),
            author: String::new(),
            base_ref: String::new(),
            head_label: String::new(),
            draft: false,
            body_excerpt: String::new(),
            body_truncated: false,
            state: String::new(),
            merged: false,
            updated_at: at.into(),
            from_issue: false,
        };
        let d = |seq| Delivery {
            id: "x".into(),
            hook_id: None,
            seq,
            replay: None,
        };
        let early = stamp(&d(9), &pr("2026-03-01T10:00:01Z"));
        let tie = stamp(&d(10), &pr("2026-03-01T10:00:01Z"));
        let late = stamp(&d(2), &pr("2026-03-01T10:00:02Z"));
        assert!(early < tie && tie < late, "{early} {tie} {late}");
    }
}
