//! One module per job kind, each with the same surface: `perform(ctx, args)`.
//! [`perform`] decodes a Faktory job into its typed args and dispatches;
//! the kinds and their modules are listed once, in `registry!`.

use crate::worker::{Context, JobError};
use threadline_jobs::{self as jobs, decode, Job};

// The one list of job kinds this worker performs: the contract type of
// each kind (in `threadline_jobs`) and the module here that performs it.
// The module declarations, the dispatch and `HANDLED` all follow from
// it, so a kind cannot be handled without being listed, nor listed without
// a handler; the tests below hold it to `ALL_KINDS` and the README.
macro_rules! registry {
    ($($job:ident => $module:ident),* $(,)?) => {
        $(mod $module;)*

        /// The kinds this worker has a handler for, in registry order.
        pub const HANDLED: &[&str] = &[$(jobs::$job::KIND),*];

        /// Runs one Faktory job.
        pub async fn perform(ctx: &Context, job: &faktory::Job) -> Result<(), JobError> {
            match job.kind() {
                $(jobs::$job::KIND => $module::perform(ctx, args(job)?).await,)*
                other => Err(JobError::Permanent(anyhow::anyhow!(
                    "no handler for job kind {other:?}"
                ))),
            }
        }
    };
}

registry! {
    PrOpened => pr_opened,
    PrRetitled => pr_retitled,
    PrDraftChanged => pr_draft_changed,
    PrPushed => pr_pushed,
    PrReviewRequest => pr_review_request,
    PrStateChanged => pr_state_changed,
    PrCommented => pr_commented,
    PrReviewed => pr_reviewed,
    PrReviewComment => pr_review_comment,
    ReviewCommentsFlush => review_comments_flush,
    ThreadSync => thread_sync,
    PrCommentChanged => pr_comment_changed,
    PrReviewCommentChanged => pr_review_comment_changed,
    PrEligible => pr_eligible,
    DibsNotify => dibs_notify,
    DibsRelease => dibs_release,
    PrReviewReminder => pr_review_reminder,
    GithubCatchUp => github_catch_up,
    PrBackfill => pr_backfill,
    GithubBackfill => github_backfill,
    CiChanged => ci_changed,
    CiSync => ci_sync,
    PrBacklink => pr_backlink,
}

/// The repository (`owner/name`) a job is for, when its args name one
/// (`repo.full_name`, as every PR job's do).
pub fn repo_of(job: &faktory::Job) -> Option<&str> {
    job.args().first()?.get("repo")?.get("full_name")?.as_str()
}

fn args<J: Job>(job: &faktory::Job) -> Result<J, JobError> {
    decode(job.args()).map_err(|e| {
        JobError::Permanent(anyhow::Error::new(e).context(format!("reading {} args", J::KIND)))
    })
}

#[cfg(test)]
mod tests {
    use super::HANDLED;
    use threadline_jobs::ALL_KINDS;

    // The README's operator-facing list of kinds and their queues.
    const README: &str = include_str!("../../../README.md");

    /// The job kinds named in the first column of the README's queue
    /// table (section "## Queues").
    fn readme_kinds() -> Vec<&'static str> {
        let section = README
            .split("\n## ")
            .find(|s| s.starts_with("Queues"))
            .unwrap_or_default();
        section
            .lines()
            .filter_map(|line| line.strip_prefix("| `"))
            .filter_map(|rest| rest.split('`').next())
            .collect()
    }

    #[test]
    fn every_kind_has_a_handler() {
        for kind in ALL_KINDS {
            assert!(HANDLED.contains(kind), "no handler for {kind:?}");
        }
    }

    #[test]
    fn every_handler_is_a_known_kind() {
        for kind in HANDLED {
            assert!(ALL_KINDS.contains(kind), "{kind:?} is not in ALL_KINDS");
        }
    }

    #[test]
    fn every_kind_is_in_the_readme_queue_table() {
        let listed = readme_kinds();
        assert!(!listed.is_empty(), "README.md has no queue table");
        for kind in ALL_KINDS {
            assert!(
                listed.contains(kind),
                "README.md's queue table lacks {kind:?}"
            );
        }
    }
}
