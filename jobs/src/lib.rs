//! The typed job contract between Threadline's `web` and `worker` processes.
//!
//! `web` and `worker` are deployed separately and may run different versions
//! during a rolling deploy, so this crate *is* the wire format. Every job kind
//! is one struct implementing [`Job`]: its kind name (the Faktory `jobtype`),
//! its queue, and its args, encoded as a single JSON object in Faktory's
//! `args[0]`. The crate does no I/O.
//!
//! Compatibility rules, so that old and new processes can share a queue:
//! - never rename or remove a field, a kind or a queue; add new ones instead;
//! - every field added later is `#[serde(default)]`, so an older `web`'s jobs
//!   still decode in a newer `worker`;
//! - unknown fields are ignored, so a newer `web`'s jobs decode in an older
//!   `worker`;
//! - a change of meaning gets a new kind name (`pr.opened.v2`), never an edit.

mod backfill;
mod backlink;
mod catch_up;
mod ci;
mod comment_changes;
mod common;
mod dibs;
mod eligible;
mod events;
mod github_backfill;
mod pr_opened;
mod reminder;

pub use backfill::PrBackfill;
pub use backlink::PrBacklink;
pub use catch_up::GithubCatchUp;
pub use ci::{CiChanged, CiRun, CiSync};
pub use comment_changes::{PrCommentChanged, PrReviewCommentChanged};
pub use common::{Delivery, Excerpt, PullRequest, Repo};
pub use dibs::{dibs_delivery, DibsNotify, DibsRelease};
pub use eligible::PrEligible;
pub use events::{
    PrCommented, PrDraftChanged, PrPushed, PrRetitled, PrReviewComment, PrReviewRequest,
    PrReviewed, PrStateChanged, ReviewCommentsFlush, ThreadSync,
};
pub use github_backfill::GithubBackfill;
pub use pr_opened::PrOpened;
pub use reminder::PrReviewReminder;

use serde::{de::DeserializeOwned, Serialize};

/// Work on the thread itself: creating it, renaming, archiving, draft and
/// state changes, and the sync that settles them.
pub const QUEUE_THREADS: &str = "threadline-threads";
/// Messages into a thread: comments, reviews, review requests, pushes,
/// line comments and their flush, and comment edits and deletions.
pub const QUEUE_MESSAGES: &str = "threadline-messages";
/// Timed work: review reminders (`pr.review_reminder`), Dibs' timed
/// releases (`dibs.release`), GitHub catch-up runs (`github.catch_up`),
/// automatic backfills (`github.backfill`) and back-link comments
/// (`pr.backlink`).
pub const QUEUE_SCHEDULED: &str = "threadline-scheduled";
/// The single queue of releases before the split. Never pushed to any more,
/// but still fetched (last), so that jobs pushed by a `web` of the previous
/// release during a rolling deploy are still performed.
pub const QUEUE_EVENTS: &str = "threadline-events";

/// Every queue Threadline uses, in the order a worker takes them (Faktory
/// FETCH takes queues in strict order).
pub const ALL_QUEUES: &[&str] = &[QUEUE_THREADS, QUEUE_MESSAGES, QUEUE_SCHEDULED, QUEUE_EVENTS];

/// Every job kind a worker must be able to perform.
pub const ALL_KINDS: &[&str] = &[
    PrOpened::KIND,
    PrRetitled::KIND,
    PrDraftChanged::KIND,
    PrPushed::KIND,
    PrReviewRequest::KIND,
    PrStateChanged::KIND,
    PrCommented::KIND,
    PrReviewed::KIND,
    PrReviewComment::KIND,
    ReviewCommentsFlush::KIND,
    ThreadSync::KIND,
    PrCommentChanged::KIND,
    PrReviewCommentChanged::KIND,
    PrEligible::KIND,
    DibsNotify::KIND,
    DibsRelease::KIND,
    PrReviewReminder::KIND,
    GithubCatchUp::KIND,
    PrBackfill::KIND,
    GithubBackfill::KIND,
    CiChanged::KIND,
    CiSync::KIND,
    PrBacklink::KIND,
];

/// A job kind: its name, its queue and its typed args.
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The Faktory `jobtype`. Stable forever once released.
    const KIND: &'static str;
    /// The logical queue this kind is pushed to.
    const QUEUE: &'static str;

    /// The GitHub delivery this job was made from.
    fn delivery(&self) -> &Delivery;
}

/// A job ready to push: what Faktory needs, without depending on a client.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub kind: &'static str,
    pub queue: &'static str,
    pub args: Vec<serde_json::Value>,
}

/// Encodes a job as Faktory args: a one-element array holding the args object.
pub fn encode<J: Job>(job: &J) -> Result<Envelope, serde_json::Error> {
    Ok(Envelope {
        kind: J::KIND,
        queue: J::QUEUE,
        args: vec![serde_json::to_value(job)?],
    })
}

/// Why a job's args could not be read back.
#[derive(Debug)]
pub enum DecodeError {
    /// `args` was not a one-element array.
    Arity(usize),
    /// The object did not match the kind's args struct.
    Shape(serde_json::Error),
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::Arity(n) => write!(f, "expected 1 job argument, got {n}"),
            DecodeError::Shape(e) => write!(f, "job arguments do not match the contract: {e}"),
        }
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DecodeError::Arity(_) => None,
            DecodeError::Shape(e) => Some(e),
        }
    }
}

/// Decodes Faktory args produced by [`encode`] back into the typed job.
pub fn decode<J: Job>(args: &[serde_json::Value]) -> Result<J, DecodeError> {
    match args {
        [one] => J::deserialize(one).map_err(DecodeError::Shape),
        other => Err(DecodeError::Arity(other.len())),
    }
}
