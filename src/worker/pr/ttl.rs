//! How long a PR's keys live: a sliding TTL, refreshed after every job of
//! the PR ([`refresh_after`], called once by the job runtime), so that
//! Redis holds only the PRs that are still alive.
//!
//! - A PR's own keys (`thread`, `parent`, `snap`, `applied`, `gen`,
//!   `reviews`, `inline` for a PR refused any thread, `backlink` for the
//!   PR's comment linking its thread) and the reverse
//!   map `thread:{id}` live [`OPEN_TTL`] after the PR's last event,
//!   [`CLOSED_TTL`] once it is closed or merged.
//! - The intent of the PR's intro (or forum post) lives
//!   [`FIND_AGAIN_TTL`]: longer than the rest, so that a PR that comes
//!   back after its keys expired finds its thread again through the
//!   find-again path (the intent says since when to look for the intro;
//!   starting a thread from the intro found answers "already created"
//!   with the thread's id), never a second thread.
//!
//! Keys written with their own TTL (guards, intents, claims, comment
//! records: `EFFECT_TTL`) are left as they are.

use crate::keys;
use crate::worker::forum::post::post_key;
use crate::worker::pr::intro::starter_key;
use crate::worker::Context;
use std::time::Duration;

const DAY: u64 = 86_400;
/// An open PR's keys live this long after its last event.
pub const OPEN_TTL: Duration = Duration::from_secs(180 * DAY);
/// A closed or merged PR's keys live this long after its last event.
pub const CLOSED_TTL: Duration = Duration::from_secs(30 * DAY);
/// The intro's intent lives this long after the PR's last event: past
/// [`OPEN_TTL`], so a returning PR's thread is found again.
pub const FIND_AGAIN_TTL: Duration = Duration::from_secs(400 * DAY);

/// The PR's own keys whose TTL slides with its activity.
pub const PARTS: &[&str] = &[
    "thread", "parent", "snap", "applied", "gen", "reviews", "inline", "backlink",
];

/// The PR a job is about: `repo.id` and `pr.number` of its args, the
/// shape every PR job of the contract shares; `None` for other jobs.
pub fn pr_of(job: &faktory::Job) -> Option<(u64, u64)> {
    let args = job.args().first()?;
    Some((
        args.get("repo")?.get("id")?.as_u64()?,
        args.get("pr")?.get("number")?.as_u64()?,
    ))
}

/// Slides the TTLs of the PR `job` is about. A failure is logged, never
/// the job's: the next event of the PR refreshes them again.
pub async fn refresh_after(ctx: &Context, job: &faktory::Job) {
    let Some((repo_id, number)) = pr_of(job) else {
        return;
    };
    if let Err(e) = refresh(ctx, repo_id, number).await {
        log::warn!("pr:{repo_id}:{number}: its keys' TTLs are not refreshed: {e}");
    }
}

/// Slides the TTLs of PR `number` of repository `repo_id`.
pub async fn refresh(ctx: &Context, repo_id: u64, number: u64) -> redis::RedisResult<()> {
    let pr = keys::pr_key_of(repo_id, number);
    let key = |part: &str| ctx.guards.key(&format!("{pr}:{part}"));
    let mut redis = ctx.guards.redis();
    let (thread, generation, closed): (Option<String>, Option<u64>, Option<String>) = redis::pipe()
        .get(key("thread"))
        .get(key("gen"))
        .hget(key("snap"), "closed")
        .query_async(&mut redis)
        .await?;
    let ttl = match closed.as_deref() {
        Some("1") => CLOSED_TTL,
        _ => OPEN_TTL,
    }
    .as_secs() as i64;
    let mut pipe = redis::pipe();
    for part in PARTS {
        pipe.expire(key(part), ttl).ignore();
    }
    if let Some(thread) = thread {
        pipe.expire(ctx.guards.key(&keys::pr_of_thread(thread)), ttl)
            .ignore();
    }
    let g = generation.unwrap_or(0);
    let find_again = FIND_AGAIN_TTL.as_secs() as i64;
    for first in [starter_key(&pr, g), post_key(&pr, g)] {
        pipe.expire(ctx.guards.key(&format!("{first}:intent")), find_again)
            .ignore();
    }
    pipe.query_async(&mut redis).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_find_again_record_outlives_every_other_key_of_the_pr() {
        assert!(FIND_AGAIN_TTL > OPEN_TTL && OPEN_TTL > CLOSED_TTL);
        // And outlives the guards and intents it stands in for.
        assert!(FIND_AGAIN_TTL > crate::redis_conn::EFFECT_TTL);
    }

    #[test]
    fn a_job_names_its_pr_by_repo_id_and_number() {
        let job = faktory::Job::new(
            "pr.commented",
            vec![serde_json::json!({"repo": {"id": 7, "full_name": "o/r"}, "pr": {"number": 12}})],
        );
        assert_eq!(pr_of(&job), Some((7, 12)));
        let other = faktory::Job::new("github.backfill", vec![serde_json::json!({"repos": []})]);
        assert_eq!(pr_of(&other), None);
    }
}
