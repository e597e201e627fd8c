//! What each event says in the thread. Pure functions from job args to
//! message text, every GitHub string defused and the result within
//! Discord's 2000 characters.
//!
//! Every piece of text GitHub users control (logins, titles, branch
//! names, file paths, labels, bodies) goes through [`safe`], or [`code`]
//! when it is shown as inline code: `allowed_mentions` already stops every
//! ping, and these keep `@everyone`, `@here`, `<@id>` and `<@&role>` from
//! even rendering as mentions.

use crate::text::{one_line, truncate_chars, MESSAGE_MAX};

/// GitHub text made harmless: [`crate::text::defuse`], and a zero-width
/// space after every `<` of `<@` (users, roles) and `<#` (channels), which
/// Discord would render as a mention.
pub fn safe(s: &str) -> String {
    crate::text::defuse(s)
        .replace("<@", "<\u{200b}@")
        .replace("<#", "<\u{200b}#")
}

/// One line of GitHub text (a branch name, a file path) as inline code:
/// defused, and a backtick in it, which would close the code span and
/// let the rest render, shown as a look-alike.
pub fn code(s: &str) -> String {
    format!("`{}`", safe(&one_line(s)).replace('`', "\u{02cb}"))
}

/// [`crate::text::with_excerpt`] of a GitHub body, defused as [`safe`] says.
pub fn with_excerpt(head: &str, body: &str, truncated: bool, url: &str) -> String {
    crate::text::with_excerpt(head, &safe(body), truncated, url)
}
use threadline_jobs::{
    PrCommented, PrDraftChanged, PrPushed, PrReviewComment, PrReviewRequest, PrReviewed,
    PrStateChanged,
};

pub fn draft_changed(job: &PrDraftChanged) -> String {
    if job.pr.draft {
        format!(
            "📝 **{}** converted this pull request to a **draft**",
            safe(&job.actor)
        )
    } else {
        format!(
            "🟢 **{}** marked this pull request **ready for review**",
            safe(&job.actor)
        )
    }
}

pub fn pushed(job: &PrPushed) -> String {
    let total = match job.commits {
        0 => String::new(),
        1 => " (1 commit in total)".to_string(),
        n => format!(" ({n} commits in total)"),
    };
    format!(
        "⬆️ **{}** pushed new commits{total}: <{}>",
        safe(&job.actor),
        job.compare_url
    )
}

pub fn review_request(job: &PrReviewRequest) -> String {
    let (who, by) = (safe(&job.reviewer), safe(&job.actor));
    if job.removed {
        format!("👋 **{by}** removed the review request for **{who}**")
    } else {
        format!("👀 **{by}** requested a review from **{who}**")
    }
}

pub fn state_changed(job: &PrStateChanged) -> String {
    match (job.pr.state.as_str(), job.pr.merged) {
        ("closed", true) => {
            let by = job.merged_by.as_deref().unwrap_or(&job.actor);
            format!("🟣 Pull request **merged** by **{}**", safe(by))
        }
        ("closed", false) => format!(
            "🔴 Pull request **closed** by **{}** without merging",
            safe(&job.actor)
        ),
        _ => format!("🔄 Pull request **reopened** by **{}**", safe(&job.actor)),
    }
}

pub fn commented(job: &PrCommented) -> String {
    let head = format!("💬 **{}** commented: <{}>", safe(&job.author), job.html_url);
    with_excerpt(&head, &job.body.text, job.body.truncated, &job.html_url)
}

/// `None` for a plain "commented" review without a body: nothing to say.
pub fn reviewed(job: &PrReviewed) -> Option<String> {
    let who = safe(&job.reviewer);
    let head = match job.state.as_str() {
        "approved" => format!("✅ **{who}** **approved** these changes"),
        "changes_requested" => format!("❌ **{who}**: **changes requested**"),
        "dismissed" => match &job.dismissed_by {
            Some(by) => format!(
                "🚫 The review by **{who}** was **dismissed** by **{}**",
                safe(by)
            ),
            None => format!("🚫 The review by **{who}** was **dismissed**"),
        },
        _ if job.body.text.trim().is_empty() => return None,
        _ => format!("💬 **{who}** reviewed"),
    };
    let head = format!("{head}: <{}>", job.html_url);
    let body = if job.state == "dismissed" {
        ""
    } else {
        job.body.text.as_str()
    };
    Some(with_excerpt(&head, body, job.body.truncated, &job.html_url))
}

/// One line comment, as stored until its review's batch is posted.
pub fn review_comment_entry(job: &PrReviewComment) -> String {
    let place = match job.line {
        Some(line) => format!("{} line {line}", code(&job.path)),
        None => code(&job.path),
    };
    let diff = if job.diff_tail.is_empty() {
        String::new()
    } else {
        format!("\n```diff\n{}\n```", job.diff_tail.replace("```", "'''"))
    };
    let body = truncate_chars(&safe(job.body.text.trim()), 600).0;
    format!(
        "**{}** on {place} (<{}>){diff}\n{}",
        safe(&job.author),
        job.html_url,
        crate::text::quote(&body)
    )
}

/// All line comments of one review in one message: batch `part` of
/// review `review_id`, which the first line names (a link to the review),
/// so that it is unique to the batch.
pub fn review_comments(entries: &[String], pr_url: &str, review_id: u64, part: u64) -> String {
    let count = match entries.len() {
        1 => "1 review comment".to_string(),
        n => format!("{n} review comments"),
    };
    let part = if part > 1 {
        format!(" (part {part})")
    } else {
        String::new()
    };
    let head = format!("🔍 {count} on <{pr_url}#pullrequestreview-{review_id}>{part}");
    let more = format!("\n… more on <{pr_url}/files>");
    let mut text = head;
    for entry in entries {
        if text.chars().count() + entry.chars().count() + 2 + more.chars().count() > MESSAGE_MAX {
            text.push_str(&more);
            return text;
        }
        text.push_str("\n\n");
        text.push_str(entry);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_names_and_paths_render_no_mention() {
        for raw in [
            "@everyone",
            "@here.md",
            "<@&123>",
            "<@42>",
            "<#7>",
            "a`<@&1>`b",
        ] {
            let shown = code(raw);
            assert!(
                !shown.contains("@everyone") && !shown.contains("@here"),
                "{shown}"
            );
            assert!(!shown.contains("<@") && !shown.contains("<#"), "{shown}");
            assert_eq!(shown.matches('`').count(), 2, "one code span: {shown}");
        }
        assert_eq!(safe("ping <@&5> @here"), "ping <\u{200b}@&5> @\u{200b}here");
    }

    #[test]
    fn each_batch_of_line_comments_has_a_first_line_of_its_own() {
        let url = "https://github.com/o/r/pull/9";
        let first = review_comments(&["a".into()], url, 77, 1);
        let second = review_comments(&["a".into()], url, 77, 2);
        let other = review_comments(&["a".into()], url, 78, 1);
        let head = |s: &str| s.lines().next().unwrap_or_default().to_string();
        assert_eq!(
            head(&first),
            "🔍 1 review comment on <https://github.com/o/r/pull/9#pullrequestreview-77>"
        );
        assert!(head(&second).ends_with("(part 2)"));
        assert_ne!(head(&first), head(&other));
        let many: Vec<String> = (0..50)
            .map(|i| format!("{i}: {}", "x".repeat(90)))
            .collect();
        assert!(review_comments(&many, url, 77, 3).chars().count() <= MESSAGE_MAX);
    }
}
