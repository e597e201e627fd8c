//! Issue comments on a PR: edits, deletions, early ones, their order, and
//! ones that were never forwarded.

use crate::support::history::History;
use crate::support::stack::Stack;
use crate::{assert_no_dead, changes, deliver, has, push_with_seq, thread, thread_texts};

#[tokio::test(flavor = "multi_thread")]
async fn an_edit_follows_and_a_deletion_deletes() {
    let stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    let mut h = History::new(801, 1, "Edits");
    h.opened().comment("alice", "first words");
    let id = h.last_comment_id();
    deliver(&stack, &mut h).await;
    let posted = stack.discord.messages(thread(&stack).id)[0].clone();
    assert!(posted.content.contains("first words"), "{posted:?}");

    h.comment_edited(id, "alice", "better words @everyone");
    deliver(&stack, &mut h).await;
    let texts = thread_texts(&stack);
    assert_eq!(texts.len(), 1, "{texts:#?}");
    let edited = stack.discord.message(posted.id).expect("the same message");
    assert!(edited.content.contains("better words"), "{edited:?}");
    assert!(!edited.content.contains("first words") && !edited.content.contains("@everyone"));
    assert!(
        edited.content.contains("**alice** commented"),
        "rendered as the create"
    );
    assert_eq!(
        edited.allowed_mentions,
        Some(serde_json::json!({ "parse": [] }))
    );

    h.comment_deleted(id, "alice");
    deliver(&stack, &mut h).await;
    assert!(thread_texts(&stack).is_empty());
    let deleted = stack.discord.deleted_messages(thread(&stack).id);
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].id, posted.id);
    assert_eq!(
        changes(&stack),
        [("PATCH".into(), 200), ("DELETE".into(), 204)]
    );
    assert_no_dead(&stack).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edit_before_its_comment_posts_the_latest_text_once() {
    let stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    let mut h = History::new(802, 2, "Early edit");
    h.opened();
    deliver(&stack, &mut h).await;
    h.comment("bob", "draft words");
    let created = h.events.pop().unwrap();
    h.comment_edited(h.last_comment_id(), "bob", "final words");
    // The edit is done before GitHub's delivery of the creation arrives.
    deliver(&stack, &mut h).await;
    assert!(thread_texts(&stack).is_empty(), "an edit posts nothing");
    h.events.push(created);
    deliver(&stack, &mut h).await;
    let texts = thread_texts(&stack);
    assert_eq!(texts.len(), 1, "{texts:#?}");
    assert_eq!(has(&texts, "final words"), 1);
    assert!(changes(&stack).is_empty(), "posted as edited, never edited");
    assert_no_dead(&stack).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deletion_before_its_comment_posts_nothing() {
    let stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    let mut h = History::new(803, 3, "Early deletion");
    h.opened();
    deliver(&stack, &mut h).await;
    h.comment("carol", "regretted words");
    let created = h.events.pop().unwrap();
    h.comment_deleted(h.last_comment_id(), "carol");
    deliver(&stack, &mut h).await;
    h.events.push(created);
    deliver(&stack, &mut h).await;
    assert!(
        thread_texts(&stack).is_empty(),
        "{:#?}",
        thread_texts(&stack)
    );
    assert!(stack.discord.deleted_messages(thread(&stack).id).is_empty());
    assert!(changes(&stack).is_empty());
    assert_no_dead(&stack).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_older_edit_after_a_newer_one_is_ignored_and_ties_go_by_receive_order() {
    let stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    let mut h = History::new(804, 4, "Order");
    h.opened().comment("dave", "version one");
    let id = h.last_comment_id();
    deliver(&stack, &mut h).await;
    h.comment_edited(id, "dave", "version three")
        .at("2026-03-01T10:00:09Z");
    deliver(&stack, &mut h).await;
    h.comment_edited(id, "dave", "version two")
        .at("2026-03-01T10:00:05Z");
    deliver(&stack, &mut h).await;
    let texts = thread_texts(&stack);
    assert_eq!(
        (texts.len(), has(&texts, "version three")),
        (1, 1),
        "{texts:#?}"
    );
    assert_eq!(changes(&stack).len(), 1, "the older edit changed nothing");

    // Three edits in one second: the later delivery wins, whatever the
    // order the jobs run in.
    let same_second = "2026-03-01T10:00:20Z";
    for (seq, text) in [(8, "tie middle"), (9, "tie last"), (7, "tie first")] {
        h.comment_edited(id, "dave", text).at(same_second);
        let event = h.events.pop().unwrap();
        push_with_seq(&stack, &event, seq).await;
        stack.quiesce().await;
    }
    let texts = thread_texts(&stack);
    assert_eq!((texts.len(), has(&texts, "tie last")), (1, 1), "{texts:#?}");
    assert_eq!(changes(&stack).len(), 3, "the middle and last edits only");
    assert_no_dead(&stack).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn edits_of_unknown_and_bot_comments_do_nothing() {
    let stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    let mut h = History::new(805, 5, "Ghosts");
    h.opened().comment("renovate[bot]", "bumped");
    let bot = h.last_comment_id();
    deliver(&stack, &mut h).await;
    let requests = stack.discord.requests().len();

    let processed = stack.processed().await;
    h.comment_edited(bot, "renovate[bot]", "bumped again");
    deliver(&stack, &mut h).await;
    assert_eq!(
        stack.processed().await,
        processed,
        "a bot's edit is not queued"
    );
    // Comments Threadline never saw: from before it was installed.
    h.comment_edited(424_242, "alice", "ghost edit")
        .comment_deleted(424_243, "alice")
        .line_comment_edited(990, 31_337, "ghost line")
        .line_comment_deleted(990, 31_338);
    deliver(&stack, &mut h).await;
    assert_eq!(stack.discord.requests().len(), requests, "no Discord call");
    assert!(thread_texts(&stack).is_empty());
    assert_no_dead(&stack).await;
}
