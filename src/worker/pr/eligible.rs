//! The filters a comment's payload cannot answer: an `issue_comment`
//! knows no base branch and `web` left the PR's base and draft state to
//! the worker, which reads what `web` recorded of the PR (see
//! [`crate::pr_facts`]). A PR never seen in a `pull_request` delivery passes.

use crate::config::{Drafts, PrFacts};
use crate::worker::{Context, JobError};
use threadline_jobs::{PullRequest, Repo};

/// Why the filters keep this comment's PR out, if they do.
pub async fn excluded(
    ctx: &Context,
    repo: &Repo,
    pr: &PullRequest,
) -> Result<Option<String>, JobError> {
    let filters = ctx.config.filters_for(&repo.full_name);
    let gated = !filters.base_branches.is_empty() || filters.drafts == Drafts::Hold;
    if !pr.from_issue || !gated {
        return Ok(None);
    }
    let mut redis = ctx.guards.redis();
    let prefix = ctx.common.key_prefix();
    let facts = crate::pr_facts::read(&mut redis, &prefix, repo.id, pr.number)
        .await
        .map_err(|e| JobError::redis("reading the PR's base and draft state", e))?;
    let Some((base, draft)) = facts else {
        return Ok(None);
    };
    Ok(filters.excludes(&PrFacts {
        author: &pr.author,
        labels: &[],
        body: "",
        base: Some(&base),
        draft: Some(draft),
    }))
}
