//! The pieces every PR event job carries: where it came from, which
//! repository, and enough of the pull request to create its thread.
//!
//! Any event may be the first one Threadline sees for a PR (GitHub does not
//! order deliveries), so every PR job carries a full [`PullRequest`], not just
//! its number.

use serde::{Deserialize, Serialize};

/// One GitHub delivery: `X-GitHub-Hook-ID` plus `X-GitHub-Delivery`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// `X-GitHub-Delivery`, a GUID that a redelivery keeps.
    pub id: String,
    /// `X-GitHub-Hook-ID`; absent on some senders, so optional.
    #[serde(default)]
    pub hook_id: Option<String>,
    /// The order in which `web` received deliveries (a Redis counter),
    /// which breaks ties between events with the same `updated_at`:
    /// GitHub's timestamps have one-second resolution. 0 in jobs from a
    /// `web` older than the field, and in jobs a worker makes itself.
    #[serde(default)]
    pub seq: u64,
    /// Set by `threadline replay --force` alone: the replay's number, so
    /// its effects happen again as copies (a comment posted once more).
    /// Never inferred from `id`, which is a header nobody signs. Absent in
    /// every other job, and in jobs from a CLI older than the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay: Option<u64>,
}

impl Delivery {
    /// The identity of a delivery across redeliveries: hook id plus GUID.
    pub fn key(&self) -> String {
        format!("{}:{}", self.hook_id.as_deref().unwrap_or("-"), self.id)
    }
}

/// The repository a PR belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repo {
    /// GitHub's numeric id: stable across renames and transfers.
    pub id: u64,
    /// `owner/name`, for display only.
    pub full_name: String,
}

/// What a thread needs to know about a pull request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequest {
    pub number: u64,
    pub title: String,
    pub html_url: String,
    /// Login of the PR's author.
    pub author: String,
    /// Base branch (`main`).
    pub base_ref: String,
    /// Head label (`octocat:feature`), which names forks too.
    pub head_label: String,
    #[serde(default)]
    pub draft: bool,
    /// The body with HTML comments removed, cut to a bounded length so
    /// that a 25 MB payload never becomes a 25 MB job.
    #[serde(default)]
    pub body_excerpt: String,
    /// True when `body_excerpt` was cut.
    #[serde(default)]
    pub body_truncated: bool,
    /// `open` or `closed`, as of this event.
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub merged: bool,
    /// GitHub's `updated_at` (ISO 8601, UTC): orders events that GitHub
    /// delivers out of order.
    #[serde(default)]
    pub updated_at: String,
    /// True when built from an issue (an `issue_comment` delivery): the
    /// branches and draft flag are then unknown, not empty or false.
    #[serde(default)]
    pub from_issue: bool,
}

/// A piece of text from GitHub (a comment or review body), already
/// cleaned of HTML comments and cut to a bounded length.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Excerpt {
    #[serde(default)]
    pub text: String,
    /// True when `text` was cut; the message then links to the original.
    #[serde(default)]
    pub truncated: bool,
}

#[cfg(test)]
mod tests {
    use super::Delivery;

    #[test]
    fn a_replay_is_marked_in_its_own_field_and_old_jobs_still_parse() {
        let old: Delivery =
            serde_json::from_str(r#"{"id":"x:replay:7","hook_id":"1","seq":2}"#).unwrap();
        assert_eq!(old.replay, None, "an id is never a replay mark");
        let plain = serde_json::to_value(&old).unwrap();
        assert!(
            plain.get("replay").is_none(),
            "unset, it is not sent: {plain}"
        );
        let replay = Delivery {
            replay: Some(3),
            ..old
        };
        let sent = serde_json::to_string(&replay).unwrap();
        assert_eq!(serde_json::from_str::<Delivery>(&sent).unwrap(), replay);
    }
}
