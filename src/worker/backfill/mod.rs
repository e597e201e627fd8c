//! Backfill, shared by `threadline backfill` and the `github.backfill`
//! job: list a repository's open PRs (`state=open&sort=created&
//! direction=asc`, paged), route each as a synthetic `pull_request`
//! `opened` through `web`'s own router (routes and filters: bots, labels,
//! drafts, base), and queue the admitted ones as `pr.backfill` jobs
//! through `web`'s intake, whose dedupe (`backfill:{repo id}:{number}`)
//! makes a second run queue nothing. An organisation's repositories are
//! those a route admits, archived ones left out.

use crate::config::{Config, Destination};
use crate::github::{As, GitHub, GithubError};
use crate::pr_facts::GateFacts;
use crate::queue::Unqueued;
use crate::web::router::{route, JobPlan, Routed};
use serde_json::{json, Value};
use threadline_jobs::{self as jobs, PrBackfill};

/// A `pr.backfill` ready for the intake: its dedupe key, the job, and the
/// PR's facts for the worker's filters.
pub type Queued = (String, Unqueued, Option<GateFacts>);

/// Routes `pr` of `repo` as an `opened` delivery: `Some` job when it is
/// admitted, else why not.
pub fn admit(pr: &Value, repo: &str, plan: &JobPlan) -> anyhow::Result<(String, Option<Queued>)> {
    let number = pr["number"].as_u64().unwrap_or(0);
    let repo_id = pr["base"]["repo"]["id"].as_u64().unwrap_or(0);
    let owner = repo.split('/').next().unwrap_or("");
    let event = json!({
        "action": "opened",
        "number": number,
        "pull_request": pr,
        "repository": {"id": repo_id, "full_name": repo, "owner": {"login": owner}},
        "sender": pr["user"],
    });
    let body = event.to_string();
    let delivery = PrBackfill::delivery_of(repo_id, number);
    let key = delivery.key();
    let gate = match route("pull_request", delivery.clone(), body.as_bytes(), plan)
        .map_err(anyhow::Error::msg)?
    {
        Routed::Enqueue { gate, .. } => gate,
        Routed::Filtered { reason, .. } => return Ok((format!("filtered: {reason}"), None)),
        Routed::Ping | Routed::Ignored { .. } => return Ok(("not admitted".into(), None)),
    };
    let parsed: crate::github::PullRequest = serde_json::from_value(pr.clone())?;
    let job = PrBackfill {
        delivery: delivery.clone(),
        repo: jobs::Repo {
            id: repo_id,
            full_name: repo.to_string(),
        },
        pr: parsed.to_job(),
        opened_at: pr["created_at"].as_str().unwrap_or("").to_string(),
        comments: pr["comments"].as_u64().unwrap_or(0),
        review_comments: pr["review_comments"].as_u64().unwrap_or(0),
    };
    let env = jobs::encode(&job)?;
    let unqueued = Unqueued::new(env, &delivery, |q| plan.common.queue(q), plan.reserve_for);
    Ok((String::new(), Some((key, unqueued, gate))))
}

/// Every open PR of `repo`, oldest first, with the counts the list
/// (`pull-request-simple`) lacks fetched from `GET /pulls/{n}`.
pub async fn open_pulls(github: &GitHub, repo: &str, who: As) -> Result<Vec<Value>, GithubError> {
    let path = format!("/repos/{repo}/pulls?state=open&sort=created&direction=asc&per_page=100");
    let listed = github
        .get_all::<Value>(&path, who)
        .await
        .map_err(|e| about(e, repo))?;
    let mut pulls = Vec::with_capacity(listed.len());
    for pr in listed {
        if pr.get("comments").is_some() {
            pulls.push(pr);
            continue;
        }
        let n = pr["number"].as_u64().unwrap_or(0);
        let full = github
            .get_json::<Value>(&format!("/repos/{repo}/pulls/{n}"), who)
            .await
            .map_err(|e| about(e, &format!("{repo}#{n}")))?;
        pulls.push(full);
    }
    Ok(pulls)
}

/// The repositories of `org` that a route of `config` admits (not
/// archived), read as `who`.
pub async fn org_repos(
    github: &GitHub,
    org: &str,
    config: &Config,
    who: As,
) -> Result<Vec<String>, GithubError> {
    let listed = github
        .get_all::<Value>(&format!("/orgs/{org}/repos?per_page=100"), who)
        .await
        .map_err(|e| about(e, org))?;
    let admitted = listed.iter().filter_map(|repo| {
        let name = repo["full_name"].as_str()?;
        let routed = matches!(config.destination(name), Destination::Channel { .. });
        (routed && repo["archived"] != true).then(|| name.to_string())
    });
    Ok(admitted.collect())
}

/// Who reads: the token, or (App mode) `installation` when the delivery
/// named it, else the installation `installation_path` names
/// (`/repos/{o}/{r}/installation`, `/orgs/{org}/installation`).
pub async fn who_for(
    github: &GitHub,
    installation: Option<u64>,
    installation_path: &str,
) -> Result<As, GithubError> {
    if !github.is_app() {
        return Ok(As::Token);
    }
    if let Some(id) = installation {
        return Ok(As::Installation(id));
    }
    let found: Value = github
        .get_json(installation_path, As::App)
        .await
        .map_err(|e| about(e, &format!("GET {installation_path}")))?;
    let id = found["id"]
        .as_u64()
        .ok_or_else(|| GithubError::Failed(anyhow::anyhow!("{installation_path}: no id")))?;
    Ok(As::Installation(id))
}

/// `e`, saying what it was about; a rate limit stays one.
fn about(e: GithubError, what: &str) -> GithubError {
    match e {
        GithubError::Refused { status, message } => GithubError::Refused {
            status,
            message: format!("{what}: {message}"),
        },
        GithubError::Failed(e) => GithubError::Failed(e.context(what.to_string())),
        deferred => deferred,
    }
}
