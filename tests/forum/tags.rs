//! A post's state tag follows the PR, and tags applied by hand stay.

use super::{ForumStack, ALL_TAGS};
use support::history::History;

use crate::support;

/// Tag ids by position in `ALL_TAGS`.
const OPEN: usize = 0;
const DRAFT: usize = 1;
const APPROVED: usize = 2;
const CHANGES: usize = 3;
const MERGED: usize = 4;
const CLOSED: usize = 5;
const BUG: usize = 6;

#[tokio::test(flavor = "multi_thread")]
async fn open_then_approved_then_merged_keeping_a_hand_tag() {
    let f = ForumStack::start(&ALL_TAGS, false, &["o/r"]).await;
    let _worker = f.worker();
    let mut story = History::new(801, 21, "Forum lifecycle");
    story.opened();
    f.deliver_from(&story.events, 0).await;

    let post = f.post();
    assert_eq!(post.name, "#21 Forum lifecycle");
    let messages = f.stack.discord.messages(post.id);
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0].id, post.id, "a post's first message has its id");
    assert!(messages[0]
        .content
        .starts_with("**o/r#21**: Forum lifecycle"));
    assert_eq!(f.stack.discord.messages(f.forum), []);
    assert_eq!(f.stack.discord.applied_tags(post.id), [f.tags[OPEN]]);

    f.stack.discord.apply_tag_by_hand(post.id, f.tags[BUG]);
    let seen = story.events.len();
    story.review("alice", "changes_requested", "Please fix");
    f.deliver_from(&story.events, seen).await;
    let tags = f.stack.discord.applied_tags(post.id);
    assert_eq!(tags, [f.tags[CHANGES], f.tags[BUG]]);

    // Alice's later approval replaces her request; a push resets nothing.
    let seen = story.events.len();
    story
        .review("alice", "approved", "Now LGTM")
        .review("bob", "commented", "nit")
        .pushed();
    f.deliver_from(&story.events, seen).await;
    let tags = f.stack.discord.applied_tags(post.id);
    assert_eq!(tags, [f.tags[APPROVED], f.tags[BUG]]);

    let seen = story.events.len();
    story.closed(true);
    f.deliver_from(&story.events, seen).await;
    let post = f.post();
    let tags = f.stack.discord.applied_tags(post.id);
    assert_eq!(tags, [f.tags[MERGED], f.tags[BUG]]);
    assert!(post.archived, "a merged PR's post is archived: {post:?}");
    // The review, the push and the merge went into the post like a thread.
    assert!(f.stack.discord.messages(post.id).len() >= 5);

    // A review payload does not say "merged"; the post stays merged.
    let seen = story.events.len();
    story.review("dave", "approved", "Late LGTM");
    f.deliver_from(&story.events, seen).await;
    let tags = f.stack.discord.applied_tags(post.id);
    assert_eq!(tags, [f.tags[MERGED], f.tags[BUG]]);
    assert_eq!(f.stack.discord.forum_posts(f.forum).len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn draft_then_ready_then_closed() {
    let f = ForumStack::start(&ALL_TAGS, false, &["o/r"]).await;
    let _worker = f.worker();
    let mut story = History::new(802, 22, "Half done");
    story.draft = true;
    story.opened();
    f.deliver_from(&story.events, 0).await;
    let post = f.post();
    assert_eq!(post.name, "[draft] #22 Half done");
    assert_eq!(f.stack.discord.applied_tags(post.id), [f.tags[DRAFT]]);

    let seen = story.events.len();
    story.draft(false);
    f.deliver_from(&story.events, seen).await;
    let post = f.post();
    assert_eq!(post.name, "#22 Half done");
    assert_eq!(f.stack.discord.applied_tags(post.id), [f.tags[OPEN]]);

    let seen = story.events.len();
    story.closed(false);
    f.deliver_from(&story.events, seen).await;
    let post = f.post();
    assert_eq!(f.stack.discord.applied_tags(post.id), [f.tags[CLOSED]]);
    assert!(post.archived, "{post:?}");
}
