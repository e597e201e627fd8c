//! `pull_request`: the handled actions become one job each (`pr.opened`,
//! `pr.retitled`, ...), a label change only when it makes a PR eligible
//! (`pr.eligible`), unless the config's routes or filters drop it.

use super::{filter, ignored, with_gate, JobPlan, Routing};
use crate::github;
use threadline_jobs as jobs;
use threadline_jobs::Delivery;

/// The `pull_request` actions that become jobs.
fn handled(action: &str) -> bool {
    matches!(
        action,
        "opened"
            | "edited"
            | "converted_to_draft"
            | "ready_for_review"
            | "synchronize"
            | "review_requested"
            | "review_request_removed"
            | "closed"
            | "reopened"
    )
}

pub(super) fn pull_request(
    delivery: Delivery,
    e: github::PullRequestEvent,
    plan: &JobPlan,
) -> Routing {
    // The event name is unsigned: a review's body is not a PR event.
    if let Some(other) = e.other_event() {
        return Err(format!(
            "X-GitHub-Event pull_request does not match the body (a {other} body)"
        ));
    }
    let action = e.action.as_str();
    // Label changes matter only when they make a PR eligible.
    if !handled(action) && !matches!(action, "labeled" | "unlabeled") {
        return ignored(action);
    }
    let (Some(pr), Some(repository)) = (&e.pull_request, &e.repository) else {
        return pull_request_event(delivery, &e, plan);
    };
    let filters = match filter::admit(&plan.config, action, repository, None) {
        Ok(filters) => filters,
        Err(answer) => return Ok(answer),
    };
    if let Some(reason) = filter::became_eligible(filters, &e, pr) {
        let gate = filter::gate(filters, repository.id, pr);
        let job = jobs::PrEligible {
            delivery,
            repo: repository.to_job(),
            pr: pr.to_job(),
            reason,
        };
        return with_gate(plan.build(action, &job), gate);
    }
    match filter::pr_passes(filters, action, repository.id, pr) {
        Ok(gate) => with_gate(pull_request_event(delivery, &e, plan), gate),
        Err(answer) => Ok(answer),
    }
}

/// What every `pull_request` job carries: the delivery, the repository,
/// the PR and who acted (the sender, else the PR's author).
struct Subject {
    delivery: Delivery,
    repo: jobs::Repo,
    pr: jobs::PullRequest,
    actor: String,
}

/// The job of a handled action that passed the filters.
fn pull_request_event(delivery: Delivery, e: &github::PullRequestEvent, plan: &JobPlan) -> Routing {
    let action = e.action.as_str();
    if !handled(action) {
        return ignored(action);
    }
    let pr = e
        .pull_request
        .as_ref()
        .ok_or("payload has no pull_request")?;
    let repository = e.repository.as_ref().ok_or("payload has no repository")?;
    let actor = e
        .sender
        .as_ref()
        .map_or_else(|| pr.user.login.clone(), |s| s.login.clone());
    let s = Subject {
        delivery,
        repo: repository.to_job(),
        pr: pr.to_job(),
        actor,
    };
    match action {
        "opened" => plan.build(action, &opened(s)),
        "edited" => match retitled(e, s) {
            Some(job) => plan.build(action, &job),
            None => ignored(action),
        },
        "converted_to_draft" | "ready_for_review" => plan.build(action, &draft_changed(s)),
        "synchronize" => plan.build(action, &pushed(e, repository, pr, s)),
        "review_requested" | "review_request_removed" => {
            plan.build(action, &review_request(e, action, s)?)
        }
        _ => plan.build(action, &state_changed(pr, s)),
    }
}

fn opened(s: Subject) -> jobs::PrOpened {
    jobs::PrOpened {
        delivery: s.delivery,
        repo: s.repo,
        pr: s.pr,
    }
}

/// Only a title change is news; other edits are ignored.
fn retitled(e: &github::PullRequestEvent, s: Subject) -> Option<jobs::PrRetitled> {
    let from = e.changes.as_ref().and_then(|c| c.title.as_ref())?;
    Some(jobs::PrRetitled {
        delivery: s.delivery,
        repo: s.repo,
        pr: s.pr,
        actor: s.actor,
        title_from: from.from.clone(),
    })
}

fn draft_changed(s: Subject) -> jobs::PrDraftChanged {
    jobs::PrDraftChanged {
        delivery: s.delivery,
        repo: s.repo,
        pr: s.pr,
        actor: s.actor,
    }
}

fn pushed(
    e: &github::PullRequestEvent,
    repository: &github::Repository,
    pr: &github::PullRequest,
    s: Subject,
) -> jobs::PrPushed {
    let before = e.before.clone().unwrap_or_default();
    let after = e.after.clone().unwrap_or_default();
    let base = repository
        .html_url
        .clone()
        .unwrap_or_else(|| format!("https://github.com/{}", s.repo.full_name));
    let compare_url = format!("{base}/compare/{}...{}", short(&before), short(&after));
    jobs::PrPushed {
        delivery: s.delivery,
        repo: s.repo,
        pr: s.pr,
        actor: s.actor,
        before,
        after,
        commits: pr.commits.unwrap_or(0),
        compare_url,
    }
}

fn review_request(
    e: &github::PullRequestEvent,
    action: &str,
    s: Subject,
) -> Result<jobs::PrReviewRequest, String> {
    let reviewer = match (&e.requested_reviewer, &e.requested_team) {
        (Some(user), _) => user.login.clone(),
        (None, Some(team)) => format!("team {}", team.name),
        (None, None) => return Err("payload names no requested reviewer or team".into()),
    };
    Ok(jobs::PrReviewRequest {
        delivery: s.delivery,
        repo: s.repo,
        pr: s.pr,
        actor: s.actor,
        reviewer,
        removed: action == "review_request_removed",
        team: e.requested_team_slug(),
    })
}

/// `closed` (merged or not) and `reopened`.
fn state_changed(pr: &github::PullRequest, s: Subject) -> jobs::PrStateChanged {
    jobs::PrStateChanged {
        delivery: s.delivery,
        repo: s.repo,
        pr: s.pr,
        actor: s.actor,
        merged_by: pr.merged_by.as_ref().map(|u| u.login.clone()),
    }
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}
