//! Discord refusing a PR's thread for what it says (AutoMod) sends no job
//! to the dead set: the thread is made under a neutral name, or, refused
//! that too, the PR's events go to the parent channel after a note, each
//! once.

use crate::support::configured::Configured;
use crate::support::fake_discord::{Fault, FaultKind, Route};
use crate::support::history::History;
use crate::support::stack::Stack;
use crate::{assert_no_dead, deliver};

/// Requests that changed a channel (`PATCH /channels/{id}`).
fn patches_of(stack: &Stack, channel: u64) -> usize {
    let path = format!("/api/v10/channels/{channel}");
    let requests = stack.discord.requests();
    requests
        .iter()
        .filter(|r| r.method == "PATCH" && r.path == path)
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_title_automod_blocks_gets_a_neutral_thread() {
    let stack = Stack::start().await;
    stack.discord.block_word("frobnicate");
    let _worker = stack.worker().spawn();
    let mut h = History::new(9311, 123, "Frobnicate the widgets");
    h.opened().comment("alice", "looks fine");
    deliver(&stack, &mut h).await;
    h.comment("bob", "second look")
        .retitle("Frobnicate them all");
    deliver(&stack, &mut h).await;

    let threads = stack.discord.threads();
    assert_eq!(threads.len(), 1, "{threads:#?}");
    assert_eq!(threads[0].name, "PR #123");
    let intros = stack.discord.messages(stack.channel);
    assert_eq!(intros.len(), 1, "one intro: {intros:#?}");
    assert!(intros[0]
        .content
        .starts_with("**o/r#123**: (title withheld"));
    let texts: Vec<String> = stack
        .discord
        .messages(threads[0].id)
        .into_iter()
        .map(|m| m.content)
        .collect();
    assert_eq!(texts.iter().filter(|t| t.contains("looks fine")).count(), 1);
    assert_eq!(
        texts.iter().filter(|t| t.contains("second look")).count(),
        1
    );
    assert_no_dead(&stack).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pr_refused_any_thread_goes_to_the_parent_channel_once() {
    let stack = Stack::start().await;
    // Refused under its own name and under the neutral one.
    stack.discord.inject(Fault {
        route: Route::StartThreadFromMessage,
        kind: FaultKind::ApiError(400, 200_001),
        times: 2,
    });
    let _worker = stack.worker().spawn();
    let mut h = History::new(9312, 7, "Anything at all");
    h.opened().comment("alice", "first remark");
    deliver(&stack, &mut h).await;
    let first = h.last_comment_id();
    h.comment("bob", "second remark")
        .comment_edited(first, "alice", "first remark, revised")
        .closed(false);
    deliver(&stack, &mut h).await;

    assert!(stack.discord.threads().is_empty());
    let texts: Vec<String> = stack
        .discord
        .messages(stack.channel)
        .into_iter()
        .map(|m| m.content)
        .collect();
    assert_eq!(
        texts.len(),
        5,
        "intro, note, 2 comments, closed: {texts:#?}"
    );
    assert!(texts[0].starts_with("**o/r#7**: Anything at all"));
    assert!(
        texts[1].contains("Discord refused a thread"),
        "{}",
        texts[1]
    );
    for text in &texts[2..] {
        assert!(text.starts_with("**o/r#7** · "), "{text}");
    }
    for needle in ["first remark, revised", "second remark", "**closed**"] {
        let n = texts.iter().filter(|t| t.contains(needle)).count();
        assert_eq!(n, 1, "{needle}: {texts:#?}");
    }
    assert_eq!(
        patches_of(&stack, stack.channel),
        0,
        "the parent channel is never renamed or archived"
    );
    assert_no_dead(&stack).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forum_post_automod_blocks_gets_a_neutral_title() {
    let configured = Configured::start(|discord, _| {
        let (forum, _) = discord.add_forum_channel(&[("Open", false)], false);
        format!("[[routes]]\nrepo = \"o/r\"\nchannel = \"{forum}\"\n")
    })
    .await;
    let stack = &configured.stack;
    stack.discord.block_word("frobnicate");
    let _worker = configured.worker().spawn();
    let mut h = History::new(9313, 5, "Frobnicate in a forum");
    h.opened().comment("alice", "forum remark");
    deliver(stack, &mut h).await;

    let posts = stack.discord.threads();
    assert_eq!(posts.len(), 1, "{posts:#?}");
    assert_eq!(posts[0].name, "PR #5");
    let texts: Vec<String> = stack
        .discord
        .messages(posts[0].id)
        .into_iter()
        .map(|m| m.content)
        .collect();
    assert!(
        texts[0].starts_with("**o/r#5**: (title withheld"),
        "{texts:#?}"
    );
    assert_eq!(
        texts.iter().filter(|t| t.contains("forum remark")).count(),
        1
    );
    assert_no_dead(stack).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_reply_to_the_neutral_start_makes_no_second_thread() {
    let stack = Stack::start().await;
    stack.discord.block_word("frobnicate");
    // The refused start takes the first; the neutral one is made, and its
    // reply lost: the retry's neutral start answers "already created".
    stack.discord.inject(Fault {
        route: Route::StartThreadFromMessage,
        kind: FaultKind::AfterSuccess(500),
        times: 2,
    });
    let _worker = stack.worker().spawn();
    let mut h = History::new(9314, 8, "Frobnicate again");
    h.opened().comment("alice", "after the lost reply");
    deliver(&stack, &mut h).await;

    let threads = stack.discord.threads();
    assert_eq!(threads.len(), 1, "{threads:#?}");
    assert_eq!(threads[0].name, "PR #8");
    assert_eq!(stack.discord.messages(stack.channel).len(), 1, "one intro");
    let texts = stack.discord.messages(threads[0].id);
    assert_eq!(texts.len(), 1, "{texts:#?}");
    assert_eq!(stack.discord.pending_faults(), 0, "both starts were tried");
    assert_no_dead(&stack).await;
}
