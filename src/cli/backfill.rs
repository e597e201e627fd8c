//! `threadline backfill OWNER/REPO ... | --org ORG [--dry-run] [--json]`:
//! a thread for every open PR that has none yet, as a `pull_request`
//! `opened` would make it. Open PRs are listed oldest first
//! (`state=open&sort=created&direction=asc`, paged); each becomes a
//! synthetic `opened` delivery routed by `web`'s own code (routes and
//! filters: bots, labels, drafts, base) and queued through its intake
//! (dedupe and gate facts) as one `pr.backfill` job, so the worker paces
//! it by the shared Discord budget. A second run is a duplicate of the
//! first; a PR whose thread exists keeps it.

use super::{Args, Failure, Outcome};
use crate::config::Destination;
use crate::github::{As, GitHub};
use crate::queue::{Producer, Unqueued};
use crate::settings::{GithubSettings, WebSettings};
use crate::web::router::{route, JobPlan, Routed};
use crate::web::{Intake, Intaker};
use serde_json::{json, Value};
use std::time::Duration;
use threadline_jobs::{self as jobs, PrBackfill};

const MAX_WAIT: Duration = Duration::from_secs(15 * 60);

pub async fn run(argv: &[String]) -> Outcome {
    let args = Args::parse(argv, &["org"], &["dry-run", "json"])?;
    let web = crate::web::settings_from_env()?;
    let settings = GithubSettings::from_env()?;
    let redis = crate::redis_conn::connect(&web.common.redis_url).await?;
    let mut redis = redis;
    let Some(github) = GitHub::from_settings(&settings, redis.clone(), &web.common.key_prefix())?
    else {
        return Err(Failure::Problem(anyhow::anyhow!(
            "GitHub API is off: set GITHUB_TOKEN, or GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY"
        )));
    };
    let github = github.with_max_wait(MAX_WAIT);
    let repos = match (args.value("org"), args.positional.as_slice()) {
        (Some(org), []) => org_repos(&github, org, &web).await?,
        (None, repos) if !repos.is_empty() && repos.iter().all(|r| r.split('/').count() == 2) => {
            repos.to_vec()
        }
        _ => {
            return Err(Failure::Usage(
                "backfill needs OWNER/REPO ... or --org ORG".into(),
            ))
        }
    };
    let plan = JobPlan {
        common: web.common.clone(),
        reserve_for: web.reserve_for,
        config: web.config.clone(),
    };
    let mut queue = Vec::new();
    for repo in &repos {
        let who = who_for(&github, &format!("/repos/{repo}/installation")).await?;
        for pr in open_pulls(&github, repo, who).await? {
            let (line, job) = admit(&pr, repo, &plan)?;
            if job.is_some() && args.switch("dry-run") {
                let has = has_thread(&mut redis, &web.common.key_prefix(), &pr).await?;
                say(
                    &args,
                    repo,
                    &pr,
                    if has { "has a thread" } else { "would create" },
                );
                continue;
            }
            match job {
                Some(job) => queue.push((repo.clone(), pr, job)),
                None => say(&args, repo, &pr, &line),
            }
        }
    }
    let common = web.common.clone();
    // web's intake runs on actix's runtime: one of its own, on a thread.
    let results = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let producer = Producer::start(common.faktory.clone())?;
            let intaker = Intaker::new(producer, common.redis_url.clone(), common.key_prefix());
            let mut redis = crate::redis_conn::connect(&common.redis_url).await?;
            let mut out = Vec::new();
            for (repo, pr, (key, job, gate)) in queue {
                let outcome = intaker.accept(&key, job, gate.as_ref()).await?;
                if let Intake::Queued(_) = outcome {
                    // The intake marks a delivery queued in a task of its
                    // own, which this short-lived runtime may end before:
                    // mark it here, so that a second run is a duplicate.
                    redis::cmd("SET")
                        .arg(format!("{}delivery:{key}", common.key_prefix()))
                        .arg(1)
                        .arg("EX")
                        .arg(crate::redis_conn::DELIVERY_TTL.as_secs())
                        .query_async::<()>(&mut redis)
                        .await?;
                }
                out.push((repo, pr, outcome));
            }
            anyhow::Ok(out)
        })
    })
    .join()
    .map_err(|_| anyhow::anyhow!("the backfill's queueing thread panicked"))??;
    for (repo, pr, outcome) in results {
        let line = match outcome {
            Intake::Queued(jid) => format!("queued as job {jid}"),
            Intake::Duplicate => "duplicate: backfilled before".to_string(),
        };
        say(&args, &repo, &pr, &line);
    }
    Ok(())
}

