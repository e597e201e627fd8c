//! `github.backfill`: the automatic backfill of a hook's `ping` or an
//! App's install. Lists the open PRs of the job's repositories (or of
//! every repository of its organisation that a route admits) and queues
//! one `pr.backfill` per admitted PR through `web`'s intake, exactly as
//! `threadline backfill` does; the intake's per-PR dedupe makes a second
//! ping, or a retry of this job, queue nothing more. Off without GitHub
//! credentials or with `THREADLINE_BACKFILL=0`.

use super::super::backfill::{admit, open_pulls, org_repos, who_for};
use super::{Context, JobError};
use crate::github::{GitHub, GithubError};
use crate::web::router::JobPlan;
use crate::web::{Intake, Intaker};
use threadline_jobs::GithubBackfill;

pub async fn perform(ctx: &Context, job: GithubBackfill) -> Result<(), JobError> {
    let Some(github) = ctx
        .github
        .as_ref()
        .filter(|_| ctx.github_settings.backfill_auto)
    else {
        log::info!("automatic backfill is off (no GitHub credentials, or THREADLINE_BACKFILL=0)");
        return Ok(());
    };
    let repos = match &job.org {
        Some(org) => {
            let path = format!("/orgs/{org}/installation");
            let who = who_for(github, job.installation_id, &path)
                .await
                .map_err(|e| failed(e, "finding the organisation's installation"))?;
            org_repos(github, org, &ctx.config, who)
                .await
                .map_err(|e| failed(e, "listing the organisation's repositories"))?
        }
        None => job.repos.clone(),
    };
    let plan = JobPlan {
        common: ctx.common.clone(),
        reserve_for: ctx.common.reserve_for,
        config: ctx.config.clone(),
    };
    let intaker = Intaker::new(
        ctx.producer.clone(),
        ctx.common.redis_url.clone(),
        ctx.common.key_prefix(),
    );
    let (mut queued, mut duplicates) = (0, 0);
    for repo in &repos {
        let pulls = match pulls_of(github, repo, job.installation_id).await {
            Ok(pulls) => pulls,
            // One repository GitHub will not show (gone, no access) does
            // not keep the others from their threads.
            Err(GithubError::Refused { status, message }) => {
                log::warn!("backfill of {repo}: GitHub answered {status}: {message}; skipped");
                continue;
            }
            Err(e) => return Err(failed(e, "listing open PRs")),
        };
        for pr in pulls {
            let n = pr["number"].as_u64().unwrap_or(0);
            let admitted = match admit(&pr, repo, &plan) {
                Ok((_, Some(admitted))) => admitted,
                Ok((why, None)) => {
                    log::info!("backfill of {repo}#{n}: {why}");
                    continue;
                }
                Err(e) => {
                    log::warn!("backfill of {repo}#{n}: unreadable PR, skipped: {e:#}");
                    continue;
                }
            };
            let (key, unqueued, gate) = admitted;
            match intaker.accept_marked(&key, unqueued, gate.as_ref()).await {
                Ok(Intake::Queued(_)) => queued += 1,
                Ok(Intake::Duplicate) => duplicates += 1,
                Err(e) => return Err(JobError::Transient(e.context("queueing a pr.backfill"))),
            }
        }
    }
    log::info!(
        "backfill of {}: {queued} PR(s) queued, {duplicates} backfilled before",
        job.org
            .as_deref()
            .map_or_else(|| repos.join(", "), |o| format!("org {o}"))
    );
    Ok(())
}

async fn pulls_of(
    github: &GitHub,
    repo: &str,
    installation: Option<u64>,
) -> Result<Vec<serde_json::Value>, GithubError> {
    let who = who_for(github, installation, &format!("/repos/{repo}/installation")).await?;
    open_pulls(github, repo, who).await
}

/// A GitHub failure as the job's: a rate limit pushes it back, a refusal
/// is permanent, anything else is retried.
fn failed(e: GithubError, doing: &str) -> JobError {
    match e {
        GithubError::Deferred { until_ms } => JobError::Deferred {
            retry_at_ms: until_ms,
            ticket: None,
        },
        e @ GithubError::Refused { .. } => {
            JobError::Permanent(anyhow::Error::new(e).context(doing.to_string()))
        }
        e => JobError::Transient(anyhow::Error::new(e).context(doing.to_string())),
    }
}
