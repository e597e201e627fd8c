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
use crate::github::GitHub;
use crate::queue::Producer;
use crate::settings::GithubSettings;
use crate::web::router::JobPlan;
use crate::web::{Intake, Intaker};
use crate::worker::backfill::{admit, open_pulls, org_repos, who_for};
use serde_json::{json, Value};
use std::time::Duration;

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
        (Some(org), []) => {
            let who = who_for(&github, None, &format!("/orgs/{org}/installation"))
                .await
                .map_err(anyhow::Error::new)?;
            org_repos(&github, org, &web.config, who)
                .await
                .map_err(anyhow::Error::new)?
        }
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
        let who = who_for(&github, None, &format!("/repos/{repo}/installation"))
            .await
            .map_err(anyhow::Error::new)?;
        let pulls = open_pulls(&github, repo, who)
            .await
            .map_err(anyhow::Error::new)?;
        for pr in pulls {
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
            let mut out = Vec::new();
            for (repo, pr, (key, job, gate)) in queue {
                // Marked before it returns: this runtime ends right after,
                // and a second run must be a duplicate.
                let outcome = intaker.accept_marked(&key, job, gate.as_ref()).await?;
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
