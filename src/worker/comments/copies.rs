//! Copies of a comment made by a forced replay (`threadline replay ID
//! --force`): each is a message of its own, and GitHub's later edits and
//! deletions of the comment apply to every copy.
//!
//! A replayed delivery's id is `<id>:replay:<n>`; its comment's record is
//! kept under the copy's own key, and the copy is listed with its comment
//! (`...:comment:{id}:copies`) for as long as the guards live.

use crate::redis_conn::EFFECT_TTL;
use crate::worker::comments::follow::Place;
use crate::worker::comments::issue::{IssueComment, Version};
use crate::worker::{Context, JobError};
use redis::AsyncCommands;

/// The replay tag of a delivery id (`replay:2` of `abc:replay:2`), if any.
pub fn replay_tag(delivery_id: &str) -> Option<&str> {
    let at = delivery_id.find(":replay:")?;
    Some(&delivery_id[at + 1..])
}

/// The comment as created by this delivery: the comment itself, or the
/// replay's copy of it (listed with the comment).
pub async fn as_created(
    ctx: &Context,
    place: Place<'_>,
    comment_id: u64,
) -> Result<IssueComment, JobError> {
    let Some(tag) = replay_tag(&place.delivery.id) else {
        return Ok(IssueComment::new(place, comment_id));
    };
    let copy = IssueComment::copy(place, comment_id, tag);
    let mut redis = ctx.guards.redis();
    let list = ctx.guards.key(&copies_key(place, comment_id));
    redis::pipe()
        .sadd(&list, tag)
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
    #[test]
    fn replay_tags() {
        assert_eq!(super::replay_tag("abc-123:replay:2"), Some("replay:2"));
        assert_eq!(super::replay_tag("abc-123"), None);
    }
}
