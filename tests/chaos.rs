//! Fault injection: the real `web` and `worker` processes against real
//! Faktory and Redis and the fake Discord, with processes killed, servers
//! restarted and Discord failing, under load with duplicate deliveries.
//!
//! Every scenario ends with the same invariant: every PR has exactly one
//! thread and one intro, and every accepted comment appears exactly once.
//! `CHAOS_SCALE=full` (see `bin/chaos`) runs the large version; the default
//! is small enough for CI.

use threadline_test_support as support;

use std::time::{Duration, Instant};
use support::fake_discord::{Fault, FaultKind, Route};
use support::history::{Event, History};
use support::servers::RedisServer;
use support::stack::Stack;
use support::wait::join_all;

/// PRs, each opened and then commented on `comments` times.
struct Load {
    prs: u64,
    comments: u64,
    events: Vec<Event>,
}

fn full_scale() -> bool {
    std::env::var("CHAOS_SCALE").is_ok_and(|s| s == "full")
}

/// How long to wait for the stack to settle: longer at full scale.
fn patience(secs: u64) -> Duration {
    Duration::from_secs(if full_scale() { secs * 5 } else { secs })
}

fn load(repo_id: u64) -> Load {
    let (prs, comments) = if full_scale() { (200, 49) } else { (12, 6) };
    let mut events = Vec::new();
    for n in 1..=prs {
        let mut h = History::new(repo_id, n, &format!("Chaos {n}"));
        h.opened();
        for i in 0..comments {
            h.comment("alice", &format!("chaos-{repo_id}-{n}-{i}!"));
        }
        events.append(&mut h.events);
    }
    Load {
        prs,
        comments,
        events,
    }
}

/// Shuffled, with every tenth delivery sent twice, in concurrent batches.
fn schedule(load: &Load) -> Vec<&Event> {
    let mut all: Vec<&Event> = load.events.iter().collect();
    all.extend(load.events.iter().step_by(10));
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for i in (1..all.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        all.swap(i, (seed % (i as u64 + 1)) as usize);
    }
    all
}

