//! `pr.backfill`: a thread for a PR that was open before Threadline
//! joined, made as `pr.opened` makes it (same parent, name, intro, forum
//! tag, author joining), then one line: when it was opened, and how much
//! conversation there is so far, with the link. No history is replayed,
//! so a backfill is never a flood. A PR whose thread already exists keeps
//! it and gets nothing; the first run decides, so a retry after the
//! thread was made still posts the line.

use crate::redis_conn::EFFECT_TTL;
use crate::keys;
use crate::worker::pr::members;
use crate::worker::{Context, JobError};
use threadline_jobs::PrBackfill;

pub async fn perform(ctx: &Context, job: PrBackfill) -> Result<(), JobError> {
    let known = ctx
        .guards
        .get(&keys::thread(&job.repo, &job.pr))
        .await?
        .is_some();
    let mark = ctx.guards.key(&keys::of_pr(&job.repo, &job.pr, "backfill"));
    let mut redis = ctx.guards.redis();
    let (_, decided): (Option<String>, String) = redis::pipe()
        .cmd("SET")
        .arg(&mark)
        .arg(if known { "kept" } else { "new" })
        .arg("NX")
        .arg("EX")
        .arg(EFFECT_TTL.as_secs())
        .cmd("GET")
        .arg(&mark)
        .query_async(&mut redis)
        .await
        .map_err(|e| JobError::redis("deciding a backfill", e))?;
    if decided == "kept" {
        log::info!(
            "{}#{}: has a thread already; backfill leaves it",
            job.repo.full_name,
            job.pr.number
        );
        return Ok(());
    }
    crate::worker::pr::announce::announce(
        ctx,
        &job.delivery,
        &job.repo,
        &job.pr,
        "backfilled",
        Some(note(&job)),
    )
    .await?;
    members::join(ctx, &job.repo, &job.pr, &[&job.pr.author]).await
}

/// The one line a backfilled thread gets instead of its history.
fn note(job: &PrBackfill) -> String {
    let date = job.opened_at.get(..10).unwrap_or("an earlier day");
    format!(
        "Opened on {date}, before Threadline joined: {} comment(s) and {} line comment(s) so far, not replayed here. {}",
        job.comments, job.review_comments, job.pr.html_url
    )
}
