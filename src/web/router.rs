//! From (event, payload) to what `web` does with it: answer a ping, ignore
//! an event Threadline does not handle, or build the one typed job for it.
//!
//! Unknown events and actions are ignored with a 2xx, since GitHub adds
//! new ones over time; a handled action with a payload that lacks what the
//! job needs is a 400 naming the missing part. The config's routes and
//! filters ([`filter`]) drop deliveries of muted or unrouted repositories,
//! of PRs kept out, and comments and reviews by bots (unless forwarded).
//! Comments, with their edits and deletions, are routed in [`comments`].

mod comments;
mod filter;
pub mod install;
mod review;

use crate::config::Config;
use crate::github;
use crate::pr_facts::GateFacts;
use crate::queue::Unqueued;
use serde::de::IgnoredAny;
use std::sync::Arc;
use std::time::Duration;
use threadline_jobs as jobs;
use threadline_jobs::Delivery;

/// What a delivery turns into.
#[derive(Debug)]
pub enum Routed {
    Ping,
    Ignored {
        action: Option<String>,
    },
    /// Accepted and dropped by the config, with the reason.
    Filtered {
        action: String,
        reason: String,
        gate: Option<GateFacts>,
    },
    Enqueue {
        action: String,
        job: Box<Unqueued>,
        /// What the worker's filtering of comments needs to know.
        gate: Option<GateFacts>,
    },
}

/// How jobs are addressed, and which deliveries are wanted.
pub struct JobPlan {
    pub common: crate::settings::Common,
    pub reserve_for: Duration,
    /// Routes and filters (`THREADLINE_CONFIG`).
    pub config: Arc<Config>,
}

type Routing = Result<Routed, String>;

impl JobPlan {
    fn build<J: jobs::Job>(&self, action: &str, job: &J) -> Routing {
        let env = jobs::encode(job).map_err(|e| format!("encoding job args: {e}"))?;
        let job = Unqueued::new(
            env,
            job.delivery(),
            |q| self.common.queue(q),
            self.reserve_for,
        );
        Ok(Routed::Enqueue {
            action: action.to_string(),
            job: Box::new(job),
            gate: None,
        })
    }
}

/// Adds the gate record to a job about to be queued.
fn with_gate(routed: Routing, facts: Option<GateFacts>) -> Routing {
    routed.map(|r| match r {
        Routed::Enqueue { action, job, .. } => Routed::Enqueue {
            action,
            job,
            gate: facts,
        },
        other => other,
    })
}

fn ignored(action: &str) -> Routing {
    Ok(Routed::Ignored {
        action: Some(action.to_string()),
    })
}

/// Routes one delivery. `Err` is a client error (400) with its reason.
pub fn route(event: &str, delivery: Delivery, json: &[u8], plan: &JobPlan) -> Routing {
    match event {
        "ping" => install::ping(delivery, json, plan),
        "installation" => install::installation(delivery, json, plan),
        "installation_repositories" => install::installation_repositories(delivery, json, plan),
        "pull_request" => pull_request(delivery, parse(json)?, plan),
        "issue_comment" => comments::issue_comment(delivery, parse(json)?, plan),
        "pull_request_review" => review::review(delivery, parse(json)?, plan),
        "pull_request_review_comment" => comments::review_comment(delivery, parse(json)?, plan),
        _ => valid_json(json).map(|_| Routed::Ignored { action: None }),
    }
}

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

fn pull_request(delivery: Delivery, e: github::PullRequestEvent, plan: &JobPlan) -> Routing {
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
    let (repo, pr_job) = (repository.to_job(), pr.to_job());
    let actor = e
        .sender
        .as_ref()
        .map_or_else(|| pr.user.login.clone(), |s| s.login.clone());
    match action {
        "opened" => plan.build(
            action,
            &jobs::PrOpened {
                delivery,
                repo,
                pr: pr_job,
            },
        ),
        "edited" => match e.changes.as_ref().and_then(|c| c.title.as_ref()) {
            Some(from) => {
                let title_from = from.from.clone();
                plan.build(
                    action,
                    &jobs::PrRetitled {
                        delivery,
                        repo,
                        pr: pr_job,
                        actor,
                        title_from,
                    },
                )
            }
            None => ignored(action),
        },
        "converted_to_draft" | "ready_for_review" => plan.build(
            action,
            &jobs::PrDraftChanged {
                delivery,
                repo,
                pr: pr_job,
                actor,
            },
        ),
        "synchronize" => {
            let before = e.before.clone().unwrap_or_default();
            let after = e.after.clone().unwrap_or_default();
            let base = repository
                .html_url
                .clone()
                .unwrap_or_else(|| format!("https://github.com/{}", repo.full_name));
            let compare_url = format!("{base}/compare/{}...{}", short(&before), short(&after));
            let commits = pr.commits.unwrap_or(0);
            plan.build(
                action,
                &jobs::PrPushed {
                    delivery,
                    repo,
                    pr: pr_job,
                    actor,
                    before,
                    after,
                    commits,
                    compare_url,
                },
            )
        }
        "review_requested" | "review_request_removed" => {
            let reviewer = match (&e.requested_reviewer, &e.requested_team) {
                (Some(user), _) => user.login.clone(),
                (None, Some(team)) => format!("team {}", team.name),
                (None, None) => return Err("payload names no requested reviewer or team".into()),
            };
            let removed = action == "review_request_removed";
            let team = e.requested_team_slug();
            plan.build(
                action,
                &jobs::PrReviewRequest {
                    delivery,
                    repo,
                    pr: pr_job,
                    actor,
                    reviewer,
                    removed,
                    team,
                },
            )
        }
        _ => {
            let merged_by = pr.merged_by.as_ref().map(|u| u.login.clone());
            plan.build(
                action,
                &jobs::PrStateChanged {
                    delivery,
                    repo,
                    pr: pr_job,
                    actor,
                    merged_by,
                },
            )
        }
    }
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

fn parse<'a, T: serde::Deserialize<'a>>(json: &'a [u8]) -> Result<T, String> {
    serde_json::from_slice(json).map_err(|e| format!("invalid payload: {e}"))
}

fn valid_json(json: &[u8]) -> Result<(), String> {
    parse::<IgnoredAny>(json).map(|_| ())
}
