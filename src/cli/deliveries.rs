//! `threadline deliveries [--event E] [--repo R] [--since 1h] [--limit 50]`:
//! one line per logged delivery, newest first. `threadline delivery ID
//! [--body]`: its headers, every attempt's outcome and job, and the body.
//! `--json`: one object per line for the list, one object for a delivery.

use super::{Args, Failure, Outcome};
use crate::delivery_log::{DeliveryLog, Entry};
use crate::settings::CliSettings;

pub async fn list(argv: &[String]) -> Outcome {
    let args = Args::parse(argv, &["event", "repo", "since", "limit"], &["json"])?;
    if !args.positional.is_empty() {
        return Err(Failure::Usage("deliveries takes no arguments".into()));
    }
    let since = match args.value("since") {
        None => 0,
        Some(raw) => {
            let ago = super::args::duration(raw).ok_or_else(|| {
                Failure::Usage(format!("--since {raw:?}: use e.g. 90s, 30m, 1h30m, 2d"))
            })?;
            crate::clock::now_ms().saturating_sub(ago.as_millis() as u64)
        }
    };
    let limit = args.number("limit", 50)?;
    let log = open().await?;
    let wanted = |e: &Entry| {
        args.value("event").is_none_or(|ev| e.event == ev)
            && args.value("repo").is_none_or(|r| {
                e.repo
                    .as_deref()
                    .is_some_and(|repo| repo.eq_ignore_ascii_case(r))
            })
    };
    let entries = log.recent(since).await?;
    for entry in entries.iter().filter(|e| wanted(e)).take(limit) {
        if args.switch("json") {
            println!(
                "{}",
                serde_json::to_string(entry).map_err(anyhow::Error::from)?
            );
        } else {
            println!("{}", line(entry));
        }
    }
    Ok(())
}

pub async fn show(argv: &[String]) -> Outcome {
    let args = Args::parse(argv, &[], &["body", "json"])?;
    let [id] = args.positional.as_slice() else {
        return Err(Failure::Usage("delivery needs one delivery id".into()));
    };
    let log = open().await?;
    let entry = log
        .entry(id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("delivery {id} is not in the delivery log"))?;
    let body = match args.switch("body") {
        true => log.body(id).await?,
        false => None,
    };
    if args.switch("json") {
        let mut value = serde_json::to_value(&entry).map_err(anyhow::Error::from)?;
        if let Some(body) = &body {
            value["body"] = String::from_utf8_lossy(body).into();
        }
        println!("{value}");
        return Ok(());
    }
    println!("delivery {}\nevent    {}", entry.id, entry.event);
    println!("action   {}", entry.action.as_deref().unwrap_or("-"));
    println!("repo     {}", entry.repo.as_deref().unwrap_or("-"));
    println!("hook id  {}", entry.hook_id.as_deref().unwrap_or("-"));
    println!("type     {}", entry.content_type.as_deref().unwrap_or("-"));
    for a in &entry.attempts {
        let jid = a
            .jid
            .as_deref()
            .map_or(String::new(), |j| format!(" job={j}"));
        println!(
            "attempt  {} {} {}{jid}",
            rfc3339(a.at_ms),
            a.outcome,
            a.reason
        );
    }
    if let Some(body) = body {
        println!("\n{}", String::from_utf8_lossy(&body));
    }
    Ok(())
}

async fn open() -> Result<DeliveryLog, Failure> {
    let settings = CliSettings::from_env()?;
    let redis = crate::redis_conn::connect(&settings.common.redis_url).await?;
    Ok(DeliveryLog::new(redis, &settings.common.key_prefix()))
}

/// `time  id  event.action  repo  outcome  job`, from the latest attempt.
fn line(e: &Entry) -> String {
    let last = e.attempts.last();
    let event = match &e.action {
        Some(action) if !action.is_empty() => format!("{}.{action}", e.event),
        _ => e.event.clone(),
    };
    format!(
        "{}  {}  {event}  {}  {}{}{}",
        last.map_or_else(String::new, |a| rfc3339(a.at_ms)),
        e.id,
        e.repo.as_deref().unwrap_or("-"),
        last.map_or("-", |a| a.outcome.as_str()),
        last.and_then(|a| a.jid.as_deref())
            .map_or(String::new(), |j| format!("  job={j}")),
        match e.attempts.len() {
            0 | 1 => String::new(),
            n => format!("  ({n} attempts)"),
        }
    )
}

fn rfc3339(ms: u64) -> String {
    chrono::DateTime::from_timestamp_millis(ms as i64).map_or_else(
        || ms.to_string(),
        |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    )
}
