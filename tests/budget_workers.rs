//! The shared Discord budget end to end: real `worker` processes, real
//! Faktory and Redis, and the fake Discord enforcing Discord's rate limits
//! (5 messages per 5 s per channel, 50 requests per second per bot).

use threadline_test_support as support;

use std::time::Duration;
use support::fake_discord::{BucketLimit, Fault, FaultKind, Limits, Route};
use support::history::History;
use support::servers::RedisServer;
use support::stack::{Stack, WAIT};
use support::wait::eventually;
use support::worker::WorkerProcess;

/// The texts of the comments posted in `thread`, in posting order.
fn comments_in(stack: &Stack, thread: u64, marker: &str) -> Vec<String> {
    stack
        .discord
        .messages(thread)
        .into_iter()
        .filter(|m| m.content.contains(marker))
        .map(|m| m.content)
        .collect()
}

/// Tickets the buckets of `thread` have handed out so far: a job's first
/// request to a bucket takes one, in the order the jobs asked.
async fn tickets(stack: &Stack, thread: u64) -> u64 {
    let suffix = format!(":{thread}:seq");
    let client = redis::Client::open(stack.app.redis_url.as_str()).expect("a Redis URL");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("Redis is reachable");
    let mut total = 0;
    for key in stack.app.redis_keys().await {
        if key.ends_with(&suffix) {
            let n: u64 = redis::cmd("GET")
                .arg(&key)
                .query_async(&mut conn)
                .await
                .expect("a ticket counter");
            total += n;
        }
    }
    total
}

/// A stack in limits mode with one PR opened (its thread comes once a
/// worker runs).
async fn stack_with_pr(limits: Limits, repo: u64) -> (Stack, History) {
    let stack = Stack::start().await;
    stack.discord.set_limits(Some(limits));
    let mut h = History::new(repo, 1, "Busy thread");
    h.opened();
    stack.deliver_all(&h.events).await;
    (stack, h)
}

async fn thread_of(stack: &Stack) -> u64 {
    eventually(WAIT, "the PR thread exists", || async {
        stack.discord.threads().len() == 1
    })
    .await;
    stack.discord.threads()[0].id
}

/// Stops a worker the way a deploy does (SIGTERM, drain). A killed one
/// may leave a FETCH waiting inside Faktory, which would take a job.
fn stop(mut worker: WorkerProcess) {
    worker.signal("TERM");
    worker.wait_exit(Duration::from_secs(20));
}

