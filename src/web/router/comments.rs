//! Comments on a PR: `issue_comment` and `pull_request_review_comment`.
//!
//! `created` becomes the comment's message (or its line in its review's
//! message); `edited` and `deleted` become a change to what was forwarded.
//! The bots filter applies to every action alike, so that the edit of a
//! comment that was never forwarded is not even queued. Threadline's own
//! back-link comment (its hidden marker) is never forwarded.

use super::{filter, ignored, with_gate, JobPlan, Routing};
use crate::github::{self, excerpt};
use threadline_jobs as jobs;
use threadline_jobs::Delivery;

fn followed(action: &str) -> bool {
    matches!(action, "created" | "edited" | "deleted")
}

pub(super) fn issue_comment(
    delivery: Delivery,
    e: github::IssueCommentEvent,
    plan: &JobPlan,
) -> Routing {
    let action = e.action.as_str();
    if !followed(action) {
        return ignored(action);
    }
    let issue = e.issue.as_ref().ok_or("payload has no issue")?;
    if issue.pull_request.is_none() {
        return ignored(&format!("{action} on an issue"));
    }
    let comment = e.comment.as_ref().ok_or("payload has no comment")?;
    // Threadline's own back-link to the thread comes back as a webhook:
    // echoing it into the thread it links to would say nothing.
    if comment
        .body
        .as_deref()
        .is_some_and(github::comments::is_backlink)
    {
        return ignored(&format!("{action} of Threadline's own back-link"));
    }
    let repository = e.repository.as_ref().ok_or("payload has no repository")?;
    let filters = match filter::admit(&plan.config, action, repository, Some(&comment.user)) {
        Ok(filters) => filters,
        Err(answer) => return Ok(answer),
    };
    if let Some(reason) = filter::issue_excluded(filters, issue) {
        return Ok(filter::drop(action, reason, None));
    }
    let repo = repository.to_job();
    let (pr, author) = (issue.to_job(), comment.user.login.clone());
    let (body, html_url) = (excerpt(comment.body.as_deref()), comment.html_url.clone());
    let updated_at = comment.updated_at.clone().unwrap_or_default();
    if action == "created" {
        let job = jobs::PrCommented {
            delivery,
            repo,
            pr,
            author,
            body,
            html_url,
            comment_id: comment.id.unwrap_or(0),
            updated_at,
        };
        return plan.build(action, &job);
    }
    let job = jobs::PrCommentChanged {
        delivery,
        repo,
        pr,
        comment_id: comment.id.ok_or("payload has no comment id")?,
        deleted: action == "deleted",
        updated_at,
        author,
        body,
        html_url,
    };
    plan.build(action, &job)
}

pub(super) fn review_comment(
    delivery: Delivery,
    e: github::ReviewCommentEvent,
    plan: &JobPlan,
) -> Routing {
    let action = e.action.as_str();
    if !followed(action) {
        return ignored(action);
    }
    let comment = e.comment.as_ref().ok_or("payload has no comment")?;
    let pr = e
        .pull_request
        .as_ref()
        .ok_or("payload has no pull_request")?;
    let repository = e.repository.as_ref().ok_or("payload has no repository")?;
    let gate = match filter::admit(&plan.config, action, repository, Some(&comment.user))
        .and_then(|filters| filter::pr_passes(filters, action, repository.id, pr))
    {
        Ok(gate) => gate,
        Err(answer) => return Ok(answer),
    };
    let repo = repository.to_job();
    let created = jobs::PrReviewComment {
        delivery,
        repo,
        pr: pr.to_job(),
        // A lone line comment still belongs to a review; its own id keeps it apart otherwise.
        review_id: comment.pull_request_review_id.unwrap_or(comment.id),
        comment_id: comment.id,
        author: comment.user.login.clone(),
        path: comment.path.clone(),
        line: comment.line.or(comment.original_line),
        diff_tail: diff_tail(comment.diff_hunk.as_deref().unwrap_or("")),
        body: excerpt(comment.body.as_deref()),
        html_url: comment.html_url.clone(),
        updated_at: comment.updated_at.clone().unwrap_or_default(),
    };
    if action == "created" {
        return with_gate(plan.build(action, &created), gate);
    }
    with_gate(
        plan.build(action, &changed(created, action == "deleted")),
        gate,
    )
}

/// The change of a line comment carries what its entry is rendered from.
fn changed(c: jobs::PrReviewComment, deleted: bool) -> jobs::PrReviewCommentChanged {
    jobs::PrReviewCommentChanged {
        delivery: c.delivery,
        repo: c.repo,
        pr: c.pr,
        review_id: c.review_id,
        comment_id: c.comment_id,
        deleted,
        updated_at: c.updated_at,
        author: c.author,
        path: c.path,
        line: c.line,
        diff_tail: c.diff_tail,
        body: c.body,
        html_url: c.html_url,
    }
}

