//! Mapped participants join the thread once, and never after the PR closed.

use super::*;

/// `PUT .../thread-members/{user}` requests that Discord answered with 204.
fn adds(stack: &Stack, user: u64) -> usize {
    let suffix = format!("/thread-members/{user}");
    let requests = stack.discord.requests();
    let puts = requests
        .iter()
        .filter(|r| r.method == "PUT" && r.path.ends_with(&suffix));
    puts.filter(|r| r.status == 204).count()
}

#[tokio::test(flavor = "multi_thread")]
async fn participants_join_the_thread_once_and_not_after_closing() {
    let stack = Stack::start().await;
    let _worker = people_worker(&stack);
    let mut h = History::new(902, 8, "Members");
    h.opened()
        .review_requested("alice", false)
        .review_requested("zed", false)
        .comment("carol", "I have thoughts")
        .review("alice", "approved", "");
    stack.deliver_all(&h.events).await;
    stack.quiesce().await;
    let thread = the_thread(&stack);
    assert_eq!(
        stack.discord.thread_members(thread),
        vec![AUTHOR, ALICE, CAROL]
    );

    // The same people take part again, and the same events come twice more
    // under new delivery ids: nobody is added a second time.
    let first = h.events.len();
    h.comment("carol", "More thoughts")
        .review("alice", "commented", "Nit");
    let again: Vec<_> = h.events.iter().map(|e| redelivered(e, "again")).collect();
    stack.deliver_all(&h.events[first..]).await;
    stack.deliver_all(&again).await;
    stack.quiesce().await;
    for user in [AUTHOR, ALICE, CAROL] {
        assert_eq!(adds(&stack, user), 1, "user {user} added once");
    }

    // Closed: dave comments afterwards and is not added.
    let before_close = h.events.len();
    h.closed(false).comment("dave", "Late to the party");
    stack.deliver_all(&h.events[before_close..]).await;
    stack.quiesce().await;
    assert_eq!(adds(&stack, DAVE), 0, "no member added after closing");
    assert_eq!(
        stack.discord.thread_members(thread),
        vec![AUTHOR, ALICE, CAROL]
    );
}

fn redelivered(e: &support::history::Event, tag: &str) -> support::history::Event {
    support::history::Event {
        name: e.name,
        delivery: format!("{}-{tag}", e.delivery),
        body: e.body.clone(),
    }
}