#[tokio::test(flavor = "multi_thread")]
async fn two_workers_post_thirty_messages_to_one_thread_in_order_without_a_429() {
    let (stack, mut h) = stack_with_pr(Limits::discord(), 9101).await;
    let _a = stack.worker().slots(10).spawn();
    let _b = stack.worker().slots(10).spawn();
    let thread = thread_of(&stack).await;
    let first = h.events.len();
    for i in 0..30 {
        h.comment("alice", &format!("burst message {i:02}"));
    }
    // Each delivered only once the one before has taken its ticket in the
    // thread's bucket: the budget grants in ticket order, and a fixed pause
    // would not say when a loaded machine got round to the previous job.
    for e in &h.events[first..] {
        let before = tickets(&stack, thread).await;
        stack.deliver_all([e]).await;
        eventually(WAIT, "the comment's job took its ticket", || async {
            tickets(&stack, thread).await > before
        })
        .await;
    }
    eventually(Duration::from_secs(120), "30 messages posted", || async {
        comments_in(&stack, thread, "burst message").len() >= 30
    })
    .await;
    stack.quiesce().await;

    let posted = comments_in(&stack, thread, "burst message");
    let expected: Vec<String> = (0..30).map(|i| format!("burst message {i:02}")).collect();
    let found: Vec<String> = posted
        .iter()
        .map(|t| {
            let at = t.find("burst message").unwrap_or(0);
            t[at..at + 16].to_string()
        })
        .collect();
    assert_eq!(found, expected, "each posted once, in delivery order");
    assert_eq!(stack.discord.rate_limited().total(), 0, "no 429 at all");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_global_429_pauses_every_worker_process() {
    let stack = Stack::start().await;
    stack.discord.set_limits(Some(Limits::discord()));
    let _a = stack.worker().spawn();
    let _b = stack.worker().spawn();
    let mut prs: Vec<History> = (1..=4)
        .map(|n| History::new(9102, n, &format!("PR {n}")))
        .collect();
    for h in &mut prs {
        h.opened();
        stack.deliver_all(&h.events).await;
    }
    stack.quiesce().await;
    assert_eq!(stack.discord.threads().len(), 4);

    stack.discord.inject(Fault {
        route: Route::CreateMessage,
        kind: FaultKind::RateLimitedGlobal { retry_after: 3.0 },
        times: 1,
    });
    for round in 0..3 {
        for h in &mut prs {
            let at = h.events.len();
            h.comment("bob", &format!("paused comment {round}"));
            stack.deliver_all(&h.events[at..]).await;
        }
    }
    stack.quiesce().await;

    let requests = stack.discord.requests();
    let limited = requests
        .iter()
        .find(|r| r.status == 429)
        .expect("the injected global 429 was answered");
    // Requests already on the wire when the 429 came back cannot be
    // recalled; nothing may be sent once the pause is known.
    let in_flight = Duration::from_millis(200);
    let late = |r: &&support::fake_discord::Recorded| {
        r.at > limited.at + in_flight && r.at < limited.at + Duration::from_millis(2900)
    };
    assert_eq!(
        requests.iter().filter(late).count(),
        0,
        "no process sent during the global pause"
    );
    let on_the_wire = requests
        .iter()
        .filter(|r| r.at > limited.at && r.at <= limited.at + in_flight)
        .count();
    assert!(stack.discord.rate_limited().global <= 1 + on_the_wire);
    for t in stack.discord.threads() {
        assert_eq!(comments_in(&stack, t.id, "paused comment").len(), 3);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_learned_bucket_is_shared_with_a_process_started_later() {
    // The fake allows 2 messages per 5 s per channel; the seed says 5.
    let mut limits = Limits::discord();
    limits.create_message = BucketLimit {
        limit: 2,
        window: Duration::from_secs(5),
    };
    let (stack, mut h) = stack_with_pr(limits, 9103).await;
    let first = stack.worker().slots(10).spawn();
    let thread = thread_of(&stack).await;
    let at = h.events.len();
    h.comment("carol", "learned one")
        .comment("carol", "learned two");
    stack.deliver_all(&h.events[at..]).await;
    eventually(WAIT, "two comments posted", || async {
        comments_in(&stack, thread, "learned").len() == 2
    })
    .await;
    stop(first);

    // The thread's window is still used up; a new process must know it.
    let _second = stack.worker().slots(10).spawn();
    let at = h.events.len();
    for i in 0..4 {
        h.comment("carol", &format!("later {i}"));
    }
    stack.deliver_all(&h.events[at..]).await;
    eventually(Duration::from_secs(60), "four more comments", || async {
        comments_in(&stack, thread, "later").len() == 4
    })
    .await;
    assert_eq!(stack.discord.rate_limited().total(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_redis_the_job_fails_and_nothing_is_sent() {
    let mut redis = RedisServer::start();
    let stack = Stack::builder().redis(&redis.url()).start().await;
    stack.discord.set_limits(Some(Limits::discord()));
    let worker = stack.worker().slots(2).spawn();
    let mut h = History::new(9104, 1, "Redis goes away");
    h.opened();
    stack.deliver_all(&h.events).await;
    let thread = thread_of(&stack).await;
    stack.quiesce().await;

    worker.signal("STOP");
    let at = h.events.len();
    h.comment("dave", "sent once Redis is back");
    stack.deliver_all(&h.events[at..]).await;
    redis.stop();
    let before = stack.discord.requests().len();
    worker.signal("CONT");
    eventually(WAIT, "the job failed into the retry set", || async {
        !stack.faktory.set_jobs("retries").await.is_empty()
    })
    .await;
    assert_eq!(
        stack.discord.requests().len(),
        before,
        "no request may go out without the budget"
    );

    redis.restart();
    stack.quiesce().await;
    assert_eq!(comments_in(&stack, thread, "sent once Redis").len(), 1);
    assert_eq!(stack.discord.rate_limited().total(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_on_the_old_events_queue_is_still_performed() {
    let stack = Stack::start().await;
    let worker = stack.worker().spawn();
    let mut h = History::new(9105, 1, "Rolling deploy");
    h.opened();
    stack.deliver_all(&h.events).await;
    let thread = thread_of(&stack).await;
    stack.quiesce().await;
    stop(worker);

    // An older `web` pushed every job to `threadline-events`.
    let at = h.events.len();
    h.comment("erin", "from the previous release");
    stack.deliver_all(&h.events[at..]).await;
    let jobs = stack.app.take_jobs().await;
    assert_eq!(jobs.len(), 1);
    let old_queue = format!("{}-{}", stack.app.namespace, threadline_jobs::QUEUE_EVENTS);
    let mut client = faktory::Client::connect_to(&stack.faktory.url())
        .await
        .expect("Faktory");
    let taken = &jobs[0];
    let mut job =
        faktory::Job::new(taken.kind().to_string(), taken.args().to_vec()).on_queue(old_queue);
    job.custom = taken.custom.clone();
    client.enqueue(job).await.expect("PUSH");
    let _worker = stack.worker().spawn();
    stack.quiesce().await;
    assert_eq!(
        comments_in(&stack, thread, "from the previous release").len(),
        1
    );
}
