//! `threadline dead [--limit N] [--json]`: Threadline's dead jobs, newest
//! first, from the worker's index ([`crate::dead_index`]).
//! `dead retry ID|--all` and `dead discard ID` act on Faktory's dead set by
//! job id (MUTATE) and update the index. For scripts; people have the Web
//! UI's Dead page.

use super::{Args, Failure, Outcome};
use crate::dead_index::{DeadIndex, DeadJob};
use crate::queue::connect_client;
use crate::settings::CliSettings;
use faktory::mutate::JobSet;
use faktory::JobId;

pub async fn run(argv: &[String]) -> Outcome {
    let args = Args::parse(argv, &["limit"], &["json", "all"])?;
    let settings = CliSettings::from_env()?;
    let redis = crate::redis_conn::connect(&settings.common.redis_url).await?;
    let index = DeadIndex::new(redis, &settings.common.key_prefix());
    match args.positional.as_slice() {
        [] => {
            list(
                &settings,
                &index,
                args.number("limit", 50)?,
                args.switch("json"),
            )
            .await
        }
        [verb, rest @ ..] if verb == "retry" || verb == "discard" => {
            let ids = ids(&index, verb, rest, args.switch("all")).await?;
            mutate(&settings, &index, verb, &ids).await
        }
        [other, ..] => Err(Failure::Usage(format!("unknown dead command {other:?}"))),
    }
}

async fn list(settings: &CliSettings, index: &DeadIndex, limit: usize, json: bool) -> Outcome {
    let now = crate::clock::now_ms();
    // Jobs discarded in the Web UI leave the index here (see dead_index).
    match crate::queue::dead_set_size(&settings.common.faktory).await {
        Ok(n) => {
            index.reconcile(n, now).await?;
        }
        Err(e) => eprintln!("not reconciled with Faktory's dead set: {e:#}"),
    }
    for job in index.list().await?.into_iter().take(limit) {
        if json {
            let line = serde_json::to_string(&job).map_err(anyhow::Error::from)?;
            println!("{line}");
        } else {
            println!("{}", line(&job, now));
        }
    }
    Ok(())
}

/// `jid  kind  delivery  age  error`, one job per line.
fn line(job: &DeadJob, now_ms: u64) -> String {
    let age = now_ms.saturating_sub(job.at_ms) / 1000;
    let age = match age {
        a if a < 120 => format!("{a}s"),
        a if a < 7200 => format!("{}m", a / 60),
        a if a < 172_800 => format!("{}h", a / 3600),
        a => format!("{}d", a / 86_400),
    };
    let error = job.error.lines().next().unwrap_or_default();
    format!(
        "{}  {}  delivery={}  {age} ago  {error}",
        job.jid, job.kind, job.delivery
    )
}

async fn ids(
    index: &DeadIndex,
    verb: &str,
    rest: &[String],
    all: bool,
) -> Result<Vec<String>, Failure> {
    match (rest, all) {
        ([], true) if verb == "retry" => {
            Ok(index.list().await?.into_iter().map(|j| j.jid).collect())
        }
        ([id], false) => Ok(vec![id.clone()]),
        _ if verb == "retry" => Err(Failure::Usage("dead retry needs a job id or --all".into())),
        _ => Err(Failure::Usage("dead discard needs one job id".into())),
    }
}

async fn mutate(settings: &CliSettings, index: &DeadIndex, verb: &str, ids: &[String]) -> Outcome {
    let mut client = connect_client(&settings.common.faktory).await?;
    let jids: Vec<JobId> = ids.iter().map(|id| JobId::new(id.as_str())).collect();
    let jids: Vec<&JobId> = jids.iter().collect();
    let done = if verb == "retry" {
        client.requeue_by_ids(JobSet::Dead, &jids).await
    } else {
        client.discard_by_ids(JobSet::Dead, &jids).await
    };
    done.map_err(|e| anyhow::anyhow!("Faktory MUTATE {verb}: {e}"))?;
    for id in ids {
        index.remove(id).await?;
        let did = if verb == "retry" {
            "requeued"
        } else {
            "discarded"
        };
        println!("{id}: {did}");
    }
    Ok(())
}
