//! The GitHub events Threadline knows by name: the one list the router's
//! match, the delivery metric's `event` label, the fuzz target and the
//! README follow. Adding an event is one line here plus its arm in
//! [`super::route`]; the tests below fail until the README lists it too.

/// Every event [`super::route`] handles by name; any other is ignored
/// (`202`) and counted as `other` (`web` gives this list to its metrics).
pub const GITHUB_EVENTS: &[&str] = &[
    "ping",
    "pull_request",
    "issue_comment",
    "pull_request_review",
    "pull_request_review_comment",
    "installation",
    "installation_repositories",
    "check_run",
    "check_suite",
    "workflow_run",
    "status",
];

#[cfg(test)]
mod tests {
    use super::super::{route, Routed};
    use super::*;
    use threadline_jobs::Delivery;

    fn readme_section(heading: &str) -> String {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
        let readme = std::fs::read_to_string(path).expect("README.md is readable");
        let start = readme
            .find(&format!("\n{heading}\n"))
            .unwrap_or_else(|| panic!("README.md has no {heading:?}"));
        let rest = &readme[start + heading.len() + 2..];
        let end = rest.find("\n## ").unwrap_or(rest.len());
        rest[..end].to_string()
    }

    /// The words of a text, `_` included, so `pull_request` is not found
    /// inside `pull_request_review`.
    fn words(text: &str) -> Vec<&str> {
        text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .collect()
    }

    fn missing_from(heading: &str) -> Vec<&'static str> {
        let section = readme_section(heading);
        let words = words(&section);
        GITHUB_EVENTS
            .iter()
            .filter(|e| !words.contains(e))
            .copied()
            .collect()
    }

    #[test]
    fn the_readme_lists_every_event_where_github_is_pointed_at_it() {
        let missing = missing_from("## Pointing GitHub at it");
        assert!(
            missing.is_empty(),
            "README, Pointing GitHub at it, lacks {missing:?}"
        );
    }

    #[test]
    fn the_readme_says_what_each_event_does() {
        let missing = missing_from("## What each event does");
        assert!(
            missing.is_empty(),
            "README, What each event does, lacks {missing:?}"
        );
    }

    fn routed(event: &str) -> Result<Routed, String> {
        let delivery = Delivery {
            id: "d".into(),
            hook_id: None,
            seq: 0,
            replay: None,
        };
        route(event, delivery, b"{}", &super::super::test_plan())
    }

    #[test]
    fn every_listed_event_has_an_arm_in_the_router() {
        for event in GITHUB_EVENTS {
            // An event without an arm is ignored with no action at all.
            let r = routed(event);
            assert!(
                !matches!(r, Ok(Routed::Ignored { action: None })),
                "{event} is in GITHUB_EVENTS but the router ignores it: {r:?}"
            );
        }
        assert!(matches!(
            routed("push"),
            Ok(Routed::Ignored { action: None })
        ));
    }

    #[test]
    fn every_arm_of_the_router_is_listed() {
        let source = include_str!("../router.rs");
        let start = source
            .find("match event {")
            .expect("route matches on the event");
        let end = start + source[start..].find("\n    }").expect("the match ends");
        let arms: Vec<&str> = source[start..end]
            .lines()
            .filter_map(|line| line.trim().strip_prefix('"'))
            .filter_map(|rest| rest.split('"').next())
            .collect();
        assert!(!arms.is_empty());
        for arm in arms {
            assert!(
                GITHUB_EVENTS.contains(&arm),
                "the router handles {arm:?}, which GITHUB_EVENTS lacks"
            );
        }
    }
}