type Queued = (String, Unqueued, Option<crate::pr_facts::GateFacts>);

/// Routes `pr` as an `opened` delivery; `Some` job when it is admitted.
fn admit(pr: &Value, repo: &str, plan: &JobPlan) -> anyhow::Result<(String, Option<Queued>)> {
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
async fn open_pulls(github: &GitHub, repo: &str, who: As) -> anyhow::Result<Vec<Value>> {
    let mut path =
        format!("/repos/{repo}/pulls?state=open&sort=created&direction=asc&per_page=100");
    let mut pulls = Vec::new();
    loop {
        let page = github
            .get_page::<Value>(&path, who)
            .await
            .map_err(|e| anyhow::anyhow!("{repo}: {e}"))?;
        for pr in page.items {
            if pr.get("comments").is_some() {
                pulls.push(pr);
                continue;
            }
            let n = pr["number"].as_u64().unwrap_or(0);
            let full = github
                .get_json::<Value>(&format!("/repos/{repo}/pulls/{n}"), who)
                .await
                .map_err(|e| anyhow::anyhow!("{repo}#{n}: {e}"))?;
            pulls.push(full);
        }
        match page.next {
            Some(next) => path = next,
            None => return Ok(pulls),
        }
    }
}

/// The repositories of `org` that a route admits (not archived).
async fn org_repos(github: &GitHub, org: &str, web: &WebSettings) -> anyhow::Result<Vec<String>> {
    let who = who_for(github, &format!("/orgs/{org}/installation")).await?;
    let mut path = format!("/orgs/{org}/repos?per_page=100");
    let mut repos = Vec::new();
    loop {
        let page = github
            .get_page::<Value>(&path, who)
            .await
            .map_err(|e| anyhow::anyhow!("{org}: {e}"))?;
        for repo in page.items {
            let name = repo["full_name"].as_str().unwrap_or("").to_string();
            let routed = matches!(web.config.destination(&name), Destination::Channel { .. });
            if routed && repo["archived"] != true {
                repos.push(name);
            }
        }
        match page.next {
            Some(next) => path = next,
            None => return Ok(repos),
        }
    }
}

/// The token, or (App mode) the installation `installation_path` names.
async fn who_for(github: &GitHub, installation_path: &str) -> anyhow::Result<As> {
    if !github.is_app() {
        return Ok(As::Token);
    }
    let installation: Value = github
        .get_json(installation_path, As::App)
        .await
        .map_err(|e| anyhow::anyhow!("GET {installation_path}: {e}"))?;
    let id = installation["id"]
        .as_u64()
        .ok_or_else(|| anyhow::anyhow!("{installation_path}: no id"))?;
    Ok(As::Installation(id))
}

/// Whether the worker recorded a thread for `pr` (its guard key).
async fn has_thread(
    redis: &mut redis::aio::ConnectionManager,
    prefix: &str,
    pr: &Value,
) -> anyhow::Result<bool> {
    let key = format!(
        "{prefix}pr:{}:{}:thread",
        pr["base"]["repo"]["id"].as_u64().unwrap_or(0),
        pr["number"].as_u64().unwrap_or(0)
    );
    Ok(redis::cmd("EXISTS").arg(key).query_async(redis).await?)
}

fn say(args: &Args, repo: &str, pr: &Value, what: &str) {
    let n = pr["number"].as_u64().unwrap_or(0);
    if args.switch("json") {
        println!(
            "{}",
            json!({"repo": repo, "number": n, "title": pr["title"], "outcome": what})
        );
    } else {
        println!("{repo}#{n} {what}");
    }
}
