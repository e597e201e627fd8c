//! `github.catch_up`: one run of catch-up, which asks GitHub to redeliver
//! the deliveries that failed. It comes from no delivery: its [`Delivery`]
//! is synthetic, `catch-up:{due_ms}`. Each run schedules the next with
//! Faktory `at`; `due_ms` names the run, so that a copy of a chain that is
//! not the current one (see the worker's catch-up wing) does nothing.

use crate::{Delivery, Job, QUEUE_SCHEDULED};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GithubCatchUp {
    pub delivery: Delivery,
    /// When this run was due (epoch ms): the chain's current link.
    pub due_ms: u64,
}

impl GithubCatchUp {
    pub fn due(due_ms: u64) -> GithubCatchUp {
        GithubCatchUp {
            delivery: Delivery {
                id: format!("catch-up:{due_ms}"),
                hook_id: None,
                seq: 0,
                replay: None,
            },
            due_ms,
        }
    }
}

impl Job for GithubCatchUp {
    const KIND: &'static str = "github.catch_up";
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
    fn round_trip_on_the_scheduled_queue() {
        let job = GithubCatchUp::due(1_700_000_000_000);
        let env = encode(&job).unwrap();
        assert_eq!((env.kind, env.queue), ("github.catch_up", QUEUE_SCHEDULED));
        assert_eq!(decode::<GithubCatchUp>(&env.args).unwrap(), job);
    }
}
