//! The lookup of a late attempt, without waiting for a reservation: the
//! test writes the intent ("first tried ten minutes ago") and puts in the
//! channel what a dead worker and other people would have left there.

use crate::support::fake_discord::{Author, Fault, FaultKind, Route};
use crate::support::history::History;
use crate::support::stack::{Stack, WAIT};
use crate::support::wait::eventually;
use crate::{posts_to, reads_of, worker};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use threadline::worker::pr::messages;
use threadline_jobs::{decode, PrCommented};

const TEN_MINUTES_MS: u64 = 600_000;

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

async fn redis(stack: &Stack) -> redis::aio::MultiplexedConnection {
    let client = redis::Client::open(stack.app.redis_url.as_str()).unwrap();
    client.get_multiplexed_async_connection().await.unwrap()
}

fn full_key(stack: &Stack, key: &str) -> String {
    format!("threadline:{}:{key}", stack.app.namespace)
}

/// Records that effect `key` was first tried ten minutes ago.
async fn tried_long_ago(stack: &Stack, key: &str) {
    let at = now_ms() - TEN_MINUTES_MS;
    redis::cmd("SET")
        .arg(full_key(stack, &format!("{key}:intent")))
        .arg(at)
        .query_async::<()>(&mut redis(stack).await)
        .await
        .unwrap();
}

async fn guard(stack: &Stack, key: &str) -> Option<u64> {
    redis::cmd("GET")
        .arg(full_key(stack, key))
        .query_async(&mut redis(stack).await)
        .await
        .unwrap()
}

/// A PR whose thread has one "LGTM" by alice, and a second "LGTM" by
/// alice queued but taken out of Faktory: its job, key and text.
async fn second_lgtm(stack: &Stack, repo_id: u64) -> (faktory::Job, String, String) {
    let mut story = History::new(repo_id, 3, "Busy thread");
    story.opened().comment("alice", "LGTM");
    let mut first = worker(stack);
    stack.deliver_all(&story.events).await;
    stack.quiesce().await;
    first.signal("TERM");
    assert!(first.wait_exit(Duration::from_secs(20)).success());
    story.events.clear();
    story.comment("alice", "LGTM");
    stack.deliver_all(&story.events).await;
    let mut jobs = stack.app.take_jobs().await;
    assert_eq!(jobs.len(), 1);
    let job = jobs.remove(0);
    let args: PrCommented = decode(job.args()).unwrap();
    // The comment's guard: its message, once posted (see worker::comments).
    let key = format!(
        "pr:{}:{}:comment:{}:posted",
        args.repo.id, args.pr.number, args.comment_id
    );
    (job, key, messages::commented(&args))
}

/// Fills `thread` as the ten minutes since the first try would have: a
/// person pasting the text, then 150 messages of the bot, then (if
/// `posted`) the dead worker's message, then 20 more; returns its id.
fn fill(stack: &Stack, thread: u64, text: &str, posted: bool) -> Option<u64> {
    let d = &stack.discord;
    d.seed_message(thread, Author::Person, text);
    for i in 0..150 {
        d.seed_message(thread, Author::Bot, &format!("filler {i}"));
    }
    let own = posted.then(|| d.seed_message(thread, Author::Bot, text));
    for i in 0..20 {
        d.seed_message(thread, Author::Bot, &format!("later {i}"));
    }
    own
}

