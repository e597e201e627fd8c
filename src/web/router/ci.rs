//! CI deliveries (`check_run`, `check_suite`, `workflow_run`, `status`)
//! become one `ci.changed` each, for the worker to find the PR by the head
//! commit; and every routed `pull_request` delivery carries its head
//! commit to the index ([`crate::pr_facts`]) through its gate record.
//!
//! Only the fields a summary line needs are read. The bots filter does not
//! apply: a bot's check suite is CI, not a bot comment. A muted or
//! unrouted repository's CI is filtered like anything else of it.

use super::{filter, ignored, JobPlan, Routed, Routing};
use crate::github::Repository;
use crate::pr_facts::{GateFacts, Head};
use serde::Deserialize;
use threadline_jobs as jobs;
use threadline_jobs::Delivery;

#[derive(Deserialize)]
struct Numbered {
    number: u64,
}

#[derive(Deserialize)]
struct CheckRun {
    id: u64,
    name: String,
    status: String,
    conclusion: Option<String>,
    head_sha: String,
    html_url: Option<String>,
    started_at: Option<String>,
    completed_at: Option<String>,
    check_suite: Option<Suite>,
    #[serde(default)]
    pull_requests: Vec<Numbered>,
}

#[derive(Deserialize)]
struct Suite {
    id: u64,
    #[serde(default)]
    head_sha: String,
    #[serde(default)]
    status: Option<String>,
    conclusion: Option<String>,
    updated_at: Option<String>,
    app: Option<App>,
    #[serde(default)]
    pull_requests: Vec<Numbered>,
}

#[derive(Deserialize)]
struct App {
    name: String,
}

#[derive(Deserialize)]
struct WorkflowRun {
    id: u64,
    name: Option<String>,
    head_sha: String,
    status: String,
    conclusion: Option<String>,
    html_url: Option<String>,
    updated_at: Option<String>,
    check_suite_id: Option<u64>,
    #[serde(default)]
    pull_requests: Vec<Numbered>,
}

#[derive(Deserialize)]
struct Event<T> {
    #[serde(default)]
    action: String,
    check_run: Option<T>,
    check_suite: Option<T>,
    workflow_run: Option<T>,
    repository: Option<Repository>,
}

#[derive(Deserialize)]
struct StatusEvent {
    sha: String,
    context: String,
    state: String,
    target_url: Option<String>,
    updated_at: Option<String>,
    repository: Option<Repository>,
}

fn parse<'a, T: Deserialize<'a>>(json: &'a [u8]) -> Result<T, String> {
    serde_json::from_slice(json).map_err(|e| format!("invalid payload: {e}"))
}

/// `check_run` `created` / `completed`.
pub(super) fn check_run(delivery: Delivery, json: &[u8], plan: &JobPlan) -> Routing {
    let e: Event<CheckRun> = parse(json)?;
    if !matches!(e.action.as_str(), "created" | "completed") {
        return ignored(&e.action);
    }
    let r = e.check_run.ok_or("payload has no check_run")?;
    let run = jobs::CiRun {
        key: format!("check_run:{}", r.id),
        name: r.name,
        status: r.status,
        conclusion: r.conclusion,
        legacy: false,
        url: r.html_url,
        at: r.completed_at.or(r.started_at).unwrap_or_default(),
        suite: r.check_suite.map(|s| s.id),
        covers: None,
    };
    let prs = numbers(&r.pull_requests);
    build(
        delivery,
        &e.action,
        e.repository,
        r.head_sha,
        prs,
        run,
        plan,
    )
}

/// `check_suite` `completed`.
pub(super) fn check_suite(delivery: Delivery, json: &[u8], plan: &JobPlan) -> Routing {
    let e: Event<Suite> = parse(json)?;
    if e.action != "completed" {
        return ignored(&e.action);
    }
    let s = e.check_suite.ok_or("payload has no check_suite")?;
    let run = jobs::CiRun {
        key: format!("check_suite:{}", s.id),
        name: s.app.map_or_else(|| "checks".to_string(), |a| a.name),
        status: s.status.unwrap_or_else(|| "completed".into()),
        conclusion: s.conclusion,
        legacy: false,
        url: None,
        at: s.updated_at.unwrap_or_default(),
        suite: None,
        covers: Some(s.id),
    };
    let prs = numbers(&s.pull_requests);
    build(
        delivery,
        &e.action,
        e.repository,
        s.head_sha,
        prs,
        run,
        plan,
    )
}

