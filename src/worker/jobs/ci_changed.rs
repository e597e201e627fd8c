//! `ci.changed`: one CI run's new state, stored for each PR whose head the
//! commit is (found by the index, else the payload's PRs), and a summary
//! sync scheduled. A commit no PR is known for changes nothing, and the
//! job succeeds: GitHub sends CI of every branch, not only of PRs. With
//! `[ci] mode = "off"`, or a run `ignore` names, nothing is stored.

use crate::config::ci::CiMode;
use crate::worker::ci::{store, sync, Run, Verdict};
use crate::worker::{Context, JobError};
use threadline_jobs::{CiChanged, CiRun};

pub async fn perform(ctx: &Context, job: CiChanged) -> Result<(), JobError> {
    let ci = ctx.config.ci_for(&job.repo.full_name);
    if ci.mode == CiMode::Off || ci.ignores(&job.run.name) {
        // Not stored either, so an ignored run never counts toward a result.
        return Ok(());
    }
    let prs = store::prs_of(ctx, job.repo.id, &job.head_sha, &job.prs).await?;
    if prs.is_empty() {
        log::info!(
            "CI of {}@{}: no PR known for the commit; nothing to show",
            job.repo.full_name,
            job.head_sha
        );
        return Ok(());
    }
    let run = run_of(&job.run);
    for number in prs {
        if store::apply(ctx, job.repo.id, number, &job.head_sha, &run).await? {
            sync::soon(ctx, &job.delivery, &job.repo, number, &job.head_sha).await?;
        }
    }
    Ok(())
}

fn run_of(r: &CiRun) -> Run {
    let verdict = if r.legacy {
        Verdict::of_status(&r.status)
    } else {
        Verdict::of_check(&r.status, r.conclusion.as_deref())
    };
    Run {
        key: r.key.clone(),
        name: r.name.clone(),
        verdict,
        url: r.url.clone(),
        at: r.at.clone(),
        suite: r.suite,
        covers: r.covers,
    }
}
