//! `pr.review_comment`: a line comment is stored with its review, and a
//! flush scheduled a few seconds later posts the review's comments as one
//! message. A comment id is stored once, so duplicates add nothing.

use crate::store::EFFECT_TTL;
use crate::worker::pr_state::{self, pr_key};
use crate::worker::{messages, schedule, Context, JobError};
use threadline_jobs::{PrReviewComment, ReviewCommentsFlush};

// Remember the id and stage the entry in one step, so that a crash can
// neither lose the comment nor stage it twice.
const STAGE: &str = r#"
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return 1
"#;

pub async fn perform(ctx: &Context, job: PrReviewComment) -> Result<(), JobError> {
    pr_state::observe(ctx, job.delivery.seq, &job.repo, &job.pr).await?;
    let review = format!("{}:review:{}", pr_key(&job.repo, &job.pr), job.review_id);
    let mut redis = ctx.guards.redis();
    redis::Script::new(STAGE)
        .key(ctx.guards.key(&format!("{review}:seen")))
        .key(ctx.guards.key(&format!("{review}:pending")))
        .arg(job.comment_id)
        .arg(messages::review_comment_entry(&job))
        .arg(EFFECT_TTL.as_secs())
        .invoke_async::<i64>(&mut redis)
        .await
        .map_err(|e| JobError::redis("staging a review comment", e))?;
    let flush = ReviewCommentsFlush {
        delivery: job.delivery.clone(),
        repo: job.repo.clone(),
        pr: job.pr.clone(),
        review_id: job.review_id,
    };
    schedule::push_coalesced(
        ctx,
        &format!("{review}:flush"),
        &flush,
        schedule::FLUSH_DELAY,
    )
    .await
}
