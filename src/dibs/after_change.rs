//! What a change causes after it is made: a timed release to schedule,
//! people to notify. The same for `web` (commands, the API), the worker
//! (timed releases) and the outbox (what a Faktory outage left owed), so
//! all push the same jobs, keyed by the resource and the version the
//! change made; a second push gives jobs the worker then performs once
//! (notifications) or finds stale (releases).

use super::{render, Change, Entry, Outcome};
use crate::queue::{to_faktory, Producer};
use crate::settings::Common;
use anyhow::Context as _;
use threadline_jobs::{dibs_delivery, DibsNotify, DibsRelease, Job};

/// A job a change causes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Followup {
    Notify(DibsNotify),
    /// The release, and when it is due (epoch ms).
    Release(DibsRelease, u64),
}

/// The jobs `change` causes; `timed_out` when a timed release made it.
pub fn after(change: &Change, timed_out: bool) -> Vec<Followup> {
    let name = &change.state.name;
    let mut jobs = Vec::new();
    match change.outcome {
        Outcome::Took | Outcome::Extended => {
            if let Some(h) = &change.state.holder {
                jobs.extend(release(name, change.version, h));
            }
        }
        Outcome::Released => {
            let old = change.old.as_ref();
            let forced = change.forced_by.as_deref();
            if let Some(p) = &change.promoted {
                let text = render::your_turn(name, p, old, timed_out, forced);
                jobs.extend(notify(name, change.version, "turn", p, text));
                jobs.extend(release(name, change.version, p));
            }
            if let (true, Some(o)) = (timed_out, old) {
                let text = render::time_up(name, o, change.promoted.as_ref());
                jobs.extend(notify(name, change.version, "timeup", o, text));
            }
            // A person whose hold someone else ended is told who did.
            if let (Some(by), Some(o)) = (forced, old) {
                let text = render::forced_notice(name, o, by, change.promoted.as_ref());
                jobs.extend(notify(name, change.version, "forced", o, text));
            }
        }
        _ => {}
    }
    jobs
}

fn release(name: &str, version: u64, holder: &Entry) -> Option<Followup> {
    (holder.until_ms > 0).then(|| {
        let job = DibsRelease {
            delivery: dibs_delivery(name, version, "release"),
            resource: name.to_string(),
            version,
        };
        Followup::Release(job, holder.until_ms)
    })
}

/// A message for `to` in the channel of their command; none for the API.
fn notify(name: &str, version: u64, what: &str, to: &Entry, text: String) -> Option<Followup> {
    let (user, channel) = (to.user_id()?, to.channel_id()?);
    Some(Followup::Notify(DibsNotify {
        delivery: dibs_delivery(name, version, what),
        channel_id: channel.to_string(),
        user_id: Some(user.to_string()),
        content: render::cut(&text),
    }))
}

/// Pushes every follow-up; the first failure stops and is returned.
pub async fn push(producer: &Producer, common: &Common, jobs: Vec<Followup>) -> anyhow::Result<()> {
    for job in jobs {
        let built = match &job {
            Followup::Notify(n) => build(n, common, None)?,
            Followup::Release(r, at_ms) => build(r, common, Some(*at_ms))?,
        };
        producer.push(built).await.context("queueing a dibs job")?;
    }
    Ok(())
}

fn build<J: Job>(job: &J, common: &Common, at_ms: Option<u64>) -> anyhow::Result<faktory::Job> {
    let mut built = to_faktory(job, |q| common.queue(q), common.reserve_for)?;
    if let Some(ms) = at_ms {
        built.at = chrono::DateTime::from_timestamp_millis(ms as i64);
    }
    Ok(built)
}
