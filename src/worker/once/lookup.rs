//! Finding an effect's own message again, once Discord may have forgotten
//! its nonce.
//!
//! An attempt that finds an intent older than the nonce window
//! ([`crate::worker::once::intent`]) reads the channel from a snowflake made of the
//! intent's time (less [`CLOCK_MARGIN`] for clocks that disagree), page by
//! page, oldest first, and takes the earliest message that the bot wrote
//! and that carries the effect's [`Marker`]. The text alone is never
//! enough: two "LGTM" comments look alike. A marker is always in the first
//! line, which Threadline writes itself (GitHub text only ever follows it):
//!
//! - a comment or review: its GitHub URL, which the first line shows (a
//!   review's first line also names its state, so a review and its
//!   dismissal differ);
//! - a review's line comments: the review's URL and the batch number;
//! - state changes, pushes, review requests and draft changes, which have
//!   no URL of their own (a compare URL repeats after a force-push back):
//!   a short reference derived from the effect key, ` · ref `…``;
//! - the intro (thread starter): `**{repo}#{number}**: `, whatever title
//!   followed it, since racing jobs may render another title. Only one
//!   intro per PR and generation is ever posted, and the lookup starts
//!   after the previous generation's intro, so the prefix is unique.
//!
//! A thread started beyond the window is found again through its intro:
//! starting a thread from it answers "already created", and the thread's id
//! is the intro's id. Never by name. Forum posts have no starter message
//! in the parent; [`crate::worker::forum::post`] finds them through the active and
//! archived thread listings, by the same marker in their first message.

use crate::discord::{DiscordError, PAGE_MAX};
use crate::worker::{Context, JobError};
use std::time::Duration;

/// How far before the intent's time a lookup starts: Redis's clock and
/// Discord's may disagree, and a later start could miss the message.
pub const CLOCK_MARGIN: Duration = Duration::from_secs(300);
/// Discord's epoch (2015-01-01T00:00:00Z) in Unix milliseconds.
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;
/// Beyond this many pages a lookup gives up rather than post blindly.
const MAX_PAGES: usize = 500;

/// What identifies an effect's message among the bot's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Marker {
    /// The first line is exactly this.
    FirstLine(String),
    /// The first line starts with this (the intro).
    FirstLineStarts(String),
}

impl Marker {
    /// The marker of a message whose first line is unique to its effect.
    pub fn first_line_of(content: &str) -> Marker {
        Marker::FirstLine(first_line(content).to_string())
    }

    pub fn matches(&self, content: &str) -> bool {
        let line = first_line(content);
        match self {
            Marker::FirstLine(want) => line == want,
            Marker::FirstLineStarts(prefix) => line.starts_with(prefix.as_str()),
        }
    }
}

// Trimmed: Discord trims a message's surrounding whitespace.
fn first_line(content: &str) -> &str {
    content.trim().lines().next().unwrap_or_default().trim()
}

/// `content` with a reference unique to `reference` at the end of its
/// first line, for messages that have no GitHub URL of their own.
pub fn with_ref(content: &str, reference: &str) -> String {
    let (first, rest) = match content.split_once('\n') {
        Some((first, rest)) => (first, Some(rest)),
        None => (content, None),
    };
    let first = format!("{first} · ref `{reference}`");
    match rest {
        Some(rest) => format!("{first}\n{rest}"),
        None => first,
    }
}

/// The smallest snowflake of a message created at `ms` (Unix epoch ms).
pub fn snowflake_at(ms: u64) -> u64 {
    ms.saturating_sub(DISCORD_EPOCH_MS) << 22
}

/// Where the lookup of an effect first attempted at `intent_ms` starts:
/// [`CLOCK_MARGIN`] earlier, and never at or before `floor` (a message id
/// known to belong to something else).
pub fn start_after(intent_ms: u64, floor: u64) -> u64 {
    let margin = CLOCK_MARGIN.as_millis() as u64;
    snowflake_at(intent_ms.saturating_sub(margin)).max(floor)
}

