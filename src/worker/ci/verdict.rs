//! What a CI run's state means: still running, green, red or grey.
//!
//! GitHub reports checks and workflow runs as a `status` plus, once
//! `completed`, a `conclusion`; legacy commit statuses as one `state`.
//! Anything not understood is red, so that a new conclusion GitHub adds
//! one day is never shown as a pass.

use serde::{Deserialize, Serialize};

/// The meaning of one run's state, in the order a summary lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Red,
    Running,
    Grey,
    Green,
}

impl Verdict {
    /// A check run, check suite or workflow run: `status` (`queued`,
    /// `in_progress`, `completed`, …) and, when completed, `conclusion`.
    pub fn of_check(status: &str, conclusion: Option<&str>) -> Verdict {
        match (status, conclusion) {
            ("completed", Some(c)) => Verdict::of_conclusion(c),
            // Completed without a conclusion is not a state GitHub documents.
            ("completed", None) => Verdict::Red,
            _ => Verdict::Running,
        }
    }

    /// A completed run's `conclusion`.
    pub fn of_conclusion(conclusion: &str) -> Verdict {
        match conclusion {
            "success" | "neutral" | "skipped" => Verdict::Green,
            "cancelled" | "stale" => Verdict::Grey,
            // failure, timed_out, startup_failure, action_required, and
            // anything unknown: never green for a state not understood.
            _ => Verdict::Red,
        }
    }

    /// A legacy commit status' `state` (`pending|success|failure|error`).
    pub fn of_status(state: &str) -> Verdict {
        match state {
            "pending" => Verdict::Running,
            "success" => Verdict::Green,
            _ => Verdict::Red,
        }
    }

    /// Whether the run has finished, whatever its outcome.
    pub fn finished(self) -> bool {
        self != Verdict::Running
    }

    /// The mark shown before the run's name.
    pub fn emoji(self) -> &'static str {
        match self {
            Verdict::Red => "❌",
            Verdict::Running => "⏳",
            Verdict::Grey => "⚪",
            Verdict::Green => "✅",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Verdict::{self, *};

    #[test]
    fn conclusions_map_as_the_issue_says() {
        for c in ["success", "neutral", "skipped"] {
            assert_eq!(Verdict::of_conclusion(c), Green, "{c}");
        }
        for c in ["failure", "timed_out", "startup_failure", "action_required"] {
            assert_eq!(Verdict::of_conclusion(c), Red, "{c}");
        }
        for c in ["cancelled", "stale"] {
            assert_eq!(Verdict::of_conclusion(c), Grey, "{c}");
        }
    }

    #[test]
    fn what_is_not_understood_is_never_green() {
        for c in ["", "SUCCESS", "passed", "new_in_2027"] {
            assert_eq!(Verdict::of_conclusion(c), Red, "{c:?}");
        }
        assert_eq!(Verdict::of_check("completed", None), Red);
        assert_eq!(Verdict::of_status("weird"), Red);
    }

    #[test]
    fn unfinished_runs_are_running() {
        for s in ["queued", "in_progress", "requested", "waiting", "pending"] {
            assert_eq!(Verdict::of_check(s, None), Running, "{s}");
            assert!(!Verdict::of_check(s, None).finished());
        }
        assert_eq!(Verdict::of_status("pending"), Running);
        assert_eq!(Verdict::of_status("success"), Green);
        assert_eq!(Verdict::of_status("error"), Red);
    }
}
