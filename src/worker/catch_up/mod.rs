//! Catch-up: ask GitHub to redeliver what failed while `web` was down.
//!
//! For every hook that ever delivered to `web` ([`crate::github::hooks`]),
//! list its deliveries newest first (`per_page=100`, following the `Link`
//! cursor) back to the window's start, find the failed ones ([`plan`]) and
//! ask for each to be sent again, once. A redelivery carries the original
//! `X-GitHub-Delivery`, so `web`'s dedupe makes a doubled one harmless.
//! [`run`] is shared by the scheduled job ([`chain`]) and
//! `threadline redeliver`.

pub mod chain;
pub mod plan;

use crate::delivery_log::DeliveryLog;
use crate::github::hooks::{DeliveryItem, HookStore, KnownHook};
use crate::github::{As, GitHub, GithubError};
use crate::metrics::Metrics;
use plan::Decision;
use redis::aio::ConnectionManager;
use std::time::Duration;

/// GitHub keeps deliveries this long.
pub const RETENTION: Duration = Duration::from_secs(3 * 24 * 3600);
/// Each run reads back this far past the last completed run.
pub const OVERLAP: Duration = Duration::from_secs(10 * 60);
/// A redelivery asked for is on its way this long: not asked for again.
const IN_FLIGHT: Duration = Duration::from_secs(120);

/// What a run needs.
#[derive(Clone)]
pub struct Deps {
    pub github: GitHub,
    pub redis: ConnectionManager,
    pub key_prefix: String,
    pub metrics: Option<Metrics>,
    /// The chain link this run is (`due_ms`); `None` by hand. A retry of
    /// the same link (its worker was killed) takes over the claims it made
    /// but never used.
    pub run: Option<u64>,
}

/// One failed delivery and what became of it.
#[derive(Debug, Clone)]
pub struct Line {
    pub hook_id: u64,
    pub failed: plan::Failed,
    pub decision: Decision,
    /// For a redelivery: `requested`, `dry run`, or why GitHub refused.
    pub result: String,
}

impl Line {
    /// The metric outcome of the line.
    pub fn outcome(&self) -> &'static str {
        match (&self.decision, self.result.as_str()) {
            (Decision::AlreadyArrived, _) => "arrived",
            (Decision::RefusedOnPurpose(_), _) => "refused",
            (Decision::InFlight, _) => "requested",
            (Decision::Redeliver { .. }, "requested" | "dry run") => "requested",
            (Decision::Redeliver { .. }, _) => "error",
        }
    }
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Report {
    pub lines: Vec<Line>,
    /// Hooks that could not be read, and why.
    pub unreadable: Vec<(u64, String)>,
}

impl Report {
    /// Requests GitHub refused (or that failed).
    pub fn errors(&self) -> usize {
        self.lines.iter().filter(|l| l.outcome() == "error").count()
    }
}