/// The earliest message after `after` in `channel` that the bot wrote and
/// that carries `marker`; Discord's own errors are left to the caller.
pub async fn find(
    ctx: &Context,
    channel: u64,
    after: u64,
    marker: &Marker,
) -> Result<Result<Option<u64>, DiscordError>, JobError> {
    let me = match ctx.discord.own_user_id().await {
        Ok(me) => me,
        Err(e) => return Ok(Err(e)),
    };
    let mut cursor = after;
    for _ in 0..MAX_PAGES {
        let page = match ctx.discord.messages_after(channel, cursor, PAGE_MAX).await {
            Ok(page) => page,
            Err(e) => return Ok(Err(e)),
        };
        let mine = page
            .iter()
            .find(|m| m.author_id == me && marker.matches(&m.content));
        if let Some(found) = mine {
            return Ok(Ok(Some(found.id)));
        }
        match page.last() {
            Some(last) if page.len() == usize::from(PAGE_MAX) => cursor = last.id,
            _ => return Ok(Ok(None)),
        }
    }
    Err(JobError::Permanent(anyhow::anyhow!(
        "more than {} messages in channel {channel} since this effect was first tried; \
         not posting blindly: check the channel, then retry or delete the job",
        MAX_PAGES * usize::from(PAGE_MAX)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snowflakes_carry_discords_time() {
        // Discord's documented example: 175928847299117063 is 2016-04-30T11:18:25.796Z.
        let ms = (175_928_847_299_117_063u64 >> 22) + DISCORD_EPOCH_MS;
        assert_eq!(ms, 1_462_015_105_796);
        assert!(snowflake_at(ms) <= 175_928_847_299_117_063);
        assert!(snowflake_at(ms + 1) > 175_928_847_299_117_063);
        assert_eq!(snowflake_at(0), 0);
    }

    #[test]
    fn a_lookup_starts_a_margin_early_but_never_at_or_below_the_floor() {
        let at = 1_700_000_000_000;
        let margin = CLOCK_MARGIN.as_millis() as u64;
        assert_eq!(start_after(at, 0), snowflake_at(at - margin));
        let floor = snowflake_at(at - 1000);
        assert_eq!(start_after(at, floor), floor);
    }

    #[test]
    fn the_first_line_decides_not_the_text() {
        let a = "💬 **alice** commented: <https://github.com/o/r/pull/1#issuecomment-1>\n\n> LGTM";
        let b = "💬 **alice** commented: <https://github.com/o/r/pull/1#issuecomment-12>\n\n> LGTM";
        let quoting_a = "💬 **bob** commented: <https://github.com/o/r/pull/1#issuecomment-3>\n\n\
                         💬 **alice** commented: <https://github.com/o/r/pull/1#issuecomment-1>";
        let marker = Marker::first_line_of(a);
        assert!(marker.matches(a));
        assert!(marker.matches(&format!("  {a}  ")));
        assert!(!marker.matches(b), "a longer comment id is another comment");
        assert!(!marker.matches(quoting_a), "quoting it elsewhere is not it");
    }

    #[test]
    fn a_reference_makes_the_first_line_unique() {
        let closed = "🔴 Pull request **closed** by **x** without merging";
        let one = with_ref(closed, "aaaaaaaaaaaa");
        let two = with_ref(closed, "bbbbbbbbbbbb");
        assert_eq!(one, format!("{closed} · ref `aaaaaaaaaaaa`"));
        assert!(!Marker::first_line_of(&one).matches(&two));
        let long = with_ref("head\nbody", "r");
        assert_eq!(long, "head · ref `r`\nbody");
    }

    #[test]
    fn a_prefix_marker_ignores_what_follows() {
        let marker = Marker::FirstLineStarts("**o/r#9**: ".into());
        assert!(marker.matches("**o/r#9**: Old title\nopened by **x**"));
        assert!(marker.matches("**o/r#9**: New title"));
        assert!(!marker.matches("**o/r#90**: Other"));
        assert!(!marker.matches("x\n**o/r#9**: in the body"));
    }
}
