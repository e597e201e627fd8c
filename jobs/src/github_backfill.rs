//! `github.backfill`: the automatic backfill GitHub's own deliveries start
//! (a hook's `ping`, an App's `installation` `created` and
//! `installation_repositories` `added`). The worker lists the open PRs of
//! `repos`, or of every repository of `org` that a route admits, and
//! queues one `pr.backfill` per PR, exactly as `threadline backfill` does.
//! Its [`Delivery`] is the webhook's own, so `web`'s dedupe takes a
//! redelivered ping once; the `pr.backfill` jobs are deduped per PR.

use crate::{Delivery, Job, QUEUE_SCHEDULED};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GithubBackfill {
    pub delivery: Delivery,
    /// Repositories by `full_name` (a repository hook's, or an install's).
    #[serde(default)]
    pub repos: Vec<String>,
    /// An organisation hook: every repository of it that a route admits.
    #[serde(default)]
    pub org: Option<String>,
    /// `installation.id` of the delivery (App mode): whose token to use.
    #[serde(default)]
    pub installation_id: Option<u64>,
}

impl Job for GithubBackfill {
    const KIND: &'static str = "github.backfill";
    const QUEUE: &'static str = QUEUE_SCHEDULED;

    fn delivery(&self) -> &Delivery {
        &self.delivery
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{decode, encode};

    #[test]
    fn round_trip_on_the_scheduled_queue_and_old_args_decode() {
        let job = GithubBackfill {
            delivery: Delivery {
                id: "d-1".into(),
                hook_id: Some("7".into()),
                seq: 3,
                replay: None,
            },
            repos: vec!["acme/rocket".into()],
            org: None,
            installation_id: Some(9),
        };
        let env = encode(&job).unwrap();
        assert_eq!((env.kind, env.queue), ("github.backfill", QUEUE_SCHEDULED));
        assert_eq!(decode::<GithubBackfill>(&env.args).unwrap(), job);
        let bare = serde_json::json!({"delivery": {"id": "d-2"}, "org": "acme"});
        let org: GithubBackfill = decode(&[bare]).unwrap();
        assert_eq!((org.repos.len(), org.org.as_deref()), (0, Some("acme")));
    }
}
