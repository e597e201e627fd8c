//! A post's tags moved towards the PR's state, during `pr.thread_sync`:
//! read the post's applied tags, compute the state tag plus the tags
//! people applied by hand, and PATCH only when they differ.
//!
//! Merged, closed and draft win over the review decision. A tag Discord
//! refuses to apply (a moderated tag without Manage Threads) is a warning:
//! the rest of the sync (name, archived) still happens.

use super::{Forum, PrState};
use crate::worker::pr::pr_state::{self, Snapshot};
use crate::worker::pr::review_decision::{self, Decision};
use crate::worker::{Context, JobError};
use threadline_jobs::{PullRequest, Repo};

/// The state a post's tag shows.
pub fn state_of(snap: &Snapshot, decision: Decision) -> PrState {
    match (snap.closed, snap.merged, snap.draft, decision) {
        (true, true, _, _) => PrState::Merged,
        (true, false, _, _) => PrState::Closed,
        (false, _, true, _) => PrState::Draft,
        (false, _, false, Decision::ChangesRequested) => PrState::ChangesRequested,
        (false, _, false, Decision::Approved) => PrState::Approved,
        (false, _, false, Decision::Pending) => PrState::Open,
    }
}

/// The PR's state as stored (its snapshot and its reviews).
pub async fn current_state(
    ctx: &Context,
    repo: &Repo,
    pr: &PullRequest,
) -> Result<PrState, JobError> {
    let snap = pr_state::snapshot(ctx, repo, pr).await?;
    let decision = review_decision::decision(ctx, repo, pr).await?;
    Ok(state_of(&snap, decision))
}

/// Gives `post` the tags of the PR's state; true when this unarchived it
/// (Discord changes an archived post only together with unarchiving it).
pub async fn sync_tags(
    ctx: &Context,
    repo: &Repo,
    pr: &PullRequest,
    post: u64,
    forum: &Forum,
) -> Result<bool, JobError> {
    let state = current_state(ctx, repo, pr).await?;
    let now = ctx
        .discord
        .post_state(post)
        .await
        .map_err(|e| JobError::discord("reading the forum post's tags", e))?;
    let want = forum.tags.desired(state, &now.applied_tags);
    // A forum that requires a tag keeps the old one rather than none.
    let tagless = want.is_empty() && forum.require_tag;
    if tagless || super::tags::same_tags(&want, &now.applied_tags) {
        return Ok(false);
    }
    match ctx.discord.set_post_tags(post, &want, now.archived).await {
        Ok(()) => Ok(now.archived),
        Err(e) if e.is_permanent() => {
            log::warn!(
                "could not tag forum post {post} ({e}); a moderated tag needs Manage Threads"
            );
            Ok(false)
        }
        Err(e) => Err(JobError::discord("tagging the forum post", e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(draft: bool, closed: bool, merged: bool) -> Snapshot {
        Snapshot {
            title: "t".into(),
            draft,
            closed,
            merged,
        }
    }

    #[test]
    fn merged_closed_and_draft_win_over_reviews() {
        let approved = Decision::Approved;
        assert_eq!(
            state_of(&snap(false, true, true), approved),
            PrState::Merged
        );
        assert_eq!(
            state_of(&snap(false, true, false), approved),
            PrState::Closed
        );
        assert_eq!(
            state_of(&snap(true, false, false), approved),
            PrState::Draft
        );
        assert_eq!(
            state_of(&snap(false, false, false), approved),
            PrState::Approved
        );
        let changes = Decision::ChangesRequested;
        assert_eq!(
            state_of(&snap(false, false, false), changes),
            PrState::ChangesRequested
        );
        assert_eq!(
            state_of(&snap(false, false, false), Decision::Pending),
            PrState::Open
        );
    }
}
