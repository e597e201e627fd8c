//! `pr.comment_changed`: an issue comment was edited or deleted on GitHub.
//! Its message is re-rendered (as `pr.commented` renders it) or deleted;
//! when there is no message yet, the newest version is only recorded, for
//! a late `pr.commented` to post. An edit of a comment that is never
//! forwarded leaves that record and nothing else.

use crate::worker::comments::issue::Version;
use crate::worker::comments::copies;
use crate::worker::comments::follow::Place;
use crate::worker::pr::messages;
use crate::worker::{Context, JobError};
use threadline_jobs::{PrCommentChanged, PrCommented};

pub async fn perform(ctx: &Context, job: PrCommentChanged) -> Result<(), JobError> {
    let place = Place {
        delivery: &job.delivery,
        repo: &job.repo,
        pr: &job.pr,
    };
    let text = match job.deleted {
        true => String::new(),
        false => messages::commented(&as_created(&job)),
    };
    let version = Version {
        updated_at: &job.updated_at,
        seq: job.delivery.seq,
        deleted: job.deleted,
        text: &text,
    };
    copies::change_all(ctx, place, job.comment_id, &version).await
}

/// The comment as its create job would have carried it, for the renderer.
fn as_created(job: &PrCommentChanged) -> PrCommented {
    PrCommented {
        delivery: job.delivery.clone(),
        repo: job.repo.clone(),
        pr: job.pr.clone(),
        author: job.author.clone(),
        body: job.body.clone(),
        html_url: job.html_url.clone(),
        comment_id: job.comment_id,
        updated_at: job.updated_at.clone(),
    }
}
