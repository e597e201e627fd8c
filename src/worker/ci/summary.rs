//! The one CI message of a head commit, and the overall result.
//!
//! Failures come first, then what is still running, then the rest; the
//! whole stays within Discord's 2,000 characters by collapsing the passing
//! runs into a count, then cutting the tail with how many were left out.
//! Run names are GitHub text, so they are defused like any other.

use super::runs::Run;
use super::verdict::Verdict;
use crate::text::{defuse, one_line, MESSAGE_MAX};

/// The result of a commit's CI as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overall {
    /// Nothing red yet, and something still running (or nothing known).
    Running,
    /// Every run finished, and every one green.
    Passed,
    /// At least one run red: the names of the red ones.
    Failed(Vec<String>),
    /// Every run finished, none red, some cancelled or stale.
    Cancelled,
}

/// The overall result of `runs` (the runs a summary shows).
pub fn overall(runs: &[&Run]) -> Overall {
    let red: Vec<String> = sorted(runs)
        .iter()
        .filter(|r| r.verdict == Verdict::Red)
        .map(|r| r.name.clone())
        .collect();
    if !red.is_empty() {
        return Overall::Failed(red);
    }
    if runs.is_empty() || runs.iter().any(|r| !r.verdict.finished()) {
        return Overall::Running;
    }
    if runs.iter().all(|r| r.verdict == Verdict::Green) {
        Overall::Passed
    } else {
        Overall::Cancelled
    }
}

/// The summary message: `head` (the caller's first line, with its marker),
/// then one line per run, within [`MESSAGE_MAX`] characters.
pub fn render(head: &str, runs: &[&Run]) -> String {
    let runs = sorted(runs);
    let lines: Vec<String> = runs.iter().map(|r| line(r)).collect();
    let full = join(head, &lines);
    if full.chars().count() <= MESSAGE_MAX {
        return full;
    }
    let green = runs.iter().filter(|r| r.verdict == Verdict::Green).count();
    let mut kept: Vec<String> = runs
        .iter()
        .filter(|r| r.verdict != Verdict::Green)
        .map(|r| line(r))
        .collect();
    if green > 0 {
        kept.push(format!("{} {green} passed", Verdict::Green.emoji()));
    }
    fit(head, kept)
}

/// Failures first, then running, grey, green; by name within each.
fn sorted<'a>(runs: &[&'a Run]) -> Vec<&'a Run> {
    let mut runs = runs.to_vec();
    runs.sort_by(|a, b| (a.verdict, &a.name, &a.key).cmp(&(b.verdict, &b.name, &b.key)));
    runs
}

fn line(run: &Run) -> String {
    // A name is cut so that one long name cannot crowd out the others.
    let name = defuse(&one_line(&run.name))
        .chars()
        .take(100)
        .collect::<String>();
    match &run.url {
        Some(url) if url.starts_with("https://") => {
            format!("{} [{name}](<{url}>)", run.verdict.emoji())
        }
        _ => format!("{} {name}", run.verdict.emoji()),
    }
}

fn join(head: &str, lines: &[String]) -> String {
    std::iter::once(head.to_string())
        .chain(lines.iter().cloned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// As many of `lines` as fit, then a count of the rest.
fn fit(head: &str, lines: Vec<String>) -> String {
    // Room for the "… and N more" line, whatever N is.
    const TAIL: usize = 24;
    let mut out = head.chars().take(MESSAGE_MAX - TAIL).collect::<String>();
    let mut used = out.chars().count();
    for (i, l) in lines.iter().enumerate() {
        let len = l.chars().count() + 1;
        if used + len > MESSAGE_MAX - TAIL {
            out.push_str(&format!("\n… and {} more", lines.len() - i));
            return out;
        }
        out.push('\n');
        out.push_str(l);
        used += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(name: &str, verdict: Verdict) -> Run {
        Run {
            key: format!("check_run:{name}"),
            name: name.into(),
            verdict,
            url: Some(format!(
                "https://github.com/acme/rocket/runs/{}",
                name.len()
            )),
            at: "2026-12-04T10:00:00Z".into(),
            suite: None,
            covers: None,
        }
    }

    #[test]
    fn failures_come_first_then_running_then_passing() {
        let runs = [
            run("build", Verdict::Green),
            run("test (ubuntu)", Verdict::Red),
            run("docs", Verdict::Running),
            run("lint", Verdict::Red),
        ];
        let refs: Vec<&Run> = runs.iter().collect();
        let text = render("**CI** on `abc1234`", &refs);
        let names: Vec<&str> = text.lines().skip(1).collect();
        assert!(names[0].starts_with("❌ [lint]"), "{text}");
        assert!(names[1].starts_with("❌ [test (ubuntu)]"), "{text}");
        assert!(names[2].starts_with("⏳ [docs]"), "{text}");
        assert!(names[3].starts_with("✅ [build]"), "{text}");
    }

    #[test]
    fn a_long_matrix_collapses_the_passing_runs_and_stays_within_discord() {
        let mut runs: Vec<Run> = (0..300)
            .map(|i| run(&format!("test (shard {i:03}, a long name)"), Verdict::Green))
            .collect();
        runs.push(run("lint", Verdict::Red));
        let refs: Vec<&Run> = runs.iter().collect();
        let text = render("**CI** on `abc1234`", &refs);
        assert!(text.chars().count() <= MESSAGE_MAX);
        assert!(text.contains("❌ [lint]"), "{text}");
        assert!(text.contains("✅ 300 passed"), "{text}");
    }

    #[test]
    fn too_many_failures_are_cut_with_a_count() {
        let runs: Vec<Run> = (0..300)
            .map(|i| run(&format!("test (shard {i:03}, a long name)"), Verdict::Red))
            .collect();
        let refs: Vec<&Run> = runs.iter().collect();
        let text = render("**CI** on `abc1234`", &refs);
        assert!(text.chars().count() <= MESSAGE_MAX);
        assert!(
            text.lines().last().is_some_and(|l| l.starts_with("… and ")),
            "{text}"
        );
    }

    #[test]
    fn names_are_defused() {
        let runs = [run("@everyone deploy", Verdict::Red)];
        let refs: Vec<&Run> = runs.iter().collect();
        assert!(!render("h", &refs).contains("@everyone"));
    }

    #[test]
    fn the_overall_result() {
        let g = run("a", Verdict::Green);
        let r = run("b", Verdict::Red);
        let p = run("c", Verdict::Running);
        let c = run("d", Verdict::Grey);
        assert_eq!(overall(&[&g, &p]), Overall::Running);
        assert_eq!(overall(&[&g, &r, &p]), Overall::Failed(vec!["b".into()]));
        assert_eq!(overall(&[&g]), Overall::Passed);
        assert_eq!(overall(&[&g, &c]), Overall::Cancelled);
        assert_eq!(overall(&[]), Overall::Running);
    }
}
