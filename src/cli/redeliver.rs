//! `threadline redeliver [--since 2h] [--dry-run] [--json]`: catch-up at
//! once, by hand (the same logic as the scheduled `github.catch_up`). One
//! line per failed delivery: hook, GUID, event, action, when, first status
//! and the decision. Exit 0 when every failed delivery was asked for or
//! skipped with a reason, 1 when GitHub refused a request (or a hook could
//! not be read), 2 on bad usage. Without `--since`, GitHub's whole
//! retention (3 days).

use super::{Args, Failure, Outcome};
use crate::clock::now_ms;
use crate::github::GitHub;
use crate::settings::{Common, GithubSettings};
use crate::worker::catch_up::{self, plan::Decision, Deps, Line};
use std::time::Duration;

/// The command line waits out rate limits instead of deferring.
const MAX_WAIT: Duration = Duration::from_secs(15 * 60);

pub async fn run(argv: &[String]) -> Outcome {
    let args = Args::parse(argv, &["since"], &["dry-run", "json"])?;
    if !args.positional.is_empty() {
        return Err(Failure::Usage("redeliver takes no arguments".into()));
    }
    let back = match args.value("since") {
        None => catch_up::RETENTION,
        Some(raw) => super::args::duration(raw)
            .ok_or_else(|| Failure::Usage(format!("--since {raw:?}: use e.g. 90s, 30m, 2h, 2d")))?,
    };
    let since = now_ms().saturating_sub(back.min(catch_up::RETENTION).as_millis() as u64);
    let common = Common::from_env()?;
    let settings = GithubSettings::from_env()?;
    let redis = crate::redis_conn::connect(&common.redis_url).await?;
    let prefix = common.key_prefix();
    let Some(github) = GitHub::from_settings(&settings, redis.clone(), &prefix)? else {
        return Err(Failure::Problem(anyhow::anyhow!(
            "GitHub API is off: set GITHUB_TOKEN, or GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY"
        )));
    };
    let deps = Deps {
        github: github.with_max_wait(MAX_WAIT),
        redis,
        key_prefix: prefix,
        metrics: None,
        run: None,
    };
    let dry_run = args.switch("dry-run");
    let report = catch_up::run(&deps, since, dry_run)
        .await
        .map_err(|e| anyhow::anyhow!("catch-up: {e}"))?;
    for line in &report.lines {
        if args.switch("json") {
            println!("{}", json(line));
        } else {
            println!("{}", text(line));
        }
    }
    for (hook, why) in &report.unreadable {
        eprintln!("hook {hook}: deliveries not readable: {why}");
    }
    let problems = report.errors() + report.unreadable.len();
    match problems {
        0 => Ok(()),
        n => Err(Failure::Problem(anyhow::anyhow!(
            "{n} problem(s): GitHub refused a request"
        ))),
    }
}

fn decision(line: &Line) -> String {
    match (&line.decision, line.result.as_str()) {
        (Decision::Redeliver { .. }, "dry run") => "would redeliver".into(),
        (Decision::Redeliver { .. }, "requested") => "redeliver".into(),
        (Decision::Redeliver { .. }, why) => format!("redeliver refused: {why}"),
        (Decision::AlreadyArrived, _) => "already arrived".into(),
        (Decision::RefusedOnPurpose(code), _) => format!("refused on purpose ({code})"),
        (Decision::InFlight, _) => "redelivery already in flight".into(),
    }
}

fn text(line: &Line) -> String {
    let f = &line.failed;
    format!(
        "hook {} {} {} {} {} first {} -> {}",
        line.hook_id,
        f.guid,
        f.event,
        f.action.as_deref().unwrap_or("-"),
        f.first_at,
        f.first_status,
        decision(line)
    )
}

fn json(line: &Line) -> serde_json::Value {
    let f = &line.failed;
    serde_json::json!({
        "hook_id": line.hook_id,
        "guid": f.guid,
        "event": f.event,
        "action": f.action,
        "at": f.first_at,
        "first_status": f.first_status,
        "decision": decision(line),
        "outcome": line.outcome(),
    })
}