/// `workflow_run` `requested` / `in_progress` / `completed`.
pub(super) fn workflow_run(delivery: Delivery, json: &[u8], plan: &JobPlan) -> Routing {
    let e: Event<WorkflowRun> = parse(json)?;
    if !matches!(e.action.as_str(), "requested" | "in_progress" | "completed") {
        return ignored(&e.action);
    }
    let w = e.workflow_run.ok_or("payload has no workflow_run")?;
    let run = jobs::CiRun {
        key: format!("workflow_run:{}", w.id),
        name: w.name.unwrap_or_else(|| "workflow".into()),
        status: w.status,
        conclusion: w.conclusion,
        legacy: false,
        url: w.html_url,
        at: w.updated_at.unwrap_or_default(),
        suite: None,
        covers: w.check_suite_id,
    };
    let prs = numbers(&w.pull_requests);
    build(
        delivery,
        &e.action,
        e.repository,
        w.head_sha,
        prs,
        run,
        plan,
    )
}

/// `status`: a legacy commit status, which names no PR at all.
pub(super) fn status(delivery: Delivery, json: &[u8], plan: &JobPlan) -> Routing {
    let s: StatusEvent = parse(json)?;
    let run = jobs::CiRun {
        key: format!("status:{}", s.context),
        name: s.context,
        status: s.state.clone(),
        conclusion: None,
        legacy: true,
        url: s.target_url,
        at: s.updated_at.unwrap_or_default(),
        suite: None,
        covers: None,
    };
    build(
        delivery,
        &s.state,
        s.repository,
        s.sha,
        Vec::new(),
        run,
        plan,
    )
}

fn numbers(prs: &[Numbered]) -> Vec<u64> {
    prs.iter().map(|p| p.number).collect()
}

fn build(
    delivery: Delivery,
    action: &str,
    repository: Option<Repository>,
    head_sha: String,
    prs: Vec<u64>,
    run: jobs::CiRun,
    plan: &JobPlan,
) -> Routing {
    let repository = repository.ok_or("payload has no repository")?;
    if head_sha.is_empty() {
        return Err("payload has no head commit".into());
    }
    if let Err(answer) = filter::admit(&plan.config, action, &repository, None) {
        return Ok(answer);
    }
    let job = jobs::CiChanged {
        delivery,
        repo: repository.to_job(),
        head_sha,
        prs,
        run,
    };
    plan.build(action, &job)
}

#[derive(Deserialize)]
struct PrHead {
    pull_request: Option<HeadOf>,
    repository: Option<IdOnly>,
}

#[derive(Deserialize)]
struct HeadOf {
    number: u64,
    updated_at: Option<String>,
    head: Sha,
}

#[derive(Deserialize)]
struct Sha {
    sha: Option<String>,
}

#[derive(Deserialize)]
struct IdOnly {
    id: u64,
}

/// Adds the PR's head commit to the record of a routed `pull_request`
/// delivery (queued or filtered), for the CI index.
pub(super) fn with_head(routed: Routing, json: &[u8]) -> Routing {
    let head = || -> Option<GateFacts> {
        let p: PrHead = serde_json::from_slice(json).ok()?;
        let pr = p.pull_request?;
        Some(GateFacts {
            repo_id: p.repository?.id,
            number: pr.number,
            updated_at: pr.updated_at.unwrap_or_default(),
            base: "".into(),
            draft: false,
            head: Some(Box::new(Head {
                sha: pr.head.sha?,
                gated: false,
            })),
        })
    };
    let add = |gate: Option<GateFacts>| -> Option<GateFacts> {
        let Some(h) = head() else { return gate };
        Some(match gate {
            Some(g) => GateFacts {
                head: h.head.map(|head| {
                    Box::new(Head {
                        gated: true,
                        ..*head
                    })
                }),
                ..g
            },
            None => h,
        })
    };
    routed.map(|r| match r {
        Routed::Enqueue { action, job, gate } => Routed::Enqueue {
            action,
            job,
            gate: add(gate),
        },
        Routed::Filtered {
            action,
            reason,
            gate,
        } => Routed::Filtered {
            action,
            reason,
            gate: add(gate),
        },
        other => other,
    })
}
