//! Redis that does not grow forever: every key the real code paths write
//! for a PR's life has a TTL (or is one of the few documented fixed-size
//! keys), the TTLs slide with the PR's activity, and a PR that comes back
//! after its keys expired finds its thread again instead of making a
//! second one. The dead-job index and the delivery log stay bounded, and
//! a year of activity, projected through the TTLs, levels off (the same
//! test measures OPERATIONS.md's sizing rule).

use threadline_test_support as support;

use redis::aio::MultiplexedConnection;
use support::history::History;
use support::stack::Stack;
use threadline::dead_index::{DeadIndex, DeadJob, MAX_ENTRIES};
use threadline::delivery_log::{Attempt, DeliveryLog, Entry, Retention};

/// Keys that legitimately live without a TTL: each is one per namespace
/// (or per Discord bucket / installation) and bounded in size by its own
/// trimming, never one per PR, comment or delivery.
const FIXED_SIZE: &[&str] = &[
    // The delivery counter `web` orders deliveries by (one integer).
    "receive_seq",
    // The dead-job index, trimmed by age and count.
    "dead",
    // The delivery log's index and byte counts: one entry per logged
    // delivery, trimmed to DELIVERY_LOG_DAYS and DELIVERY_LOG_MAX_MB.
    "log:index",
    "log:bytes",
    "log:sizes",
];

/// The key without its namespace prefix (`threadline:{ns}:`).
fn bare<'a>(key: &'a str, ns: &str) -> &'a str {
    key.strip_prefix(&format!("threadline:{ns}:"))
        .unwrap_or(key)
}

/// Whether a key without TTL is one of the documented fixed-size ones.
fn fixed_size(bare: &str) -> bool {
    FIXED_SIZE.contains(&bare)
}

