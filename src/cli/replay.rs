//! `threadline replay ID [--force]`: runs a logged delivery again, in this
//! process, through the same code as a live one: routing, the typed job,
//! the duplicate check and the PUSH (`web`'s [`Intaker`]). It works while
//! `web` is down.
//!
//! Without `--force`, a delivery that was queued before is reported as a
//! duplicate and nothing happens. With `--force`, it runs under a new
//! delivery id, `<id>:replay:<n>`, marked as replay `n` in the job's own
//! field (`Delivery::replay`), so its per-delivery effects (a state
//! change, a push, a review) happen again and a comment is posted as a
//! copy. The worker trusts that field only, never the shape of the id.

use super::{Args, Failure, Outcome};
use crate::delivery_log::{Attempt, DeliveryLog, Entry, Retention};
use crate::queue::Producer;
use crate::settings::WebSettings;
use crate::web::router::{route, JobPlan, Routed};
use crate::web::{payload_json, Intake, Intaker};
use anyhow::Context as _;
use threadline_jobs::Delivery;

pub async fn run(argv: &[String]) -> Outcome {
    let args = Args::parse(argv, &[], &["force"])?;
    let [id] = args.positional.as_slice() else {
        return Err(Failure::Usage("replay needs one delivery id".into()));
    };
    let settings = crate::web::settings_from_env()?;
    let redis = crate::redis_conn::connect(&settings.common.redis_url).await?;
    let log = DeliveryLog::new(redis.clone(), &settings.common.key_prefix());
    let entry = log
        .entry(id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("delivery {id} is not in the delivery log"))?;
    let body = log
        .body(id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the body of delivery {id} is gone from the log"))?;
    let mut delivery = Delivery {
        id: id.clone(),
        hook_id: entry.hook_id.clone(),
        seq: 0,
        replay: None,
    };
    if args.switch("force") {
        let n: u64 = redis::cmd("INCR")
            .arg(format!("{}log:{id}:replays", settings.common.key_prefix()))
            .query_async(&mut redis.clone())
            .await
            .context("numbering the replay")?;
        delivery.id = format!("{id}:replay:{n}");
        delivery.replay = Some(n);
    }
    // The log outlives web's duplicate mark (4 days), so it decides first.
    let queued_before = entry.attempts.iter().any(|a| a.outcome == "queued");
    let outcome = match args.switch("force") || !queued_before {
        true => perform(&settings, &entry, &body, delivery.clone()).await?,
        false => Replayed::Duplicate,
    };
    println!("{}", outcome.say(id, &delivery.id));
    let attempt = Attempt {
        at_ms: crate::clock::now_ms(),
        outcome: outcome.label().to_string(),
        reason: format!("replayed as {}", delivery.id),
        jid: outcome.jid(),
    };
    let keep = Retention {
        max_bytes: settings.delivery_log_max_mb << 20,
        max_age_ms: settings.delivery_log_days.max(1) * 86_400_000,
    };
    log.write(&entry, &attempt, &body, keep).await?;
    Ok(())
}

enum Replayed {
    Ignored,
    Queued(String),
    Duplicate,
}

impl Replayed {
    fn say(&self, id: &str, as_id: &str) -> String {
        match self {
            Replayed::Ignored => format!("{id}: not a delivery Threadline acts on; nothing queued"),
            Replayed::Queued(jid) if id == as_id => format!("{id}: queued as job {jid}"),
            Replayed::Queued(jid) => {
                format!("{id}: performed again as delivery {as_id}, job {jid}; its effects happen again")
            }
            Replayed::Duplicate => {
                format!(
                    "{id}: duplicate, it was queued before; nothing done (--force runs it again)"
                )
            }
        }
    }

    fn label(&self) -> &'static str {
        match self {
            Replayed::Ignored => "ignored",
            Replayed::Queued(_) => "queued",
            Replayed::Duplicate => "duplicate",
        }
    }

    fn jid(&self) -> Option<String> {
        match self {
            Replayed::Queued(jid) => Some(jid.clone()),
            _ => None,
        }
    }
}

/// Routes and queues the delivery as `web` would. `web`'s intake runs on
/// actix's runtime, so it gets one of its own, on a thread of its own.
async fn perform(
    settings: &WebSettings,
    entry: &Entry,
    body: &[u8],
    delivery: Delivery,
) -> anyhow::Result<Replayed> {
    let plan = JobPlan {
        common: settings.common.clone(),
        reserve_for: settings.reserve_for,
        config: settings.config.clone(),
    };
    let json = payload_json(entry.content_type.as_deref(), body).map_err(anyhow::Error::msg)?;
    let key = delivery.key();
    let forced = delivery.replay.is_some();
    let job = match route(&entry.event, delivery, &json, &plan).map_err(anyhow::Error::msg)? {
        Routed::Ping | Routed::Ignored { .. } | Routed::Filtered { .. } => {
            return Ok(Replayed::Ignored)
        }
        Routed::Enqueue { job, gate, .. } => (*job, gate),
    };
    let common = settings.common.clone();
    let raw = body.to_vec();
    let queued = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let producer = Producer::start(common.faktory.clone())?;
            let intaker = Intaker::new(producer, common.redis_url.clone(), common.key_prefix());
            match forced {
                // Its point is to run again: known by its new id alone.
                true => intaker.accept_marked(&key, job.0, job.1.as_ref()).await,
                // The delivery itself: known by its body too, like web's.
                false => {
                    intaker
                        .accept_marked_body(&key, &raw, job.0, job.1.as_ref())
                        .await
                }
            }
        })
    })
    .join()
    .map_err(|_| anyhow::anyhow!("the replay's queueing thread panicked"))??;
    Ok(match queued {
        Intake::Queued(jid) => Replayed::Queued(jid),
        Intake::Duplicate => Replayed::Duplicate,
    })
}
