//! From (event, payload) to what `web` does with it: answer a ping, ignore
//! an event Threadline does not handle, or build the one typed job for it.
//!
//! Unknown events and actions are ignored with a 2xx, since GitHub adds
//! new ones over time; a handled action with a payload that lacks what the
//! job needs is a 400 naming the missing part.

use crate::github;
use crate::queue::to_faktory;
use serde::de::IgnoredAny;
use std::time::Duration;
use threadline_jobs::{Delivery, PrOpened};

/// What a delivery turns into.
#[derive(Debug)]
pub enum Routed {
    Ping,
    Ignored {
        action: Option<String>,
    },
    Enqueue {
        action: String,
        job: Box<faktory::Job>,
    },
}

/// How jobs are addressed: namespaced queue names and their reservation.
pub struct JobPlan {
    pub common: crate::settings::Common,
    pub reserve_for: Duration,
}

impl JobPlan {
    fn build<J: threadline_jobs::Job>(&self, action: String, job: &J) -> Result<Routed, String> {
        let job = to_faktory(job, |q| self.common.queue(q), self.reserve_for)
            .map_err(|e| format!("{e:#}"))?;
        Ok(Routed::Enqueue {
            action,
            job: Box::new(job),
        })
    }
}

/// Routes one delivery. `Err` is a client error (400) with its reason.
pub fn route(
    event: &str,
    delivery: Delivery,
    json: &[u8],
    plan: &JobPlan,
) -> Result<Routed, String> {
    match event {
        "ping" => valid_json(json).map(|_| Routed::Ping),
        "pull_request" => pull_request(delivery, json, plan),
        _ => valid_json(json).map(|_| Routed::Ignored { action: None }),
    }
}

fn pull_request(delivery: Delivery, json: &[u8], plan: &JobPlan) -> Result<Routed, String> {
    let event: github::PullRequestEvent = parse(json)?;
    match event.action.as_str() {
        "opened" => {
            let (pr, repo) = pr_and_repo(&event)?;
            plan.build(event.action.clone(), &PrOpened { delivery, repo, pr })
        }
        _ => Ok(Routed::Ignored {
            action: Some(event.action),
        }),
    }
}

fn pr_and_repo(
    event: &github::PullRequestEvent,
) -> Result<(threadline_jobs::PullRequest, threadline_jobs::Repo), String> {
    let pr = event
        .pull_request
        .as_ref()
        .ok_or("payload has no pull_request")?;
    let repo = event
        .repository
        .as_ref()
        .ok_or("payload has no repository")?;
    Ok((pr.to_job(), repo.to_job()))
}

fn parse<'a, T: serde::Deserialize<'a>>(json: &'a [u8]) -> Result<T, String> {
    serde_json::from_slice(json).map_err(|e| format!("invalid payload: {e}"))
}

fn valid_json(json: &[u8]) -> Result<(), String> {
    parse::<IgnoredAny>(json).map(|_| ())
}