async fn redis(stack: &Stack) -> MultiplexedConnection {
    redis::Client::open(stack.app.redis_url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .expect("Redis")
}

/// Every key of the namespace with its TTL in seconds (-1: none).
async fn ttls(stack: &Stack) -> Vec<(String, i64)> {
    let mut conn = redis(stack).await;
    let mut out = vec![];
    for key in stack.app.redis_keys().await {
        let ttl: i64 = redis::cmd("TTL")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .unwrap();
        out.push((key, ttl));
    }
    out.sort();
    out
}

/// A PR's life touching most handled events.
fn story(repo_id: u64, number: u64) -> History {
    let mut h = History::new(repo_id, number, "Add the thing");
    h.opened()
        .retitle("Add the better thing")
        .draft(true)
        .draft(false)
        .pushed()
        .review_requested("hubot", false)
        .comment("alice", "Looks promising")
        .review("bob", "changes_requested", "Please fix the tests")
        .dismissed("bob")
        .review("carol", "approved", "");
    h.line_comment(777, 9000, "line note");
    let id = h.last_comment_id();
    h.comment_edited(id, "alice", "Looks promising, edited");
    h.closed(true);
    h
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pr_life_leaves_no_key_without_a_ttl() {
    let stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    stack.deliver_all(&story(601, 7).events).await;
    stack.quiesce().await;
    assert_eq!(stack.discord.threads().len(), 1);

    let ns = stack.app.namespace.clone();
    let all = ttls(&stack).await;
    let forever: Vec<&str> = all
        .iter()
        .filter(|(_, ttl)| *ttl < 0)
        .map(|(k, _)| bare(k, &ns))
        .filter(|k| !fixed_size(k))
        .collect();
    assert!(
        forever.is_empty(),
        "keys without a TTL: {forever:#?}\n(all: {all:#?})"
    );
}

/// What months of silence do to a namespace: every key that would have
/// expired by then (its TTL at most `within_secs`) expires now.
async fn expire_within(stack: &Stack, within_secs: i64) -> usize {
    let mut conn = redis(stack).await;
    let mut expired = 0;
    for (key, ttl) in ttls(stack).await {
        if ttl >= 0 && ttl <= within_secs {
            let _: i64 = redis::cmd("PEXPIRE")
                .arg(&key)
                .arg(1)
                .query_async(&mut conn)
                .await
                .unwrap();
            expired += 1;
        }
    }
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    expired
}

const DAY: i64 = 86_400;

#[tokio::test(flavor = "multi_thread")]
async fn a_pr_back_after_its_keys_expired_finds_its_thread_again() {
    let stack = Stack::start().await;
    let _worker = stack.worker().env("DISCORD_NONCE_WINDOW_SECS", "0").spawn();
    let mut story = History::new(602, 8, "Quiet for months");
    story.opened().comment("alice", "first look");
    stack.deliver_all(&story.events).await;
    stack.quiesce().await;
    let threads = stack.discord.threads();
    assert_eq!(threads.len(), 1);

    // 181 days of silence: the PR's keys are gone, its thread with them.
    let ns = stack.app.namespace.clone();
    let thread_key = format!("threadline:{ns}:pr:602:8:thread");
    let before: Vec<String> = ttls(&stack).await.into_iter().map(|(k, _)| k).collect();
    assert!(before.contains(&thread_key), "{before:#?}");
    assert!(expire_within(&stack, 181 * DAY).await > 0);
    let after: Vec<String> = ttls(&stack).await.into_iter().map(|(k, _)| k).collect();
    assert!(
        !after.contains(&thread_key),
        "the thread mapping outlived 181 days: {after:#?}"
    );

    // Discord forgot the intro's nonce months ago.
    stack.discord.set_nonce_window(std::time::Duration::ZERO);
    let skip = story.events.len();
    story.comment("bob", "back again");
    stack.deliver_all(&story.events[skip..]).await;
    stack.quiesce().await;

    let threads = stack.discord.threads();
    assert_eq!(threads.len(), 1, "a second thread: {threads:#?}");
    let texts: Vec<String> = stack
        .discord
        .messages(threads[0].id)
        .into_iter()
        .map(|m| m.content)
        .collect();
    assert!(
        texts.iter().any(|t| t.contains("back again")),
        "the comment is not in the PR's thread: {texts:#?}"
    );
    assert_eq!(
        stack.discord.messages(stack.channel).len(),
        1,
        "one intro in the parent channel"
    );
}

fn shared_redis_url() -> String {
    std::env::var("REDIS_URL").expect("REDIS_URL (run through bin/test)")
}

fn dead_job(jid: &str, at_ms: u64) -> DeadJob {
    DeadJob {
        jid: jid.into(),
        kind: "pr.opened".into(),
        delivery: "-".into(),
        error: "boom".into(),
        at_ms,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dead_index_is_trimmed_by_age_and_size() {
    let ns = support::servers::unique_namespace();
    let redis = threadline::redis_conn::connect(&shared_redis_url())
        .await
        .unwrap();
    let index = DeadIndex::new(redis, &format!("threadline:{ns}:"));
    let now = threadline::clock::now_ms();
    // Older than Faktory keeps a dead job: Faktory has dropped it.
    index
        .record(&dead_job("ancient", now - 181 * 86_400_000))
        .await
        .unwrap();
    for i in 0..(MAX_ENTRIES + 20) {
        index
            .record(&dead_job(&format!("j{i:05}"), now - 1000 + i as u64))
            .await
            .unwrap();
    }
    let listed = index.list().await.unwrap();
    assert_eq!(listed.len(), MAX_ENTRIES);
    assert!(listed.iter().all(|j| j.jid != "ancient"));
    assert_eq!(
        listed[0].jid,
        format!("j{:05}", MAX_ENTRIES + 19),
        "newest kept"
    );
    assert!(
        listed.iter().all(|j| j.jid.as_str() >= "j00020"),
        "oldest dropped"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_discarded_in_the_web_ui_leaves_the_dead_index() {
    // A dead job the worker listed, then deleted from the Web UI's Dead
    // page: Faktory's dead set no longer holds it.
    let faktory = support::servers::FaktoryServer::start();
    let ns = support::servers::unique_namespace();
    let redis = threadline::redis_conn::connect(&shared_redis_url())
        .await
        .unwrap();
    let index = DeadIndex::new(redis, &format!("threadline:{ns}:"));
    let now = threadline::clock::now_ms();
    index.record(&dead_job("discarded", now)).await.unwrap();
    assert_eq!(index.list().await.unwrap().len(), 1);

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_threadline"))
        .args(["dead", "--json"])
        .env("REDIS_URL", shared_redis_url())
        .env("FAKTORY_URL", faktory.url())
        .env("THREADLINE_NAMESPACE", &ns)
        .output()
        .expect("the threadline binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.trim().is_empty(), "still listed: {stdout}");
    assert!(index.list().await.unwrap().is_empty());
}

/// `MEMORY USAGE` summed over the keys `pick` takes, and how many.
async fn usage(stack: &Stack, pick: impl Fn(&str) -> bool) -> (u64, usize) {
    let ns = stack.app.namespace.clone();
    let mut conn = redis(stack).await;
    let (mut bytes, mut n) = (0, 0);
    for key in stack.app.redis_keys().await {
        if !pick(bare(&key, &ns)) {
            continue;
        }
        let used: Option<u64> = redis::cmd("MEMORY")
            .arg("USAGE")
            .arg(&key)
            .arg("SAMPLES")
            .arg(0)
            .query_async(&mut conn)
            .await
            .unwrap();
        bytes += used.unwrap_or(0);
        n += 1;
    }
    (bytes, n)
}

/// The PRs' and comments' own keys: not the delivery log (measured
/// apart) nor the Discord budget (a few keys per bucket, for an hour).
fn pr_state(bare: &str) -> bool {
    !bare.starts_with("log:") && !bare.starts_with("rl:")
}

// The sizing rule of OPERATIONS.md, measured through the real code paths
// (`bin/test --test bounded -- --nocapture a_year` prints the figures),
// and a year of activity projected through the TTLs the keys carry: the
// count of live keys levels off instead of growing.
#[tokio::test(flavor = "multi_thread")]
async fn a_year_of_activity_keeps_the_key_count_bounded() {
    let stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    const PRS: u64 = 4;
    const COMMENTS: u64 = 5;
    let mut stories: Vec<History> = (0..PRS)
        .map(|i| {
            let mut h = History::new(700, 10 + i, "Sized");
            h.opened();
            h
        })
        .collect();
    for s in &stories {
        stack.deliver_all(&s.events).await;
    }
    stack.quiesce().await;
    let (pr_bytes, _) = usage(&stack, pr_state).await;

    for s in stories.iter_mut() {
        let skip = s.events.len();
        for c in 0..COMMENTS {
            s.comment("alice", &format!("comment {c} with a few words of text"));
        }
        stack.deliver_all(&s.events[skip..]).await;
    }
    stack.quiesce().await;
    assert_eq!(stack.discord.threads().len(), PRS as usize);
    let (all_bytes, _) = usage(&stack, pr_state).await;
    let (log_bytes, _) = usage(&stack, |k| k.starts_with("log:")).await;
    let mut conn = redis(&stack).await;
    let ns = stack.app.namespace.clone();
    let logged: u64 = redis::cmd("GET")
        .arg(format!("threadline:{ns}:log:bytes"))
        .query_async(&mut conn)
        .await
        .unwrap();
    let per_pr = pr_bytes / PRS;
    let per_comment = (all_bytes - pr_bytes) / (PRS * COMMENTS);
    let per_log_mb = log_bytes * 1_048_576 / logged.max(1);
    println!(
        "sizing: {per_pr} bytes per open PR, {per_comment} bytes per comment, \
         {per_log_mb} bytes of Redis per MB of delivery log"
    );
    assert!(per_pr > 0 && per_comment > 0 && per_log_mb >= 1_048_576);

    // Every key is bounded in time (TTL at most the find-again record's)
    // or one of the fixed-size ones.
    let bound = threadline::worker::pr::ttl::FIND_AGAIN_TTL.as_secs() as i64;
    let template: Vec<i64> = ttls(&stack)
        .await
        .into_iter()
        .filter(|(k, _)| pr_state(bare(k, &ns)) && !fixed_size(bare(k, &ns)))
        .map(|(k, ttl)| {
            assert!(ttl > 0 && ttl <= bound, "{k}: TTL {ttl}");
            ttl
        })
        .collect();

    // A year and more of the same activity, PRS PRs a day, each leaving
    // the keys measured here with the TTLs they carry: live keys on day t
    // are those written on a day b with b + ttl > t.
    let days: Vec<i64> = template.iter().map(|t| (t + DAY - 1) / DAY).collect();
    let alive = |t: i64| -> i64 {
        (0..=t)
            .map(|b| days.iter().filter(|d| b + **d > t).count() as i64)
            .sum()
    };
    let ceiling: i64 = days.iter().sum();
    let (year, later) = (alive(365), alive(800));
    println!(
        "keys of {PRS} PRs a day: {} after 30 days, {year} after a year, {later} after 800 days \
         (ceiling {ceiling})",
        alive(30)
    );
    for t in [30, 180, 365, 500, 800] {
        assert!(alive(t) <= ceiling, "day {t}: {} keys", alive(t));
    }
    assert_eq!(alive(800), alive(1200), "the key count levels off");
}

fn log_entry(id: &str) -> Entry {
    Entry {
        id: id.into(),
        event: "ping".into(),
        hook_id: None,
        content_type: None,
        repo: None,
        action: None,
        attempts: vec![],
    }
}

fn attempt(at_ms: u64) -> Attempt {
    Attempt {
        at_ms,
        outcome: "queued".into(),
        reason: String::new(),
        jid: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trimmed_log_entry_takes_its_replay_counter_and_its_bytes_along() {
    let ns = support::servers::unique_namespace();
    let prefix = format!("threadline:{ns}:");
    let redis = threadline::redis_conn::connect(&shared_redis_url())
        .await
        .unwrap();
    let log = DeliveryLog::new(redis.clone(), &prefix);
    let keep = Retention {
        max_bytes: 10_000,
        max_age_ms: 3_600_000,
    };
    let now = threadline::clock::now_ms();
    // The log keeps GUID ids only.
    let [a, b, c] = ["a", "b", "c"].map(support::fixtures::guid);
    log.write(&log_entry(&a), &attempt(now), &[b'x'; 4000], keep)
        .await
        .unwrap();
    let mut conn = redis;
    // `threadline replay --force` counts its copies here.
    let _: i64 = redis::cmd("INCR")
        .arg(format!("{prefix}log:{a}:replays"))
        .query_async(&mut conn)
        .await
        .unwrap();
    let ttl: i64 = redis::cmd("PTTL")
        .arg(format!("{prefix}log:{a}:body"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(ttl > 0 && ttl <= 3_600_000, "the body's TTL: {ttl}");

    // Its key expires before anything trims it: the count must still drop.
    let _: i64 = redis::cmd("DEL")
        .arg(format!("{prefix}log:{a}"))
        .query_async(&mut conn)
        .await
        .unwrap();
    for id in [&b, &c] {
        log.write(&log_entry(id), &attempt(now + 1), &[b'y'; 4000], keep)
            .await
            .unwrap();
    }
    let gone: i64 = redis::cmd("EXISTS")
        .arg(format!("{prefix}log:{a}:replays"))
        .arg(format!("{prefix}log:{a}:body"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(gone, 0, "entry a is trimmed with its replay counter");
    let bytes: u64 = redis::cmd("GET")
        .arg(format!("{prefix}log:bytes"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(
        (8000..10_000).contains(&bytes),
        "log:bytes counts b and c only: {bytes}"
    );
}
