//! The whole PR conversation in its thread, against real Faktory and Redis
//! and the fake Discord: every event, in order and shuffled, duplicated,
//! from bots, hostile, huge, and with renames racing Discord's limits.

use threadline_test_support as support;

use support::history::History;
use support::stack::Stack;

/// Message texts in the PR's thread.
fn thread_texts(stack: &Stack) -> Vec<String> {
    let threads = stack.discord.threads();
    assert_eq!(threads.len(), 1, "exactly one thread: {threads:?}");
    stack
        .discord
        .messages(threads[0].id)
        .into_iter()
        .map(|m| m.content)
        .collect()
}

fn has(texts: &[String], needle: &str) -> usize {
    texts.iter().filter(|t| t.contains(needle)).count()
}

/// A 30-event PR history touching every handled event.
fn full_story(repo_id: u64) -> History {
    let mut h = History::new(repo_id, 80, "Add the thing");
    h.opened()
        .retitle("Add the better thing")
        .draft(true)
        .draft(false)
        .pushed()
        .review_requested("hubot", false)
        .review_requested("hubot", true)
        .comment("alice", "Looks promising @everyone")
        .review("bob", "changes_requested", "Please fix the tests")
        .dismissed("bob")
        .review("carol", "approved", "")
        .review("dave", "commented", "Nit: naming");
    for i in 0..5 {
        h.line_comment(777, 9000 + i, &format!("line note {i}"));
    }
    for i in 0..11 {
        h.comment("erin", &format!("chatter {i}"));
    }
    h.comment("dependabot[bot]", "Bumped a dependency")
        .closed(true);
    h
}