async fn run_again(stack: &Stack, job: faktory::Job) {
    let mut client = faktory::Client::connect_to(&stack.faktory.url())
        .await
        .unwrap();
    client.enqueue(job).await.unwrap();
    let _worker = worker(stack);
    stack.quiesce().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_late_attempt_pages_past_a_hundred_messages_and_finds_its_own() {
    let stack = Stack::start().await;
    let (job, key, text) = second_lgtm(&stack, 8101).await;
    let thread = stack.discord.threads()[0].id;
    tried_long_ago(&stack, &key).await;
    let own = fill(&stack, thread, &text, true);
    let (count, posts) = (
        stack.discord.messages(thread).len(),
        posts_to(&stack, thread),
    );

    run_again(&stack, job).await;

    assert_eq!(stack.discord.messages(thread).len(), count, "nothing new");
    assert_eq!(posts_to(&stack, thread), posts, "not even a nonce repeat");
    assert_eq!(guard(&stack, &key).await, own, "the dead worker's message");
    let reads = reads_of(&stack, thread);
    assert!(reads.len() >= 2, "paged: {reads:?}");
    assert!(reads.iter().all(|q| q.contains("limit=100")), "{reads:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn look_alikes_are_not_the_effect_so_it_posts_once() {
    let stack = Stack::start().await;
    let (job, key, text) = second_lgtm(&stack, 8102).await;
    let thread = stack.discord.threads()[0].id;
    tried_long_ago(&stack, &key).await;
    // The first "LGTM" (the bot's, another URL) and a person's exact copy.
    fill(&stack, thread, &text, false);
    let (count, posts) = (
        stack.discord.messages(thread).len(),
        posts_to(&stack, thread),
    );

    run_again(&stack, job).await;

    let now = stack.discord.messages(thread);
    assert_eq!(now.len(), count + 1);
    assert_eq!(posts_to(&stack, thread), posts + 1);
    let posted = now.last().unwrap();
    assert_eq!(posted.content, text);
    assert_eq!(guard(&stack, &key).await, Some(posted.id));
    assert!(reads_of(&stack, thread).len() >= 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_late_thread_start_is_found_through_its_intro_whatever_its_title() {
    let stack = Stack::start().await;
    tried_long_ago(&stack, "pr:8103:5:starter").await;
    let parent = stack.channel;
    let d = &stack.discord;
    d.seed_message(
        parent,
        Author::Bot,
        "**o/r#50**: Another PR\nopened by **x**",
    );
    d.seed_message(parent, Author::Person, "**o/r#5**: Typed by a person");
    let own = d.seed_message(
        parent,
        Author::Bot,
        "**o/r#5**: The title then\nopened by **x**",
    );
    let mut story = History::new(8103, 5, "The title now");
    story.opened();
    let _worker = worker(&stack);
    stack.deliver_all(&story.events).await;
    stack.quiesce().await;

    assert_eq!(posts_to(&stack, parent), 0, "no second intro");
    let threads = stack.discord.threads();
    assert_eq!(threads.len(), 1);
    assert_eq!(threads[0].id, own, "started from the intro found");
    assert_eq!(threads[0].name, "#5 The title now");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_generation_never_takes_the_deleted_threads_intro() {
    let stack = Stack::start().await;
    let mut story = History::new(8104, 6, "Deleted on Discord");
    story.opened();
    let _worker = worker(&stack);
    stack.deliver_all(&story.events).await;
    stack.quiesce().await;
    let old = stack.discord.threads()[0].id;
    stack.discord.delete_thread(old);
    // The next generation's first try, "long ago": before the old intro.
    tried_long_ago(&stack, "pr:8104:6:starter:1").await;
    story.events.clear();
    story.comment("bob", "Still there?");
    stack.deliver_all(&story.events).await;
    stack.quiesce().await;

    let threads = stack.discord.threads();
    assert_eq!(threads.len(), 1);
    let new = threads[0].id;
    assert!(new > old, "a new intro, a new thread");
    assert_eq!(stack.discord.messages(stack.channel).len(), 2);
    assert_eq!(stack.discord.messages(new).len(), 1);
    assert_eq!(posts_to(&stack, old), 1, "one try into the deleted thread");
    let generation: Option<u64> = redis::cmd("GET")
        .arg(full_key(&stack, "pr:8104:6:gen"))
        .query_async(&mut redis(&stack).await)
        .await
        .unwrap();
    assert_eq!(generation, Some(1));
}

#[tokio::test(flavor = "multi_thread")]
async fn without_read_message_history_the_job_is_dead_and_says_why() {
    let stack = Stack::start().await;
    tried_long_ago(&stack, "pr:8105:7:starter").await;
    stack.discord.inject(Fault {
        route: Route::ListMessages,
        kind: FaultKind::ApiError(403, 50001),
        times: 1,
    });
    let mut story = History::new(8105, 7, "No history for us");
    story.opened();
    let _worker = worker(&stack);
    stack.deliver_all(&story.events).await;
    eventually(WAIT, "the job is dead", || async {
        stack.faktory.set_jobs("dead").await.len() == 1
    })
    .await;
    let dead = stack.faktory.set_jobs("dead").await;
    let message = dead[0]["failure"]["message"].as_str().unwrap();
    assert!(
        message.contains("50001") && message.contains("Read Message History"),
        "{message}"
    );
    assert_eq!(posts_to(&stack, stack.channel), 0, "nothing posted blindly");
}