/// One run over every known hook, for deliveries since `since_ms`.
/// A rate limit longer than the client waits ends the run with
/// [`GithubError::Deferred`]: a job comes back then and starts over,
/// which asks for nothing twice (see [`IN_FLIGHT`]).
pub async fn run(deps: &Deps, since_ms: u64, dry_run: bool) -> Result<Report, GithubError> {
    let store = HookStore::new(deps.redis.clone(), &deps.key_prefix);
    let hooks = store.all().await.map_err(GithubError::Failed)?;
    let mut report = Report::default();
    for hook in hooks {
        match hook_run(deps, &hook, since_ms, dry_run, &mut report).await {
            Ok(()) => {}
            Err(GithubError::Refused { status, message }) => {
                log::warn!(
                    "catch-up: cannot read the deliveries of hook {}: {status} {message}",
                    hook.hook_id
                );
                report
                    .unreadable
                    .push((hook.hook_id, format!("{status} {message}")));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(report)
}

async fn hook_run(
    deps: &Deps,
    hook: &KnownHook,
    since_ms: u64,
    dry_run: bool,
    report: &mut Report,
) -> Result<(), GithubError> {
    let refused = |message: &str| GithubError::Refused {
        status: 0,
        message: message.into(),
    };
    let base = hook
        .deliveries_path()
        .ok_or_else(|| refused("no path for this hook"))?;
    let who = match hook.target_type.as_str() {
        "integration" if deps.github.is_app() => As::App,
        "integration" => {
            return Err(refused(
                "an App's hook is read with the App's JWT: set GITHUB_APP_ID",
            ))
        }
        _ => deps.github.for_installation(hook.installation_id)?,
    };
    let items = list(deps, &base, who, since_ms).await?;
    for failed in plan::failed(&items) {
        let arrived = arrived(deps, hook.hook_id, &failed.guid)
            .await
            .map_err(GithubError::Failed)?;
        let in_flight_key = format!(
            "{}github:redelivery:{}:{}",
            deps.key_prefix, hook.hook_id, failed.guid
        );
        let in_flight = !arrived
            && !dry_run
            && !claim(deps, &in_flight_key, deps.run)
                .await
                .map_err(GithubError::Failed)?;
        let decision = plan::decide(&failed, arrived, in_flight);
        let result = match decision {
            Decision::Redeliver { .. } if dry_run => "dry run".to_string(),
            Decision::Redeliver { attempt_id } => {
                let path = format!("{base}/{attempt_id}/attempts");
                match deps.github.post(&path, who, &serde_json::json!({})).await {
                    Ok(_) => {
                        asked(deps, &in_flight_key).await;
                        "requested".to_string()
                    }
                    Err(e @ GithubError::Deferred { .. }) => {
                        release(deps, &in_flight_key).await;
                        return Err(e);
                    }
                    Err(e) => {
                        release(deps, &in_flight_key).await;
                        e.to_string()
                    }
                }
            }
            _ => String::new(),
        };
        let line = Line {
            hook_id: hook.hook_id,
            failed,
            decision,
            result,
        };
        if let Some(m) = &deps.metrics {
            if !dry_run && line.decision != Decision::InFlight {
                m.github_redelivery(line.outcome());
            }
        }
        log::info!(
            "catch-up: hook {} delivery {} ({} {}): {:?} {}",
            line.hook_id,
            line.failed.guid,
            line.failed.event,
            line.failed.action.as_deref().unwrap_or("-"),
            line.decision,
            line.result
        );
        report.lines.push(line);
    }
    Ok(())
}

/// Every attempt delivered since `since_ms`, walking pages newest first.
async fn list(
    deps: &Deps,
    base: &str,
    who: As,
    since_ms: u64,
) -> Result<Vec<DeliveryItem>, GithubError> {
    let mut path = format!("{base}?per_page=100");
    let mut items = Vec::new();
    loop {
        let page = deps.github.get_page::<DeliveryItem>(&path, who).await?;
        let mut older = false;
        for item in page.items {
            match epoch_ms(&item.delivered_at) {
                Some(at) if at < since_ms => older = true,
                _ => items.push(item),
            }
        }
        match page.next {
            Some(next) if !older => path = next,
            _ => return Ok(items),
        }
    }
}

/// Whether `web` took this delivery after all: its dedupe key, or the
/// delivery log's record of it queued, duplicate, filtered or ignored.
async fn arrived(deps: &Deps, hook_id: u64, guid: &str) -> anyhow::Result<bool> {
    let mut redis = deps.redis.clone();
    let queued: bool = redis::cmd("EXISTS")
        .arg(format!("{}delivery:{hook_id}:{guid}", deps.key_prefix))
        .query_async(&mut redis)
        .await?;
    if queued {
        return Ok(true);
    }
    let log = DeliveryLog::new(deps.redis.clone(), &deps.key_prefix);
    Ok(log.entry(guid).await?.is_some_and(|e| {
        e.attempts.iter().any(|a| {
            matches!(
                a.outcome.as_str(),
                "queued" | "duplicate" | "filtered" | "ignored"
            )
        })
    }))
}

/// Takes the claim unless another run holds it, or the claim says
/// its redelivery was asked for; held by the link `run`, a retry of that
/// link takes it over (the claimer died between claim and request).
const CLAIM: &str = r"
local held = redis.call('GET', KEYS[1])
if held and (ARGV[1] == '' or held ~= ARGV[1]) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1] == '' and 'claimed' or ARGV[1], 'PX', ARGV[2])
return 1
";

/// True when this run may ask for the redelivery (none is in flight).
async fn claim(deps: &Deps, key: &str, run: Option<u64>) -> anyhow::Result<bool> {
    let mut redis = deps.redis.clone();
    let taken: i64 = redis::Script::new(CLAIM)
        .key(key)
        .arg(run.map_or(String::new(), |r| r.to_string()))
        .arg(IN_FLIGHT.as_millis() as u64)
        .invoke_async(&mut redis)
        .await?;
    Ok(taken == 1)
}

/// The redelivery was asked for: no retry of this run asks again.
async fn asked(deps: &Deps, key: &str) {
    let mut redis = deps.redis.clone();
    let marked: redis::RedisResult<()> = redis::cmd("SET")
        .arg(key)
        .arg("asked")
        .arg("XX")
        .arg("KEEPTTL")
        .query_async(&mut redis)
        .await;
    if let Err(e) = marked {
        log::warn!("catch-up: could not mark {key} asked: {e}");
    }
}

async fn release(deps: &Deps, key: &str) {
    let mut redis = deps.redis.clone();
    let _: redis::RedisResult<()> = redis::cmd("DEL").arg(key).query_async(&mut redis).await;
}

pub fn epoch_ms(iso: &str) -> Option<u64> {
    chrono::DateTime::parse_from_rfc3339(iso)
        .ok()
        .map(|t| t.timestamp_millis().max(0) as u64)
}
