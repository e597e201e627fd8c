//! The config's routes and filters, applied where the payload has what
//! they need, so that a filtered `pull_request` delivery costs no job.
//!
//! A muted or unrouted repository, and a PR the filters keep out, are
//! answered 202 with the reason logged. A PR that the delivery itself made
//! eligible (a label removed or added, ready for review while drafts are
//! held, a new base branch) becomes a `pr.eligible` job instead.

use super::Routed;
use crate::config::{Config, Destination, Drafts, Filters, PrFacts};
use crate::github;
use crate::pr_facts::GateFacts;

/// The filters for `full_name`, or why its deliveries are dropped.
fn screen<'a>(config: &'a crate::config::Config, full_name: &str) -> Result<&'a Filters, String> {
    match config.destination(full_name) {
        Destination::Channel { filters, .. } => Ok(filters),
        Destination::Muted => Err(format!("{full_name} is muted")),
        Destination::Unrouted => Err(format!(
            "no route for {full_name} and DISCORD_CHANNEL_ID is unset"
        )),
    }
}

/// The filters for a delivery about `repository`, written by `by` (a
/// comment's or review's author), or the answer that drops it: filtered
/// for a muted or unrouted repository, ignored for a bot not forwarded.
pub(super) fn admit<'a>(
    config: &'a Config,
    action: &str,
    repository: &github::Repository,
    by: Option<&github::User>,
) -> Result<&'a Filters, Routed> {
    let filters =
        screen(config, &repository.full_name).map_err(|reason| drop(action, reason, None))?;
    match by {
        Some(user) if !filters.forwards(&user.login, user.is_bot()) => Err(Routed::Ignored {
            action: Some(format!("{action} by a bot")),
        }),
        _ => Ok(filters),
    }
}

/// For a delivery that carries the whole PR: the record the worker's
/// filtering of comments needs, or the answer when the filters keep the
/// PR out.
pub(super) fn pr_passes(
    filters: &Filters,
    action: &str,
    repo_id: u64,
    pr: &github::PullRequest,
) -> Result<Option<GateFacts>, Routed> {
    let facts = gate(filters, repo_id, pr);
    match excluded(filters, pr) {
        Some(reason) => Err(drop(action, reason, facts)),
        None => Ok(facts),
    }
}

/// Accepted and dropped by the config, with the reason.
pub(super) fn drop(action: &str, reason: String, gate: Option<GateFacts>) -> Routed {
    Routed::Filtered {
        action: action.to_string(),
        reason,
        gate,
    }
}

/// Why the filters keep this PR out, if they do.
fn excluded(filters: &Filters, pr: &github::PullRequest) -> Option<String> {
    let labels = names(&pr.labels);
    filters.excludes(&facts(pr, &labels, Some(&pr.base.name)))
}

/// Why the PR of an issue is kept out, as far as an issue tells: its base
/// branch is unknown here, and left to the worker.
pub(super) fn issue_excluded(filters: &Filters, issue: &github::Issue) -> Option<String> {
    let labels = names(&issue.labels);
    filters.excludes(&PrFacts {
        author: &issue.user.login,
        labels: &labels,
        body: issue.body.as_deref().unwrap_or_default(),
        base: None,
        draft: issue.draft,
    })
}

/// Why this delivery made the PR eligible: it passes now, and did not
/// with the delivery's own change undone.
pub(super) fn became_eligible(
    filters: &Filters,
    e: &github::PullRequestEvent,
    pr: &github::PullRequest,
) -> Option<String> {
    let labels = names(&pr.labels);
    let now = facts(pr, &labels, Some(&pr.base.name));
    if filters.excludes(&now).is_some() {
        return None;
    }
    let label = e.label.as_ref().map(|l| l.name.clone());
    let (before, why) = match (e.action.as_str(), label) {
        ("unlabeled", Some(label)) => {
            let mut with: Vec<String> = labels.clone();
            with.push(label.clone());
            (
                filters.excludes(&facts(pr, &with, now.base)),
                format!("the label {label:?} was removed"),
            )
        }
        ("labeled", Some(label)) => {
            let without: Vec<String> = labels.iter().filter(|l| **l != label).cloned().collect();
            (
                filters.excludes(&facts(pr, &without, now.base)),
                format!("the label {label:?} was added"),
            )
        }
        ("ready_for_review", _) if filters.drafts == Drafts::Hold => {
            (Some(String::new()), "it is ready for review".to_string())
        }
        ("edited", _) => {
            let from = e
                .changes
                .as_ref()?
                .base
                .as_ref()?
                .name
                .as_ref()?
                .from
                .clone();
            let old = facts(pr, &labels, Some(&from));
            (
                filters.excludes(&old),
                format!("its base branch changed to {:?}", pr.base.name),
            )
        }
        _ => (None, String::new()),
    };
    before.map(|_| why)
}

/// The PR's base and draft state for the worker's filtering of comments,
/// when this route filters on them.
pub(super) fn gate(filters: &Filters, repo_id: u64, pr: &github::PullRequest) -> Option<GateFacts> {
    let wanted = !filters.base_branches.is_empty() || filters.drafts == Drafts::Hold;
    wanted.then(|| GateFacts {
        repo_id,
        number: pr.number,
        updated_at: pr.updated_at.clone().unwrap_or_default(),
        base: pr.base.name.as_str().into(),
        draft: pr.draft.unwrap_or(false),
        head: None,
    })
}

fn names(labels: &[github::Label]) -> Vec<String> {
    labels.iter().map(|l| l.name.clone()).collect()
}

fn facts<'a>(
    pr: &'a github::PullRequest,
    labels: &'a [String],
    base: Option<&'a str>,
) -> PrFacts<'a> {
    PrFacts {
        author: &pr.user.login,
        labels,
        body: pr.body.as_deref().unwrap_or_default(),
        base,
        draft: pr.draft,
    }
}
