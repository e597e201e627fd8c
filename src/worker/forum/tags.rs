//! The state tags of a forum: `[forum] tags` names matched (ignoring case)
//! against the forum's `available_tags` once at start, and the tags a post
//! should carry given its current ones.
//!
//! A configured name the forum lacks is skipped with a warning (posts get
//! no state tag for that state); a forum that requires a tag while none of
//! the names exists cannot take posts at all, which stops the worker.
//! Discord allows 5 applied tags: the state tag comes first, then as many
//! of the tags people applied by hand as fit.

use crate::config::ForumTags;
use crate::discord::ChannelInfo;
use anyhow::bail;

/// Discord's channel flag: a post needs at least one tag.
const REQUIRE_TAG: u64 = 1 << 4;
/// The most tags a post can carry.
pub const MAX_APPLIED: usize = 5;

/// The state a post's tag shows, in `[forum] tags` order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrState {
    Open = 0,
    Draft = 1,
    Approved = 2,
    ChangesRequested = 3,
    Merged = 4,
    Closed = 5,
}

/// The key of each state in `[forum] tags`, for messages.
const KEYS: [&str; 6] = [
    "open",
    "draft",
    "approved",
    "changes_requested",
    "merged",
    "closed",
];

/// The forum's tag id of each state, where it has one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StateTags {
    ids: [Option<u64>; 6],
}

/// A forum channel, as the worker uses it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Forum {
    /// Whose active threads to list when a post is looked for (0: unknown).
    pub guild: u64,
    pub tags: StateTags,
    /// Discord refuses a post (or a change) that leaves it without a tag.
    pub require_tag: bool,
}

impl StateTags {
    /// The tag of `state`, if the forum has one.
    pub fn of(&self, state: PrState) -> Option<u64> {
        self.ids[state as usize]
    }

    /// The tags a new post gets. A forum that requires a tag, lacking the
    /// tag of `state`, gets another state's rather than no post at all.
    pub fn for_new_post(&self, state: PrState, require_tag: bool) -> Vec<u64> {
        let tags = self.desired(state, &[]);
        match tags.is_empty() && require_tag {
            true => self.ids().into_iter().take(1).collect(),
            false => tags,
        }
    }

    /// Every state tag's id.
    pub fn ids(&self) -> Vec<u64> {
        self.ids.iter().flatten().copied().collect()
    }

    /// The tags a post should carry: the state tag first, then the other
    /// (hand-applied) tags it has, in their order, as many as fit.
    pub fn desired(&self, state: PrState, current: &[u64]) -> Vec<u64> {
        let states = self.ids();
        let manual = current.iter().filter(|t| !states.contains(t)).copied();
        let mut tags: Vec<u64> = self.of(state).into_iter().collect();
        tags.extend(manual);
        tags.dedup();
        tags.truncate(MAX_APPLIED);
        tags
    }
}

/// The same tags, whatever their order.
pub fn same_tags(a: &[u64], b: &[u64]) -> bool {
    let (mut a, mut b) = (a.to_vec(), b.to_vec());
    a.sort_unstable();
    b.sort_unstable();
    a == b
}

/// Resolves the configured names against a forum's tags. `route` names the
/// route in messages. Warnings (missing or moderated tags) are logged.
pub fn resolve(
    route: &str,
    channel: u64,
    info: &ChannelInfo,
    names: &ForumTags,
) -> anyhow::Result<Forum> {
    let mut tags = StateTags::default();
    for (i, name) in names.all().iter().enumerate() {
        let found = info
            .available_tags
            .iter()
            .find(|t| t.name.trim().eq_ignore_ascii_case(name.trim()));
        let Some(tag) = found else {
            log::warn!(
                "{route}: forum {channel} has no tag {name:?} (forum.tags.{}); its posts get no tag for that state",
                KEYS[i]
            );
            continue;
        };
        if tag.moderated {
            log::warn!(
                "{route}: forum {channel}'s tag {name:?} is moderated; applying it needs Manage Threads"
            );
        }
        tags.ids[i] = tag.id.parse().ok();
    }
    if info.flags & REQUIRE_TAG != 0 && tags.ids().is_empty() {
        bail!(
            "{route}: forum {channel} requires a tag on every post, but has none of the configured [forum] tags ({})",
            names.all().join(", ")
        );
    }
    let guild = info
        .guild_id
        .as_deref()
        .and_then(|g| g.parse().ok())
        .unwrap_or(0);
    Ok(Forum {
        guild,
        tags,
        require_tag: info.flags & REQUIRE_TAG != 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discord::ForumTag;

    fn names() -> ForumTags {
        ForumTags {
            open: "Open".into(),
            draft: "Draft".into(),
            approved: "Approved".into(),
            changes_requested: "Changes requested".into(),
            merged: "Merged".into(),
            closed: "Closed".into(),
        }
    }

    fn forum(tags: &[(&str, &str)], flags: u64) -> ChannelInfo {
        ChannelInfo {
            kind: 15,
            name: None,
            available_tags: tags
                .iter()
                .map(|(id, name)| ForumTag {
                    id: id.to_string(),
                    name: name.to_string(),
                    moderated: false,
                })
                .collect(),
            flags,
            guild_id: Some("9".into()),
        }
    }

    #[test]
    fn names_match_ignoring_case_and_missing_ones_are_skipped() {
        let info = forum(&[("11", "open"), ("12", "MERGED"), ("13", "bug")], 0);
        let f = resolve("routes[0] (o/r)", 1, &info, &names()).unwrap();
        assert_eq!(f.guild, 9);
        assert_eq!(f.tags.of(PrState::Open), Some(11));
        assert_eq!(f.tags.of(PrState::Merged), Some(12));
        assert_eq!(f.tags.of(PrState::Approved), None);
        assert_eq!(f.tags.ids(), [11, 12]);
    }

    #[test]
    fn a_forum_requiring_a_tag_needs_one_of_the_names() {
        let info = forum(&[("13", "bug")], REQUIRE_TAG);
        let err = resolve("routes[2] (o/*)", 1, &info, &names()).unwrap_err();
        assert!(err.to_string().contains("routes[2] (o/*)"), "{err}");
        let info = forum(&[("13", "bug"), ("14", "Closed")], REQUIRE_TAG);
        assert!(resolve("r", 1, &info, &names()).is_ok());
    }

    #[test]
    fn the_state_tag_comes_first_and_hand_tags_fill_up_to_five() {
        let info = forum(&[("1", "Open"), ("2", "Approved"), ("3", "Merged")], 0);
        let tags = resolve("r", 1, &info, &names()).unwrap().tags;
        assert_eq!(tags.desired(PrState::Approved, &[1, 50, 51]), [2, 50, 51]);
        let many = [50, 51, 52, 53, 54, 1];
        assert_eq!(tags.desired(PrState::Open, &many), [1, 50, 51, 52, 53]);
        // No tag for the state: the hand tags only, the old state tag gone.
        assert_eq!(tags.desired(PrState::Draft, &[3, 50]), [50]);
        assert_eq!(tags.for_new_post(PrState::Draft, false), Vec::<u64>::new());
        assert_eq!(tags.for_new_post(PrState::Draft, true), [1]);
        assert!(same_tags(&[2, 50], &[50, 2]));
        assert!(!same_tags(&[2, 50], &[50]));
    }
}
