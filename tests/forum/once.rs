//! The post's creation takes no nonce: a reply lost after Discord made the
//! post must not make a second one when the job is retried.

use super::{ForumStack, ALL_TAGS};
use crate::support::fake_discord::{Fault, FaultKind, Route};
use crate::support::history::History;
use std::time::Duration;

/// `POST /channels/{forum}/threads` requests the fake received.
fn post_creations(f: &ForumStack) -> usize {
    let path = format!("/api/v10/channels/{}/threads", f.forum);
    let requests = f.stack.discord.requests();
    requests
        .iter()
        .filter(|r| r.method == "POST" && r.path == path)
        .count()
}

async fn one_post_despite(kind: FaultKind, number: u64) {
    let f = ForumStack::start(&ALL_TAGS, false, &["o/r"]).await;
    f.stack.discord.inject(Fault {
        route: Route::CreateForumPost,
        kind,
        times: 1,
    });
    let worker = f.worker();
    let mut story = History::new(811, number, "Lost reply");
    story.opened().comment("carol", "First!");
    f.deliver_from(&story.events, 0).await;

    assert_eq!(f.stack.discord.pending_faults(), 0, "the fault was used");
    let post = f.post();
    let messages = f.stack.discord.messages(post.id);
    let intros: Vec<_> = messages
        .iter()
        .filter(|m| m.content.starts_with(&format!("**o/r#{number}**: ")))
        .collect();
    assert_eq!(intros.len(), 1, "one intro: {messages:?}");
    assert_eq!(messages.len(), 2, "the intro and the comment: {messages:?}");
    assert_eq!(post_creations(&f), 1, "the post was made once, never again");
    assert!(
        worker.logs().contains("found its forum post"),
        "the retry found the post:\n{}",
        worker.logs()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_reply_makes_no_second_post() {
    one_post_despite(FaultKind::AfterSuccess(500), 41).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_too_late_for_the_deadline_makes_no_second_post() {
    // The worker gives up after DISCORD_CALL_DEADLINE_SECS (3).
    one_post_despite(FaultKind::DelayAfterSuccess(Duration::from_secs(5)), 42).await;
}
