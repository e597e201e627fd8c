//! From (event, payload) to what `web` does with it: answer a ping, ignore
//! an event Threadline does not handle, or build the one typed job for it.
//!
//! Unknown events and actions are ignored with a 2xx, since GitHub adds
//! new ones over time; a handled action with a payload that lacks what the
//! job needs is a 400 naming the missing part. The config's routes and
//! filters ([`filter`]) drop deliveries of muted or unrouted repositories,
//! of PRs kept out, and comments and reviews by bots (unless forwarded).
//! `pull_request` is routed in [`pull_request`], reviews in [`review`],
//! comments, with their edits and deletions, in [`comments`]; the events
//! CI deliveries in [`ci`], which also gives every `pull_request`
//! record its head commit for the CI index; the events
//! handled by name are listed once, in [`GITHUB_EVENTS`] ([`events`]).

mod ci;
mod comments;
mod events;
mod filter;
pub mod install;
#[cfg(test)]
mod mutations;
mod pull_request;
mod review;

pub use events::GITHUB_EVENTS;

use crate::config::Config;
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
/// Every name matched here is in [`GITHUB_EVENTS`] (its tests check).
pub fn route(event: &str, delivery: Delivery, json: &[u8], plan: &JobPlan) -> Routing {
    match event {
        "ping" => install::ping(delivery, json, plan),
        "installation" => install::installation(delivery, json, plan),
        "installation_repositories" => install::installation_repositories(delivery, json, plan),
        "pull_request" => ci::with_head(
            pull_request::pull_request(delivery, parse(json)?, plan),
            json,
        ),
        "check_run" => ci::check_run(delivery, json, plan),
        "check_suite" => ci::check_suite(delivery, json, plan),
        "workflow_run" => ci::workflow_run(delivery, json, plan),
        "status" => ci::status(delivery, json, plan),
        "issue_comment" => comments::issue_comment(delivery, parse(json)?, plan),
        "pull_request_review" => review::review(delivery, parse(json)?, plan),
        "pull_request_review_comment" => comments::review_comment(delivery, parse(json)?, plan),
        _ => valid_json(json).map(|_| Routed::Ignored { action: None }),
    }
}

fn parse<'a, T: serde::Deserialize<'a>>(json: &'a [u8]) -> Result<T, String> {
    serde_json::from_slice(json).map_err(|e| format!("invalid payload: {e}"))
}

fn valid_json(json: &[u8]) -> Result<(), String> {
    parse::<IgnoredAny>(json).map(|_| ())
}

/// A plan for tests: everything routed to channel 1, nothing queued.
#[cfg(test)]
pub(crate) fn test_plan() -> JobPlan {
    use crate::settings::{Common, FaktoryAddr};
    JobPlan {
        common: Common {
            faktory: FaktoryAddr {
                host_port: "127.0.0.1:7419".into(),
                password: None,
            },
            redis_url: String::new(),
            namespace: String::new(),
            reserve_for: Duration::from_secs(60),
        },
        reserve_for: Duration::from_secs(60),
        config: Arc::new(crate::config::Config::without_file(
            &crate::config::EnvOverrides {
                fallback: Some(1),
                ..Default::default()
            },
        )),
    }
}
