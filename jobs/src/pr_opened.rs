//! `pr.opened`: a pull request was opened. Its effect is the PR's thread
//! with an intro message, created at most once per repository and PR.

use crate::{Delivery, Job, PullRequest, Repo, QUEUE_THREADS};
use serde::{Deserialize, Serialize};

/// Args of `pr.opened`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrOpened {
    pub delivery: Delivery,
    pub repo: Repo,
    pub pr: PullRequest,
}

impl Job for PrOpened {
    const KIND: &'static str = "pr.opened";
    const QUEUE: &'static str = QUEUE_THREADS;

    fn delivery(&self) -> &Delivery {
        &self.delivery
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{decode, encode};

    fn sample() -> PrOpened {
        PrOpened {
            delivery: Delivery {
                id: "d-1".into(),
                hook_id: Some("7".into()),
                seq: 3,
                replay: None,
            },
            repo: Repo {
                id: 42,
                full_name: "o/r".into(),
            },
            pr: PullRequest {
                number: 5,
                title: "Fix".into(),
                html_url: "https://github.com/o/r/pull/5".into(),
                author: "octocat".into(),
                base_ref: "main".into(),
                head_label: "octocat:fix".into(),
                draft: false,
                body_excerpt: "body".into(),
                body_truncated: false,
                state: "open".into(),
                merged: false,
                updated_at: "2026-01-01T00:00:00Z".into(),
                from_issue: false,
            },
        }
    }

    #[test]
    fn round_trips_through_faktory_args() {
        let env = encode(&sample()).unwrap();
        assert_eq!(env.kind, "pr.opened");
        assert_eq!(env.queue, QUEUE_THREADS);
        assert_eq!(decode::<PrOpened>(&env.args).unwrap(), sample());
    }

    #[test]
    fn older_and_newer_shapes_still_decode() {
        let mut v = encode(&sample()).unwrap().args.remove(0);
        v["pr"].as_object_mut().unwrap().remove("draft");
        v["pr"].as_object_mut().unwrap().remove("body_excerpt");
        v["added_by_a_newer_web"] = serde_json::json!(true);
        let job = decode::<PrOpened>(&[v]).unwrap();
        assert!(!job.pr.draft);
        assert_eq!(job.pr.body_excerpt, "");
    }

    #[test]
    fn wrong_arity_is_a_clear_error() {
        let err = decode::<PrOpened>(&[]).unwrap_err();
        assert_eq!(err.to_string(), "expected 1 job argument, got 0");
    }
}
