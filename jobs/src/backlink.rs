//! `pr.backlink`: the comment on a PR that links its Discord thread,
//! queued by the worker once the thread (or forum post) is recorded, with
//! `[github] backlink = true`. A job of its own, on the scheduled queue
//! with the other GitHub work, so that a slow or failing GitHub never
//! holds up Discord work. The worker finds its earlier comment by a
//! hidden marker before posting, and edits it when the thread is new.

use crate::{Delivery, Job, PullRequest, Repo, QUEUE_SCHEDULED};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrBacklink {
    pub delivery: Delivery,
    pub repo: Repo,
    pub pr: PullRequest,
    /// The thread (or forum post) the comment links to: a snowflake as
    /// text, since Faktory (Go) reads numbers in args as float64 and a
    /// snowflake loses its last digits that way.
    pub thread: String,
    /// The guild the thread is in, when the worker that made it knew.
    #[serde(default)]
    pub guild: Option<String>,
}

impl Job for PrBacklink {
    const KIND: &'static str = "pr.backlink";
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
    fn round_trip_on_the_scheduled_queue_and_without_a_guild() {
        let pr: PullRequest = serde_json::from_value(serde_json::json!({
            "number": 7, "title": "t", "html_url": "https://github.com/a/b/pull/7",
            "author": "ana", "base_ref": "main", "head_label": "ana:x"
        }))
        .unwrap();
        let job = PrBacklink {
            delivery: Delivery {
                id: "d-1".into(),
                hook_id: None,
                seq: 0,
                replay: None,
            },
            repo: Repo {
                id: 4711,
                full_name: "a/b".into(),
            },
            pr,
            thread: "1578544396817661952".into(),
            guild: Some("5".into()),
        };
        let env = encode(&job).unwrap();
        assert_eq!((env.kind, env.queue), ("pr.backlink", QUEUE_SCHEDULED));
        assert_eq!(decode::<PrBacklink>(&env.args).unwrap(), job);
        let mut bare = env.args[0].clone();
        bare.as_object_mut().unwrap().remove("guild");
        assert_eq!(decode::<PrBacklink>(&[bare]).unwrap().guild, None);
    }
}
