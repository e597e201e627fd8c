//! `pr.review_reminder`: nudge `n` of a review request's cycle, posted
//! once per (PR, reviewer, cycle, n) unless the PR moved on (reviewed,
//! request removed, closed, merged, draft). Inside quiet hours it comes
//! back when they end; after posting, it schedules the next nudge `every`
//! later, up to `max` nudges in all.

use crate::config::Reminders;
use crate::discord::Mentions;
use crate::redis_conn::EFFECT_TTL;
use crate::worker::pr::messages::safe;
use crate::keys::pr_key;
use crate::worker::pr::pr_state;
use crate::worker::reminders::{self, quiet};
use crate::worker::once::lookup;
use crate::worker::pr::people;
use crate::worker::once::post;
use crate::worker::pr::schedule;
use crate::worker::pr::thread;
use crate::worker::{Context, JobError};
use threadline_jobs::PrReviewReminder;

pub async fn perform(ctx: &Context, job: PrReviewReminder) -> Result<(), JobError> {
    let Some(settings) = ctx.config.reminders.clone() else {
        return Ok(());
    };
    if job.n == 0 || job.n > settings.max || !reminders::still_due(ctx, &job).await? {
        return Ok(());
    }
    let snap = pr_state::snapshot(ctx, &job.repo, &job.pr).await?;
    if snap.closed || snap.draft {
        return Ok(());
    }
    if let Some(q) = &settings.quiet_hours {
        let now = chrono::Utc::now();
        let next = quiet::next_allowed(now, q);
        if next > now {
            log::info!(
                "review reminder for {} waits for quiet hours to end at {next}",
                job.reviewer
            );
            let wait = (next - now).to_std().unwrap_or_default();
            return schedule::push_later(ctx, &job, wait).await;
        }
    }
    let who = reminders::who(&job.reviewer, job.team.as_deref());
    let key = format!("remind:{}:{who}:{}", pr_key(&job.repo, &job.pr), job.cycle);
    let nudge = format!("{key}:{}", job.n);
    let mentions = pinged(ctx, &job);
    let text = lookup::with_ref(&text(&job, &settings), &post::reference(ctx, &nudge));
    let text = people::with_mentions(&text, &mentions);
    thread::post_in_thread_mentioning(ctx, &job.repo, &job.pr, &nudge, &text, &mentions).await?;
    if job.n < settings.max {
        schedule_next(ctx, &job, &settings, &key).await?;
    }
    Ok(())
}

/// The reviewer, or the team's role, when mapped.
fn pinged(ctx: &Context, job: &PrReviewReminder) -> Mentions {
    match &job.team {
        Some(team) => people::team(ctx, Some(team)),
        None if job.reviewer.starts_with("team ") => Mentions::none(),
        None => people::person(ctx, &job.reviewer),
    }
}

fn text(job: &PrReviewReminder, settings: &Reminders) -> String {
    format!(
        "⏰ Reminder {} of {}: a review from **{}** is still pending",
        job.n,
        settings.max,
        safe(&job.reviewer)
    )
}

/// The next nudge, `every` from now (when this one was posted), pushed
/// once however many copies of this job run.
async fn schedule_next(
    ctx: &Context,
    job: &PrReviewReminder,
    settings: &Reminders,
    key: &str,
) -> Result<(), JobError> {
    let queued = format!("{key}:{}:queued", job.n + 1);
    if ctx.guards.get(&queued).await?.is_some() {
        return Ok(());
    }
    let next = PrReviewReminder {
        n: job.n + 1,
        ..job.clone()
    };
    schedule::push_later(ctx, &next, settings.every).await?;
    ctx.guards.record(&queued, 1, Some(EFFECT_TTL)).await?;
    Ok(())
}