/// The last three lines of a diff hunk: the lines the comment is about.
fn diff_tail(hunk: &str) -> String {
    let lines: Vec<&str> = hunk.lines().filter(|l| !l.starts_with("@@")).collect();
    let tail = &lines[lines.len().saturating_sub(3)..];
    crate::text::truncate_chars(&tail.join("\n"), 300).0
}

#[cfg(test)]
mod tests {
    use super::super::{route, Routed};
    use super::*;
    use crate::settings::{Common, FaktoryAddr};

    fn plan() -> JobPlan {
        JobPlan {
            common: Common {
                faktory: FaktoryAddr::parse("tcp://127.0.0.1:7419").unwrap(),
                redis_url: String::new(),
                namespace: String::new(),
                reserve_for: std::time::Duration::from_secs(60),
            },
            reserve_for: std::time::Duration::from_secs(60),
            config: std::sync::Arc::new(crate::config::Config::without_file(
                &crate::config::EnvOverrides {
                    fallback: Some(1),
                    ..Default::default()
                },
            )),
        }
    }

    fn fixture(path: &str) -> serde_json::Value {
        let full = format!("{}/fixtures/github/{path}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_slice(&std::fs::read(full).unwrap()).unwrap()
    }

    fn routed(event: &str, v: &serde_json::Value) -> Routed {
        let delivery = Delivery {
            id: "d".into(),
            hook_id: None,
            seq: 4,
            replay: None,
        };
        route(event, delivery, &serde_json::to_vec(v).unwrap(), &plan()).unwrap()
    }

    fn args<J: jobs::Job>(r: Routed) -> J {
        match r {
            Routed::Enqueue { job, .. } => {
                let job = job.stamp(4).build();
                assert_eq!(job.kind(), J::KIND);
                jobs::decode(job.args()).unwrap()
            }
            other => panic!("expected a job, got {other:?}"),
        }
    }

    #[test]
    fn issue_comment_edits_and_deletions_become_changes() {
        let edited: jobs::PrCommentChanged = args(routed(
            "issue_comment",
            &fixture("issue_comment/edited.json"),
        ));
        assert_eq!((edited.comment_id, edited.deleted), (492700400, false));
        assert_eq!(edited.updated_at, "2019-05-15T15:20:22Z");
        assert!(edited.body.text.ends_with("fixed today."));
        assert_eq!(edited.delivery.seq, 4);
        let deleted: jobs::PrCommentChanged = args(routed(
            "issue_comment",
            &fixture("issue_comment/deleted.json"),
        ));
        assert!(deleted.deleted);
        let created: jobs::PrCommented = args(routed(
            "issue_comment",
            &fixture("issue_comment/created.json"),
        ));
        assert_eq!(created.comment_id, 492700400);
        assert_eq!(created.updated_at, "2019-05-15T15:20:21Z");
    }

    #[test]
    fn line_comment_edits_and_deletions_become_changes() {
        let event = "pull_request_review_comment";
        let edited: jobs::PrReviewCommentChanged = args(routed(
            event,
            &fixture("pull_request_review_comment/edited.json"),
        ));
        assert_eq!(
            (edited.review_id, edited.comment_id),
            (237895671, 284312630)
        );
        assert!(!edited.deleted && !edited.path.is_empty());
        let deleted: jobs::PrReviewCommentChanged = args(routed(
            event,
            &fixture("pull_request_review_comment/deleted.json"),
        ));
        assert!(deleted.deleted);
    }

    #[test]
    fn threadlines_own_back_link_is_never_forwarded() {
        let marker = github::comments::backlink_marker("pr:1296269:1");
        for action in ["created", "edited", "deleted"] {
            let mut own = fixture(&format!("issue_comment/{action}.json"));
            own["comment"]["body"] =
                format!("On Discord: https://discord.com/channels/1/2\n\n{marker}").into();
            // The token's user is a plain user: the bots filter lets it by.
            own["comment"]["user"]["type"] = "User".into();
            assert!(
                matches!(routed("issue_comment", &own), Routed::Ignored { .. }),
                "{action}"
            );
        }
    }

    #[test]
    fn edits_of_bots_and_of_plain_issues_are_ignored() {
        let mut bot = fixture("issue_comment/edited.json");
        bot["comment"]["user"]["type"] = "Bot".into();
        assert!(matches!(
            routed("issue_comment", &bot),
            Routed::Ignored { .. }
        ));
        let mut line = fixture("pull_request_review_comment/deleted.json");
        line["comment"]["user"]["login"] = "renovate[bot]".into();
        let r = routed("pull_request_review_comment", &line);
        assert!(matches!(r, Routed::Ignored { .. }));
        let issue = fixture("issue_comment/edited.issue.json");
        assert!(matches!(
            routed("issue_comment", &issue),
            Routed::Ignored { .. }
        ));
        let mut pinned = fixture("issue_comment/edited.json");
        pinned["action"] = "pinned".into();
        assert!(matches!(
            routed("issue_comment", &pinned),
            Routed::Ignored { .. }
        ));
    }
}
