//! `dibs.notify` and `dibs.release`: the two jobs the Dibs queue of shared
//! resources gives the worker. A change is made in Redis by whoever runs
//! the command (`web`, or the worker for a timed release); what it causes
//! afterwards travels as one of these. Neither comes from GitHub, so their
//! [`Delivery`] is synthetic, `dibs:{resource}:{version}:...`, and the
//! worker's exactly-once keys derive from it.

use crate::{Delivery, Job, QUEUE_MESSAGES, QUEUE_SCHEDULED};
use serde::{Deserialize, Serialize};

/// Args of `dibs.notify`: one channel message that pings at most one user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DibsNotify {
    pub delivery: Delivery,
    /// The channel the pinged person ran their command in. Snowflakes are
    /// strings here, as on Discord's wire: Faktory (Go) reads JSON numbers
    /// as float64 and would round them.
    pub channel_id: String,
    /// The Discord user id the message is for; `None` pings nobody.
    #[serde(default)]
    pub user_id: Option<String>,
    pub content: String,
}

impl Job for DibsNotify {
    const KIND: &'static str = "dibs.notify";
    const QUEUE: &'static str = QUEUE_MESSAGES;

    fn delivery(&self) -> &Delivery {
        &self.delivery
    }
}

/// Args of `dibs.release`: pushed with Faktory `at` for when a hold ends.
/// It does nothing unless the resource is still at `version`: a release,
/// re-take or extension in between made a newer version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DibsRelease {
    pub delivery: Delivery,
    /// Lowercase resource name.
    pub resource: String,
    pub version: u64,
}

impl Job for DibsRelease {
    const KIND: &'static str = "dibs.release";
    const QUEUE: &'static str = QUEUE_SCHEDULED;

    fn delivery(&self) -> &Delivery {
        &self.delivery
    }
}

/// The synthetic delivery of a Dibs job: unique per resource, version
/// and what the job is for.
pub fn dibs_delivery(resource: &str, version: u64, what: &str) -> Delivery {
    Delivery {
        id: format!("dibs:{resource}:{version}:{what}"),
        hook_id: None,
        seq: 0,
        replay: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{decode, encode};

    #[test]
    fn round_trip_and_queues() {
        let job = DibsRelease {
            delivery: dibs_delivery("staging", 3, "release"),
            resource: "staging".into(),
            version: 3,
        };
        let env = encode(&job).unwrap();
        assert_eq!(env.kind, "dibs.release");
        assert_eq!(env.queue, QUEUE_SCHEDULED);
        assert_eq!(decode::<DibsRelease>(&env.args).unwrap(), job);
        let mut v = encode(&DibsNotify {
            delivery: dibs_delivery("staging", 4, "notify"),
            channel_id: "9".into(),
            user_id: Some("7".into()),
            content: "hi".into(),
        })
        .unwrap()
        .args
        .remove(0);
        v.as_object_mut().unwrap().remove("user_id");
        assert_eq!(decode::<DibsNotify>(&[v]).unwrap().user_id, None);
    }
}
