//! `pr.review_comments_flush`: posts a review's staged line comments as
//! one message.
//!
//! Staged comments are first sealed into a numbered batch (atomically), and
//! each batch is posted under its own guard key, so a retry re-posts
//! nothing and comments that arrive meanwhile go to the next batch.

use crate::store::EFFECT_TTL;
use crate::worker::pr_state::pr_key;
use crate::worker::{messages, schedule, thread, Context, JobError};
use redis::AsyncCommands;
use std::collections::HashMap;
use threadline_jobs::ReviewCommentsFlush;

const SEAL: &str = r#"
if redis.call('HLEN', KEYS[1]) > 0 then
  local n = redis.call('INCR', KEYS[2])
  local batch = ARGV[1] .. n
  redis.call('RENAME', KEYS[1], batch)
  redis.call('EXPIRE', batch, ARGV[2])
  redis.call('RPUSH', KEYS[3], n)
  redis.call('EXPIRE', KEYS[2], ARGV[2])
  redis.call('EXPIRE', KEYS[3], ARGV[2])
end
return redis.call('LRANGE', KEYS[3], 0, -1)
"#;

pub async fn perform(ctx: &Context, job: ReviewCommentsFlush) -> Result<(), JobError> {
    let review = format!("{}:review:{}", pr_key(&job.repo, &job.pr), job.review_id);
    let batches_key = ctx.guards.key(&format!("{review}:batches"));
    let batch_prefix = ctx.guards.key(&format!("{review}:batch:"));
    let mut redis = ctx.guards.redis();
    let batches: Vec<u64> = redis::Script::new(SEAL)
        .key(ctx.guards.key(&format!("{review}:pending")))
        .key(ctx.guards.key(&format!("{review}:count")))
        .key(&batches_key)
        .arg(&batch_prefix)
        .arg(EFFECT_TTL.as_secs())
        .invoke_async(&mut redis)
        .await
        .map_err(|e| JobError::redis("sealing review comments", e))?;
    for n in batches {
        let batch_key = format!("{batch_prefix}{n}");
        let entries: HashMap<u64, String> = redis
            .hgetall(&batch_key)
            .await
            .map_err(|e| JobError::redis("reading review comments", e))?;
        if !entries.is_empty() {
            let mut sorted: Vec<(u64, String)> = entries.into_iter().collect();
            sorted.sort();
            let texts: Vec<String> = sorted.into_iter().map(|(_, t)| t).collect();
            let text = messages::review_comments(&texts, &job.pr.html_url, job.review_id, n);
            thread::post_in_thread(
                ctx,
                &job.repo,
                &job.pr,
                &format!("{review}:posted:{n}"),
                &text,
            )
            .await?;
        }
        redis::pipe()
            .lrem(&batches_key, 1, n)
            .del(&batch_key)
            .query_async::<()>(&mut redis)
            .await
            .map_err(|e| JobError::redis("clearing posted review comments", e))?;
    }
    // Posting may have unarchived a closed PR's thread; the sync re-archives it.
    schedule::sync_soon(ctx, &job.delivery, &job.repo, &job.pr).await
}
