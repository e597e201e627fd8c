//! CI jobs: one run's new state (`ci.changed`, from `check_run`,
//! `check_suite`, `workflow_run` and `status` deliveries) and the
//! coalesced re-render of a head commit's summary (`ci.sync`).
//!
//! `web` knows no PR for a commit (it reads no Redis while routing), so a
//! `ci.changed` names the head commit and the PRs the payload lists; the
//! worker finds the PR through the head-commit index first.

use crate::{Delivery, Job, Repo, QUEUE_MESSAGES};
use serde::{Deserialize, Serialize};

/// One run's state, as GitHub reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CiRun {
    /// Unique among the commit's runs: `check_run:{id}`, `check_suite:{id}`,
    /// `workflow_run:{id}`, `status:{context}`.
    pub key: String,
    pub name: String,
    /// `queued|in_progress|completed|…`, or a commit status' `state`.
    pub status: String,
    #[serde(default)]
    pub conclusion: Option<String>,
    /// True for a legacy commit status (`status` is then its `state`).
    #[serde(default)]
    pub legacy: bool,
    #[serde(default)]
    pub url: Option<String>,
    /// GitHub's timestamp of this state.
    pub at: String,
    /// A check run's suite.
    #[serde(default)]
    pub suite: Option<u64>,
    /// The suite a check suite or workflow run stands for.
    #[serde(default)]
    pub covers: Option<u64>,
}

/// A CI run of a commit changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CiChanged {
    pub delivery: Delivery,
    pub repo: Repo,
    pub head_sha: String,
    /// The PRs the payload names (`pull_requests[]`): empty for forks and
    /// for commit statuses.
    #[serde(default)]
    pub prs: Vec<u64>,
    pub run: CiRun,
}
impl Job for CiChanged {
    const KIND: &'static str = "ci.changed";
    const QUEUE: &'static str = QUEUE_MESSAGES;

    fn delivery(&self) -> &Delivery {
        &self.delivery
    }
}

/// Renders a PR's CI summary from stored state; scheduled a few seconds
/// after changes so that a matrix finishing together costs few edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CiSync {
    pub delivery: Delivery,
    pub repo: Repo,
    pub number: u64,
    pub head_sha: String,
}
impl Job for CiSync {
    const KIND: &'static str = "ci.sync";
    const QUEUE: &'static str = QUEUE_MESSAGES;

    fn delivery(&self) -> &Delivery {
        &self.delivery
    }
}
