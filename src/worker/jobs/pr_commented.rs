//! `pr.commented`: the comment as a message in the PR's thread, posted
//! once per comment, showing its newest version (an edit that arrived
//! first), or nothing if it was deleted first (see [`crate::worker::comments::issue`]).
//! The commenter joins the thread when mapped.

use crate::worker::comments::issue::Version;
use crate::worker::comments::copies;
use crate::worker::comments::follow::Place;
use crate::worker::pr::eligible;
use crate::worker::pr::members;
use crate::worker::pr::messages;
use crate::worker::pr::pr_state;
use crate::worker::pr::schedule;
use crate::worker::{Context, JobError};
use threadline_jobs::PrCommented;

pub async fn perform(ctx: &Context, job: PrCommented) -> Result<(), JobError> {
    if let Some(reason) = eligible::excluded(ctx, &job.repo, &job.pr).await? {
        log::info!("comment not forwarded: the filters keep the PR out ({reason})");
        return Ok(());
    }
    let text = messages::commented(&job);
    if job.comment_id == 0 {
        // From a `web` older than edits: once per delivery, as it was.
        let (delivery, repo, pr) = (&job.delivery, &job.repo, &job.pr);
        crate::worker::pr::announce::announce(ctx, delivery, repo, pr, "commented", Some(text)).await?;
        return members::join(ctx, repo, pr, &[&pr.author, &job.author]).await;
    }
    let place = Place {
        delivery: &job.delivery,
        repo: &job.repo,
        pr: &job.pr,
    };
    pr_state::observe(ctx, job.delivery.seq, &job.repo, &job.pr).await?;
    let version = Version {
        updated_at: &job.updated_at,
        seq: job.delivery.seq,
        deleted: false,
        text: &text,
    };
    copies::as_created(ctx, place, job.comment_id)
        .await?
        .create(ctx, place, &version)
        .await?;
    schedule::sync_soon(ctx, &job.delivery, &job.repo, &job.pr).await?;
    members::join(ctx, &job.repo, &job.pr, &[&job.pr.author, &job.author]).await
}
