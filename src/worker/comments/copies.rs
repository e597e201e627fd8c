//! Copies of a comment made by a forced replay (`threadline replay ID
//! --force`): each is a message of its own, and GitHub's later edits and
//! deletions of the comment apply to every copy.
//!
//! A replayed delivery carries its number in the job (`Delivery::replay`,
//! set by the CLI alone); its comment's record is kept under the copy's
//! own key, and the copy is listed with its comment
//! (`...:comment:{id}:copies`) for as long as the guards live. The
//! delivery id (`<id>:replay:<n>` for a replay) is never read for it: it
//! is an unsigned header, and `x:replay:7` would skip the comment's dedupe.

use crate::redis_conn::EFFECT_TTL;
use crate::worker::comments::follow::Place;
use crate::worker::comments::issue::{IssueComment, Version};
use crate::worker::{Context, JobError};
use redis::AsyncCommands;

/// The replay tag of a delivery (`replay:2` for replay 2), if it is a replay.
pub fn replay_tag(delivery: &threadline_jobs::Delivery) -> Option<String> {
    delivery.replay.map(|n| format!("replay:{n}"))
}

/// The comment as created by this delivery: the comment itself, or the
/// replay's copy of it (listed with the comment).
pub async fn as_created(
    ctx: &Context,
    place: Place<'_>,
    comment_id: u64,
) -> Result<IssueComment, JobError> {
    let Some(tag) = replay_tag(place.delivery) else {
        return Ok(IssueComment::new(place, comment_id));
    };
    let copy = IssueComment::copy(place, comment_id, &tag);
    let mut redis = ctx.guards.redis();
    let list = ctx.guards.key(&copies_key(place, comment_id));
    redis::pipe()
        .sadd(&list, &tag)
        .expire(&list, EFFECT_TTL.as_secs() as i64)
        .query_async::<()>(&mut redis)
        .await
        .map_err(|e| JobError::redis("listing a replayed comment's copy", e))?;
    Ok(copy)
}

/// Applies an edit or deletion to the comment and to each of its copies.
pub async fn change_all(
    ctx: &Context,
    place: Place<'_>,
    comment_id: u64,
    version: &Version<'_>,
) -> Result<(), JobError> {
    IssueComment::new(place, comment_id)
        .change(ctx, place, version)
        .await?;
    let mut redis = ctx.guards.redis();
    let tags: Vec<String> = redis
        .smembers(ctx.guards.key(&copies_key(place, comment_id)))
        .await
        .map_err(|e| JobError::redis("reading a comment's copies", e))?;
    for tag in tags {
        IssueComment::copy(place, comment_id, &tag)
            .change(ctx, place, version)
            .await?;
    }
    Ok(())
}

fn copies_key(place: Place<'_>, comment_id: u64) -> String {
    let pr = crate::keys::pr_key(place.repo, place.pr);
    format!("{pr}:comment:{comment_id}:copies")
}

#[cfg(test)]
mod tests {
    use threadline_jobs::Delivery;

    fn delivery(id: &str, replay: Option<u64>) -> Delivery {
        Delivery {
            id: id.into(),
            hook_id: None,
            seq: 0,
            replay,
        }
    }

    #[test]
    fn replay_tags_come_from_the_field_alone() {
        let tag = |id, replay| super::replay_tag(&delivery(id, replay));
        assert_eq!(
            tag("abc-123:replay:2", Some(2)).as_deref(),
            Some("replay:2")
        );
        assert_eq!(tag("abc-123", None), None);
        // An id that looks like a replay's is not one.
        assert_eq!(tag("x:replay:7", None), None);
    }
}
