//! Edits in closed threads: an archived thread is unarchived for the edit
//! and archived again; in a locked thread the edit is skipped, with a log
//! line, and nothing fails.

use crate::support::history::History;
use crate::support::stack::Stack;
use crate::{assert_no_dead, changes, deliver, has, thread, thread_texts};

/// PATCHes of the thread itself: its `archived` values, in order.
fn archive_toggles(stack: &Stack, thread: u64) -> Vec<bool> {
    let path = format!("/api/v10/channels/{thread}");
    let requests = stack.discord.requests();
    let patches = requests
        .iter()
        .filter(|r| r.method == "PATCH" && r.path == path);
    patches
        .filter_map(|r| r.body["archived"].as_bool())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_archived_thread_is_unarchived_for_the_edit_and_archived_again() {
    let stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    let mut h = History::new(821, 21, "Quiet");
    h.opened().comment("erin", "said long ago");
    let id = h.last_comment_id();
    deliver(&stack, &mut h).await;
    let t = thread(&stack).id;
    stack.discord.archive_thread(t); // Discord's inactivity timer

    h.comment_edited(id, "erin", "said again");
    deliver(&stack, &mut h).await;
    assert_eq!(has(&thread_texts(&stack), "said again"), 1);
    let after = thread(&stack);
    assert!(after.archived && !after.locked, "{after:?}");
    assert_eq!(archive_toggles(&stack, t), [false, true]);

    h.comment_deleted(id, "erin");
    deliver(&stack, &mut h).await;
    assert!(thread_texts(&stack).is_empty());
    assert!(thread(&stack).archived);
    let statuses: Vec<u16> = changes(&stack).into_iter().map(|c| c.1).collect();
    assert_eq!(
        statuses,
        [400, 200, 400, 204],
        "refused archived, then done"
    );
    assert_no_dead(&stack).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edit_in_a_locked_thread_is_skipped_with_a_log_line() {
    let stack = Stack::start().await;
    let worker = stack.worker().spawn();
    let mut h = History::new(822, 22, "Merged");
    h.opened().comment("frank", "as merged");
    let id = h.last_comment_id();
    h.closed(true);
    deliver(&stack, &mut h).await;
    let closed = thread(&stack);
    assert!(closed.archived && closed.locked, "{closed:?}");

    h.comment_edited(id, "frank", "after the merge");
    deliver(&stack, &mut h).await;
    let texts = thread_texts(&stack);
    assert_eq!(
        (has(&texts, "as merged"), has(&texts, "after the merge")),
        (1, 0)
    );
    assert_eq!(thread(&stack), closed, "the thread is left as it was");
    assert!(worker.logs().contains("is locked"), "{}", worker.logs());
    assert_no_dead(&stack).await;
}
