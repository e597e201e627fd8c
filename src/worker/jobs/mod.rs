//! One module per job kind, each with the same surface: `perform(ctx, args)`.
//! [`perform`] decodes a Faktory job into its typed args and dispatches.

mod pr_opened;

use super::{Context, JobError};
use threadline_jobs::{decode, Job, PrOpened};

/// Runs one Faktory job.
pub async fn perform(ctx: &Context, job: &faktory::Job) -> Result<(), JobError> {
    match job.kind() {
        PrOpened::KIND => pr_opened::perform(ctx, args(job)?).await,
        other => Err(JobError::Permanent(anyhow::anyhow!(
            "no handler for job kind {other:?}"
        ))),
    }
}

fn args<J: Job>(job: &faktory::Job) -> Result<J, JobError> {
    decode(job.args()).map_err(|e| {
        JobError::Permanent(anyhow::Error::new(e).context(format!("reading {} args", J::KIND)))
    })
}