#[tokio::test(flavor = "multi_thread")]
async fn every_event_lands_in_the_thread_in_order() {
    let stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    let story = full_story(501);
    assert_eq!(story.events.len(), 30);
    stack.deliver_all(&story.events).await;
    stack.quiesce().await;

    let texts = thread_texts(&stack);
    let thread = &stack.discord.threads()[0];
    assert_eq!(thread.name, "#80 Add the better thing");
    assert!(
        thread.archived && thread.locked,
        "merged PRs are archived and locked: {thread:?}"
    );
    assert_eq!(has(&texts, "**draft**"), 1);
    assert_eq!(has(&texts, "ready for review"), 1);
    assert_eq!(has(&texts, "pushed new commits"), 1);
    assert_eq!(has(&texts, "requested a review from **hubot**"), 1);
    assert_eq!(has(&texts, "removed the review request for **hubot**"), 1);
    assert_eq!(has(&texts, "**alice** commented"), 1);
    assert_eq!(
        has(&texts, "changes requested"),
        1,
        "only bob's review says it: {texts:#?}"
    );
    assert_eq!(has(&texts, "dismissed"), 1);
    assert_eq!(has(&texts, "approved"), 1);
    assert_eq!(has(&texts, "Nit: naming"), 1);
    assert_eq!(
        has(&texts, "5 review comments"),
        1,
        "five line comments, one message"
    );
    assert_eq!(has(&texts, "line note"), 1);
    assert_eq!(
        has(&texts, "Bumped a dependency"),
        0,
        "bots are not forwarded"
    );
    assert_eq!(has(&texts, "merged"), 1);
    assert_eq!(has(&texts, "**erin** commented"), 11);
    assert_eq!(texts.len(), 23, "{texts:#?}");
    let everyone = texts
        .iter()
        .find(|t| t.contains("Looks promising"))
        .unwrap();
    assert!(!everyone.contains("@everyone"));
    for m in stack.discord.messages(thread.id) {
        assert_eq!(m.allowed_mentions, Some(serde_json::json!({ "parse": [] })));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shuffled_duplicated_history_ends_like_the_ordered_one() {
    let ordered = Stack::start().await;
    let shuffled = Stack::start().await;
    let _w1 = ordered.worker().spawn();
    let _w2 = shuffled.worker().spawn();

    let story = full_story(601);
    ordered.deliver_all(&story.events).await;
    let mut events: Vec<_> = story.events.iter().chain(story.events.iter()).collect();
    shuffle(&mut events, 0x5eed);
    shuffled.deliver_all(events).await;
    ordered.quiesce().await;
    shuffled.quiesce().await;

    let (a, b) = (ordered.discord.threads(), shuffled.discord.threads());
    assert_eq!((a.len(), b.len()), (1, 1));
    assert_eq!(a[0].name, b[0].name);
    assert_eq!((a[0].archived, a[0].locked), (b[0].archived, b[0].locked));
    let mut ta = thread_texts(&ordered);
    let mut tb = thread_texts(&shuffled);
    ta.sort();
    tb.sort();
    assert_eq!(ta.len(), tb.len(), "no extra and no lost messages");
    // The intro is built from whichever event came first; the rest match.
    assert_eq!(
        ta.iter().filter(|t| !t.contains("opened by")).count(),
        tb.iter().filter(|t| !t.contains("opened by")).count()
    );
}

fn shuffle<T>(items: &mut [T], mut seed: u64) {
    for i in (1..items.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        items.swap(i, (seed % (i as u64 + 1)) as usize);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_comment_before_opened_creates_the_thread_and_opened_adds_none() {
    let stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    let mut h = History::new(701, 805, "Early bird");
    h.opened().comment("alice", "first!");
    stack.deliver_all(h.events.iter().rev()).await;
    stack.quiesce().await;
    let texts = thread_texts(&stack);
    assert_eq!(texts.len(), 1, "{texts:#?}");
    assert_eq!(
        stack.discord.messages(stack.channel).len(),
        1,
        "one intro in the parent channel"
    );
    assert_eq!(stack.discord.threads()[0].name, "#805 Early bird");
}

#[tokio::test(flavor = "multi_thread")]
async fn reopening_brings_the_thread_back_and_closing_archives_it() {
    let stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    let mut h = History::new(702, 3, "Round trip");
    h.opened().closed(false);
    stack.deliver_all(&h.events).await;
    stack.quiesce().await;
    let t = stack.discord.threads()[0].clone();
    assert!(t.archived, "{t:?}");
    assert_eq!(has(&thread_texts(&stack), "**closed**"), 1);

    h.events.clear();
    h.reopened().comment("alice", "back again");
    stack.deliver_all(&h.events).await;
    stack.quiesce().await;
    let t = stack.discord.threads()[0].clone();
    assert!(!t.archived && !t.locked, "{t:?}");
    let texts = thread_texts(&stack);
    assert_eq!(has(&texts, "reopened"), 1);
    assert_eq!(has(&texts, "back again"), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn three_quick_title_edits_give_the_last_name_without_blocking_messages() {
    let stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    let mut h = History::new(703, 12, "First");
    h.opened();
    stack.deliver_all(&h.events).await;
    stack.quiesce().await;
    h.events.clear();
    h.retitle("Second")
        .comment("alice", "still here")
        .retitle("Third")
        .retitle("Fourth and final");
    stack.deliver_all(&h.events).await;
    stack.quiesce().await;
    assert_eq!(stack.discord.threads()[0].name, "#12 Fourth and final");
    assert_eq!(has(&thread_texts(&stack), "still here"), 1);
    let renames = stack
        .discord
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH" && r.body.get("name").is_some())
        .count();
    assert!(renames <= 2, "renames were coalesced: {renames}");
    assert!(
        stack.discord.requests().iter().all(|r| r.status != 429),
        "never hit Discord's rename limit"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_thread_is_recreated() {
    let stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    let mut h = History::new(704, 4, "Phoenix");
    h.opened();
    stack.deliver_all(&h.events).await;
    stack.quiesce().await;
    let old = stack.discord.threads()[0].id;
    stack.discord.delete_thread(old);
    h.events.clear();
    h.comment("alice", "anyone there?");
    stack.deliver_all(&h.events).await;
    stack.quiesce().await;
    let threads = stack.discord.threads();
    assert_eq!(threads.len(), 1);
    assert_ne!(threads[0].id, old);
    assert_eq!(has(&thread_texts(&stack), "anyone there?"), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_huge_body_is_cut_with_a_link() {
    let stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    let body = support::fixtures::fixture("edge/opened.long_body.json");
    assert_eq!(
        stack
            .app
            .deliver("pull_request", "huge", &body)
            .await
            .status(),
        202
    );
    stack.quiesce().await;
    let intro = &stack.discord.messages(stack.channel)[0];
    assert!(intro.content.chars().count() <= 2000);
    assert!(intro.content.contains("full text: <https://github.com/"));
    assert!(!intro.content.contains("<!--"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_lock_is_skipped_and_the_thread_still_archived() {
    use support::fake_discord::{Fault, FaultKind, Route};
    let stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    let mut h = History::new(705, 6, "No perms");
    h.opened();
    stack.deliver_all(&h.events).await;
    stack.quiesce().await;
    // The first thread update is the archive-and-lock of the close.
    stack.discord.inject(Fault {
        route: Route::UpdateChannel,
        kind: FaultKind::ApiError(403, 50013),
        times: 1,
    });
    h.events.clear();
    h.closed(false);
    stack.deliver_all(&h.events).await;
    stack.quiesce().await;
    let t = stack.discord.threads()[0].clone();
    assert!(t.archived && !t.locked, "{t:?}");
    assert!(stack.faktory.set_jobs("dead").await.is_empty());
    assert_eq!(has(&thread_texts(&stack), "**closed**"), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_permissions_on_the_thread_send_the_job_to_the_dead_set() {
    use support::fake_discord::{Fault, FaultKind, Route};
    let stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    let mut h = History::new(706, 7, "Forbidden");
    h.opened();
    stack.deliver_all(&h.events).await;
    stack.quiesce().await;
    stack.discord.inject(Fault {
        route: Route::CreateMessage,
        kind: FaultKind::ApiError(403, 50001),
        times: 1,
    });
    h.events.clear();
    h.comment("alice", "can you see this?");
    stack.deliver_all(&h.events).await;
    stack.quiesce().await;
    let dead = stack.faktory.set_jobs("dead").await;
    assert_eq!(dead.len(), 1);
    let message = dead[0]["failure"]["message"].as_str().unwrap();
    assert!(
        message.contains("50001") && message.contains("dead set"),
        "{message}"
    );
}
