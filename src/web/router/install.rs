//! The deliveries that start an automatic backfill (`github.backfill`):
//! the `ping` GitHub sends when a hook is created (a repository hook's
//! names its repository, an organisation hook's its organisation), an
//! App's `installation` `created` (`repositories[]`) and
//! `installation_repositories` `added` (`repositories_added[]`).
//!
//! Off (`config.auto_backfill` false: no GitHub credentials, or
//! `THREADLINE_BACKFILL=0`), a ping is answered as before and the other
//! two are ignored. A ping is answered `pong` either way (see `receive`).

use super::{ignored, valid_json, JobPlan, Routed, Routing};
use crate::github::Named;
use serde::Deserialize;
use threadline_jobs::{Delivery, GithubBackfill};

#[derive(Deserialize)]
struct Payload {
    action: Option<String>,
    repository: Option<Named>,
    organization: Option<Named>,
    installation: Option<Named>,
    #[serde(default)]
    repositories: Vec<Named>,
    #[serde(default)]
    repositories_added: Vec<Named>,
}

/// The action a ping's backfill job is queued under; `receive` answers
/// it `pong`, as it answers every ping.
pub const PING: &str = "ping";

/// `ping`: a backfill of the hook's repository, or of its organisation.
pub(super) fn ping(delivery: Delivery, json: &[u8], plan: &JobPlan) -> Routing {
    // The event name is unsigned, and a ping may start a backfill: only a
    // ping's body (every one names its hook) is answered as one.
    #[derive(serde::Deserialize)]
    struct PingShape {
        hook_id: Option<serde::de::IgnoredAny>,
    }
    let shape: PingShape =
        serde_json::from_slice(json).map_err(|e| format!("invalid payload: {e}"))?;
    if shape.hook_id.is_none() {
        return Err("X-GitHub-Event ping does not match the body (no hook_id)".into());
    }
    if !plan.config.auto_backfill {
        return Ok(Routed::Ping);
    }
    let Ok(p) = serde_json::from_slice::<Payload>(json) else {
        return Ok(Routed::Ping);
    };
    let installation_id = p.installation.as_ref().and_then(|i| i.id);
    let job = match (p.repository.and_then(|r| r.full_name), p.organization) {
        (Some(repo), _) => backfill(delivery, vec![repo], None, installation_id),
        (
            None,
            Some(Named {
                login: Some(org), ..
            }),
        ) => backfill(delivery, Vec::new(), Some(org), installation_id),
        // An App's own hook names neither: its installs start backfills.
        _ => return Ok(Routed::Ping),
    };
    plan.build(PING, &job)
}

/// `installation` `created`: the repositories it was installed on.
pub(super) fn installation(delivery: Delivery, json: &[u8], plan: &JobPlan) -> Routing {
    installed(delivery, json, plan, "created", |p| p.repositories)
}

/// `installation_repositories` `added`: the repositories added to it.
pub(super) fn installation_repositories(
    delivery: Delivery,
    json: &[u8],
    plan: &JobPlan,
) -> Routing {
    installed(delivery, json, plan, "added", |p| p.repositories_added)
}

fn installed(
    delivery: Delivery,
    json: &[u8],
    plan: &JobPlan,
    wanted: &str,
    repos: impl FnOnce(Payload) -> Vec<Named>,
) -> Routing {
    valid_json(json)?;
    let p: Payload = serde_json::from_slice(json).map_err(|e| format!("invalid payload: {e}"))?;
    let action = p.action.clone().unwrap_or_default();
    if action != wanted || !plan.config.auto_backfill {
        return ignored(&action);
    }
    let installation_id = p.installation.as_ref().and_then(|i| i.id);
    let names: Vec<String> = repos(p).into_iter().filter_map(|r| r.full_name).collect();
    if names.is_empty() {
        return ignored(&action);
    }
    plan.build(&action, &backfill(delivery, names, None, installation_id))
}

fn backfill(
    delivery: Delivery,
    repos: Vec<String>,
    org: Option<String>,
    installation_id: Option<u64>,
) -> GithubBackfill {
    GithubBackfill {
        delivery,
        repos,
        org,
        installation_id,
    }
}