/// Delivers like GitHub plus an operator who redelivers failures: a
/// delivery is resent until it gets a 2xx. Returns how many got a 5xx.
async fn deliver(stack: &Stack, events: &[&Event]) -> usize {
    let mut refused = 0;
    for batch in events.chunks(16) {
        let sends = batch.iter().map(|e| async move {
            let mut refused = 0;
            let start = Instant::now();
            loop {
                let res = stack.app.deliver(e.name, &e.delivery, &e.body).await;
                if res.status().is_success() {
                    return refused;
                }
                assert!(
                    res.status().is_server_error(),
                    "{}: {}",
                    e.delivery,
                    res.status()
                );
                assert!(
                    start.elapsed() < Duration::from_secs(60),
                    "{} never accepted",
                    e.delivery
                );
                refused += 1;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
        refused += join_all(sends).await.into_iter().sum::<usize>();
    }
    refused
}

/// Every PR has one thread and one intro; every comment appears once.
fn assert_exact(stack: &Stack, load: &Load, repo_id: u64) {
    let threads = stack.discord.threads();
    assert_eq!(threads.len() as u64, load.prs, "one thread per PR");
    assert_eq!(
        stack.discord.messages(stack.channel).len() as u64,
        load.prs,
        "one intro per PR"
    );
    let mut seen = std::collections::HashMap::new();
    for t in &threads {
        for m in stack.discord.messages(t.id) {
            *seen.entry(m.content.clone()).or_insert(0) += 1;
        }
    }
    for n in 1..=load.prs {
        for i in 0..load.comments {
            let body = format!("chaos-{repo_id}-{n}-{i}!");
            let count: usize = seen
                .iter()
                .filter(|(c, _)| c.contains(&format!("> {body}")))
                .map(|(_, n)| n)
                .sum();
            assert_eq!(count, 1, "{body} appears {count} times");
        }
    }
    let total: usize = seen.values().sum();
    assert_eq!(total as u64, load.prs * load.comments, "nothing extra");
    eprintln!(
        "chaos: {} deliveries sent, {} PRs, {} effects seen, 0 duplicates, 0 lost",
        load.events.len() + load.events.len().div_ceil(10),
        load.prs,
        total as u64 + 2 * load.prs
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn load_with_duplicates_on_three_workers_is_exact() {
    let stack = Stack::start().await;
    let _workers: Vec<_> = (0..3).map(|_| stack.worker().spawn()).collect();
    let load = load(901);
    deliver(&stack, &schedule(&load)).await;
    stack.quiesce_within(patience(300)).await;
    assert_exact(&stack, &load, 901);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_killed_mid_job_doubles_nothing() {
    let stack = Stack::start().await;
    stack.discord.set_latency(Duration::from_millis(300));
    let mut victim = stack.worker().spawn();
    let load = load(902);
    deliver(&stack, &schedule(&load)).await;
    support::wait::eventually(Duration::from_secs(30), "work under way", || async {
        stack.count("/messages") >= 5
    })
    .await;
    victim.signal("KILL");
    victim.wait_exit(Duration::from_secs(5));
    stack.discord.set_latency(Duration::ZERO);
    let _survivor = stack.worker().spawn();
    // Reservations of the killed jobs expire after 60 s (plus the reaper's 15 s).
    stack.quiesce_within(patience(240)).await;
    assert_exact(&stack, &load, 902);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_stopped_under_load_drains_and_exits_zero() {
    let stack = Stack::start().await;
    stack.discord.set_latency(Duration::from_millis(200));
    let mut stopped = stack.worker().drain_secs(10).spawn();
    let _other = stack.worker().drain_secs(10).spawn();
    let load = load(903);
    deliver(&stack, &schedule(&load)).await;
    support::wait::eventually(Duration::from_secs(30), "work under way", || async {
        stack.count("/messages") >= 5
    })
    .await;
    let asked = Instant::now();
    stopped.signal("TERM");
    let status = stopped.wait_exit(Duration::from_secs(15));
    assert_eq!(status.code(), Some(0), "{}", stopped.logs());
    eprintln!("chaos: worker drained in {:?}", asked.elapsed());
    stack.discord.set_latency(Duration::ZERO);
    stack.quiesce_within(patience(120)).await;
    assert_exact(&stack, &load, 903);
}

#[tokio::test(flavor = "multi_thread")]
async fn faktory_restarted_under_load_loses_nothing() {
    let mut stack = Stack::start().await;
    let _workers: Vec<_> = (0..2).map(|_| stack.worker().spawn()).collect();
    let load = load(904);
    let all = schedule(&load);
    let (first, second) = all.split_at(all.len() / 2);
    deliver(&stack, first).await;
    stack.faktory.stop();
    let down = stack
        .app
        .deliver(
            first[0].name,
            "during-outage",
            &support::fixtures::distinct(&first[0].body, "during-outage"),
        )
        .await;
    assert_eq!(down.status(), 503, "no 2xx while Faktory is down");
    stack.faktory.restart();
    let refused = deliver(&stack, second).await;
    stack.quiesce_within(patience(120)).await;
    eprintln!("chaos: {refused} deliveries refused with 5xx and redelivered");
    assert_exact(&stack, &load, 904);
}

#[tokio::test(flavor = "multi_thread")]
async fn redis_restarted_under_load_loses_and_doubles_nothing() {
    let mut redis = RedisServer::start();
    let stack = Stack::builder().redis(&redis.url()).start().await;
    let _workers: Vec<_> = (0..2).map(|_| stack.worker().spawn()).collect();
    let load = load(905);
    let all = schedule(&load);
    let (first, second) = all.split_at(all.len() / 2);
    deliver(&stack, first).await;
    redis.stop();
    let down = stack
        .app
        .deliver(
            first[0].name,
            "during-redis-outage",
            &support::fixtures::distinct(&first[0].body, "during-redis-outage"),
        )
        .await;
    assert_eq!(down.status(), 503, "no 2xx while Redis is down");
    tokio::time::sleep(Duration::from_secs(2)).await;
    redis.restart();
    deliver(&stack, second).await;
    stack.quiesce_within(patience(120)).await;
    assert_exact(&stack, &load, 905);
}

#[tokio::test(flavor = "multi_thread")]
async fn discord_errors_rate_limits_and_lost_replies_double_nothing() {
    let stack = Stack::start().await;
    let faults = [
        (Route::CreateMessage, FaultKind::Status(500), 15),
        (
            Route::CreateMessage,
            FaultKind::RateLimited { retry_after: 0.5 },
            3,
        ),
        (
            Route::CreateMessage,
            FaultKind::DelayAfterSuccess(Duration::from_secs(4)),
            3,
        ),
        (
            Route::StartThreadFromMessage,
            FaultKind::AfterSuccess(502),
            3,
        ),
    ];
    for (route, kind, times) in faults {
        stack.discord.inject(Fault { route, kind, times });
    }
    let _workers: Vec<_> = (0..2).map(|_| stack.worker().spawn()).collect();
    let load = load(906);
    deliver(&stack, &schedule(&load)).await;
    stack.quiesce_within(patience(180)).await;
    assert_eq!(stack.discord.pending_faults(), 0, "every fault was hit");
    let limited = stack
        .discord
        .requests()
        .iter()
        .filter(|r| r.status == 429)
        .count();
    assert!(limited <= 6, "no burst of rate-limited requests: {limited}");
    assert_exact(&stack, &load, 906);
}

#[tokio::test(flavor = "multi_thread")]
async fn everything_at_once_is_still_exact() {
    let mut stack = Stack::start().await;
    let mut victim = stack.worker().spawn();
    let _steady: Vec<_> = (0..2).map(|_| stack.worker().spawn()).collect();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // About one Discord call in twenty fails with a 500.
    let injector = {
        let (discord, stop) = (stack.discord.handle(), stop.clone());
        tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                if discord.pending_faults() == 0 && discord.requests_seen() % 20 == 19 {
                    discord.inject(Fault {
                        route: Route::Any,
                        kind: FaultKind::Status(500),
                        times: 1,
                    });
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let load = load(907);
    let all = schedule(&load);
    let thirds: Vec<&[&Event]> = all.chunks(all.len().div_ceil(3)).collect();
    deliver(&stack, thirds[0]).await;
    victim.signal("KILL");
    victim.wait_exit(Duration::from_secs(5));
    victim = stack.worker().spawn();
    deliver(&stack, thirds[1]).await;
    stack.faktory.restart();
    victim.signal("KILL");
    victim.wait_exit(Duration::from_secs(5));
    let _replacement = stack.worker().spawn();
    deliver(&stack, thirds[2]).await;
    stack.quiesce_within(patience(300)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    injector.await.unwrap();
    let failed = stack
        .discord
        .requests()
        .iter()
        .filter(|r| r.status == 500)
        .count();
    eprintln!(
        "chaos: everything at once: {failed} Discord 500s, 2 workers SIGKILLed, 1 Faktory restart"
    );
    assert_exact(&stack, &load, 907);
}
