//! The newest state of every CI run of one head commit.
//!
//! Deliveries arrive out of order and more than once, and the runs of a
//! big matrix finish within seconds of each other, so a run's state is
//! replaced only by a state stamped later by GitHub itself (the run's
//! own `completed_at`/`updated_at`), never by arrival order.

use super::verdict::Verdict;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One check run, check suite, workflow run or commit status context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    /// Unique among the commit's runs: `check_run:{id}`,
    /// `workflow_run:{id}`, `check_suite:{id}`, `status:{context}`.
    pub key: String,
    pub name: String,
    pub verdict: Verdict,
    #[serde(default)]
    pub url: Option<String>,
    /// GitHub's timestamp of this state (RFC 3339, UTC).
    pub at: String,
    /// For a check run: the check suite it belongs to.
    #[serde(default)]
    pub suite: Option<u64>,
    /// For a check suite or a workflow run: the suite it stands for, so
    /// that it is shown only while none of that suite's check runs is
    /// known (they say more, and one line per job is what a team reads).
    #[serde(default)]
    pub covers: Option<u64>,
}

/// The runs of one head commit, by key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Runs {
    runs: BTreeMap<String, Run>,
}

impl Runs {
    /// Records `run` unless a state at least as new is known; says whether
    /// anything changed (a duplicate delivery changes nothing).
    pub fn apply(&mut self, run: Run) -> bool {
        match self.runs.get(&run.key) {
            Some(known) if !newer(&run, known) => false,
            _ => {
                self.runs.insert(run.key.clone(), run);
                true
            }
        }
    }

    /// The runs a summary shows: every run, less the suites and workflow
    /// runs whose check runs are known.
    pub fn shown(&self) -> Vec<&Run> {
        let suites: Vec<u64> = self.runs.values().filter_map(|r| r.suite).collect();
        self.runs
            .values()
            .filter(|r| r.covers.is_none_or(|s| !suites.contains(&s)))
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// The runs of a stored record (one state per key already).
    pub fn from_stored(runs: impl IntoIterator<Item = Run>) -> Runs {
        let mut all = Runs::default();
        for run in runs {
            all.apply(run);
        }
        all
    }
}

/// A string whose order is [`Runs::apply`]'s: a state replaces another
/// exactly when its order is greater, so a store can compare states
/// atomically without knowing what a verdict is.
pub fn order_of(run: &Run) -> String {
    format!("{}|{}", parse_at(&run.at), u8::from(run.verdict.finished()))
}

/// Whether `new` should replace `known`: stamped later, or stamped the
/// same instant and further along (a run created already completed).
fn newer(new: &Run, known: &Run) -> bool {
    match parse_at(&new.at).cmp(&parse_at(&known.at)) {
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Less => false,
        std::cmp::Ordering::Equal => new.verdict.finished() && !known.verdict.finished(),
    }
}

/// A timestamp as comparable digits: GitHub writes `2026-12-04T21:00:00Z`
/// and sometimes fractional seconds or an offset-free `+00:00`; the digits
/// of the UTC forms compare in time order.
fn parse_at(at: &str) -> String {
    let at = at.trim_end_matches('Z').trim_end_matches("+00:00");
    let (secs, frac) = at.split_once('.').unwrap_or((at, ""));
    let digits: String = secs.chars().filter(char::is_ascii_digit).collect();
    format!("{digits}.{frac:0<9}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(key: &str, verdict: Verdict, at: &str) -> Run {
        Run {
            key: key.into(),
            name: key.into(),
            verdict,
            url: None,
            at: at.into(),
            suite: None,
            covers: None,
        }
    }

    #[test]
    fn an_older_state_delivered_late_does_not_replace_a_newer_one() {
        let mut runs = Runs::default();
        assert!(runs.apply(run("check_run:1", Verdict::Red, "2026-12-04T10:00:05Z")));
        assert!(!runs.apply(run("check_run:1", Verdict::Running, "2026-12-04T10:00:01Z")));
        assert_eq!(runs.shown()[0].verdict, Verdict::Red);
    }

    #[test]
    fn a_duplicate_changes_nothing_and_a_rerun_does() {
        let mut runs = Runs::default();
        let first = run("check_run:1", Verdict::Red, "2026-12-04T10:00:05Z");
        assert!(runs.apply(first.clone()));
        assert!(!runs.apply(first));
        assert!(runs.apply(run("check_run:1", Verdict::Green, "2026-12-04T10:09:00Z")));
    }

    #[test]
    fn the_same_instant_prefers_the_finished_state() {
        let mut runs = Runs::default();
        runs.apply(run("check_run:1", Verdict::Running, "2026-12-04T10:00:05Z"));
        assert!(runs.apply(run("check_run:1", Verdict::Green, "2026-12-04T10:00:05Z")));
        assert!(!runs.apply(run("check_run:1", Verdict::Running, "2026-12-04T10:00:05Z")));
    }

    #[test]
    fn the_stored_order_agrees_with_apply() {
        let a = run("k", Verdict::Running, "2026-12-04T10:00:05Z");
        let b = run("k", Verdict::Green, "2026-12-04T10:00:05Z");
        let c = run("k", Verdict::Running, "2026-12-04T10:00:06.25Z");
        for (x, y) in [(&a, &b), (&b, &c), (&a, &c), (&b, &a), (&c, &a)] {
            assert_eq!(order_of(x) > order_of(y), newer(x, y), "{x:?} {y:?}");
        }
    }

    #[test]
    fn fractional_seconds_compare_in_time_order() {
        assert!(parse_at("2026-12-04T10:00:05.5Z") > parse_at("2026-12-04T10:00:05Z"));
        assert!(parse_at("2026-12-04T10:00:06Z") > parse_at("2026-12-04T10:00:05.999Z"));
        assert_eq!(
            parse_at("2026-12-04T10:00:05Z"),
            parse_at("2026-12-04T10:00:05+00:00")
        );
    }

    #[test]
    fn a_suite_is_shown_only_until_its_check_runs_are_known() {
        let mut runs = Runs::default();
        let mut suite = run("check_suite:7", Verdict::Running, "2026-12-04T10:00:00Z");
        suite.covers = Some(7);
        runs.apply(suite);
        assert_eq!(runs.shown().len(), 1);
        let mut job = run("check_run:1", Verdict::Green, "2026-12-04T10:00:03Z");
        job.suite = Some(7);
        runs.apply(job);
        let shown: Vec<_> = runs.shown().iter().map(|r| r.key.clone()).collect();
        assert_eq!(shown, ["check_run:1"]);
    }
}
