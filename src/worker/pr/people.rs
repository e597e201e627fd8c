//! People: which mapped Discord users and roles a message pings.
//!
//! `[people]` maps GitHub logins to Discord users and `[teams]` maps
//! `org/slug` to roles; anyone unmapped stays a GitHub login in bold and
//! is never pinged. A ping is a line of its own after the message's first
//! line (see [`with_mentions`]), so that the marker by which a message is
//! found again ([`crate::worker::once::lookup`]) never depends on who was mapped when.

use crate::discord::Mentions;
use crate::text::{truncate_chars, MESSAGE_MAX};
use crate::worker::Context;
use threadline_jobs::{PrReviewRequest, PrReviewed, PrStateChanged};

/// Pings `login` if mapped.
pub fn person(ctx: &Context, login: &str) -> Mentions {
    let mut mentions = Mentions::none();
    if let Some(user) = ctx.config.person(login) {
        mentions.user(user);
    }
    mentions
}

/// Pings a requested team's role if the team is mapped.
pub fn team(ctx: &Context, org_slug: Option<&str>) -> Mentions {
    let mut mentions = Mentions::none();
    if let Some(role) = org_slug.and_then(|t| ctx.config.team(t)) {
        mentions.role(role);
    }
    mentions
}

/// A review that asks something of the author (approved, changes
/// requested) pings the author, unless they reviewed themselves.
pub fn for_review(ctx: &Context, job: &PrReviewed) -> Mentions {
    let asks = matches!(job.state.as_str(), "approved" | "changes_requested");
    if asks && !same(&job.reviewer, &job.pr.author) {
        person(ctx, &job.pr.author)
    } else {
        Mentions::none()
    }
}

/// A merge pings the author, unless they merged it themselves.
pub fn for_state(ctx: &Context, job: &PrStateChanged) -> Mentions {
    let merger = job.merged_by.as_deref().unwrap_or(&job.actor);
    if job.pr.merged && job.pr.state == "closed" && !same(merger, &job.pr.author) {
        person(ctx, &job.pr.author)
    } else {
        Mentions::none()
    }
}

/// A new review request pings the reviewer, or the team's role.
pub fn for_request(ctx: &Context, job: &PrReviewRequest) -> Mentions {
    match (job.removed, &job.team) {
        (true, _) => Mentions::none(),
        (false, Some(team)) => self::team(ctx, Some(team)),
        (false, None) => person(ctx, &job.reviewer),
    }
}

fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// `content` with the pings on a last line of their own, the whole within
/// Discord's 2000 characters (the content is cut, never the pings).
pub fn with_mentions(content: &str, mentions: &Mentions) -> String {
    if mentions.is_empty() {
        return content.to_string();
    }
    let line = format!("\n{}", mentions.text());
    let room = MESSAGE_MAX.saturating_sub(line.chars().count());
    format!("{}{line}", truncate_chars(content, room).0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::worker::once::lookup::Marker;

    #[test]
    fn pings_go_after_the_first_line_and_keep_the_limit() {
        let mut m = Mentions::none();
        m.user(42).role(7);
        let one = with_mentions("✅ **a** approved: <https://x/1>", &m);
        assert_eq!(one, "✅ **a** approved: <https://x/1>\n<@42> <@&7>");
        let plain = "✅ **a** approved: <https://x/1>";
        assert!(Marker::first_line_of(plain).matches(&one));
        assert_eq!(with_mentions(plain, &Mentions::none()), plain);
        let long = format!("head\n{}", "x".repeat(3000));
        let cut = with_mentions(&long, &m);
        assert!(cut.chars().count() <= MESSAGE_MAX);
        assert!(cut.ends_with("<@42> <@&7>"));
    }
}
