//! `ci.sync`: renders a PR's CI summary for one head commit from stored
//! state (see [`crate::worker::ci::sync`]).

use crate::worker::ci::sync;
use crate::worker::{Context, JobError};
use threadline_jobs::CiSync;

pub async fn perform(ctx: &Context, job: CiSync) -> Result<(), JobError> {
    sync::sync(ctx, &job).await
}
