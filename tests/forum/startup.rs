//! What the worker says of a forum's tags at start.

use super::ForumStack;
use crate::support::history::History;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_tag_is_a_warning_and_its_state_gets_no_tag() {
    // No "Approved"; "Merged" is moderated.
    let tags = [("open", false), ("Merged", true), ("bug", false)];
    let f = ForumStack::start(&tags, false, &["o/r"]).await;
    let mut worker = f.worker();
    let mut story = History::new(821, 51, "Missing tag");
    story.opened();
    f.deliver_from(&story.events, 0).await;
    let post = f.post();
    assert_eq!(f.stack.discord.applied_tags(post.id), [f.tags[0]]);

    let seen = story.events.len();
    story.review("alice", "approved", "ok");
    f.deliver_from(&story.events, seen).await;
    assert_eq!(
        f.stack.discord.applied_tags(post.id),
        Vec::<u64>::new(),
        "approved has no tag in this forum, and open no longer applies"
    );
    assert!(
        worker.child.try_wait().unwrap().is_none(),
        "the worker runs"
    );
    let logs = worker.logs();
    assert!(logs.contains("has no tag \"Approved\""), "{logs}");
    assert!(logs.contains("\"Merged\" is moderated"), "{logs}");
    // Only warnings: the worker still stops when told to.
    worker.signal("TERM");
    assert!(worker.wait_exit(Duration::from_secs(30)).success());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forum_requiring_a_tag_it_lacks_stops_the_worker() {
    let f = ForumStack::start(&[("bug", false)], true, &["o/r"]).await;
    let mut worker = f.worker();
    let status = worker.wait_exit(Duration::from_secs(30));
    assert!(!status.success(), "{status:?}");
    let logs = worker.logs();
    assert!(logs.contains("routes[0] (o/r)"), "{logs}");
    assert!(logs.contains("requires a tag"), "{logs}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forum_requiring_a_tag_keeps_one_when_the_state_has_none() {
    // Requires a tag; "Approved" is missing.
    let tags = [("Open", false), ("Merged", false)];
    let f = ForumStack::start(&tags, true, &["o/r"]).await;
    let _worker = f.worker();
    let mut story = History::new(822, 52, "Required");
    story.opened();
    f.deliver_from(&story.events, 0).await;
    let post = f.post();
    assert_eq!(f.stack.discord.applied_tags(post.id), [f.tags[0]]);

    let seen = story.events.len();
    story.review("alice", "approved", "ok");
    f.deliver_from(&story.events, seen).await;
    let kept = f.stack.discord.applied_tags(post.id);
    assert_eq!(kept, [f.tags[0]], "no Approved tag: the old tag stays");

    let seen = story.events.len();
    story.closed(true);
    f.deliver_from(&story.events, seen).await;
    assert_eq!(f.stack.discord.applied_tags(post.id), [f.tags[1]]);
}
