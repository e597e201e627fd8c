//! Worker throughput and memory (run by `bin/bench`, ignored otherwise):
//! a backlog of comments on existing PR threads, drained by one worker
//! against the fake Discord answering after a fixed latency.

mod support;

use std::time::{Duration, Instant};
use support::history::History;
use support::stack::Stack;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a benchmark: bin/bench runs it in release mode"]
async fn worker_drains_a_backlog() {
    let (prs, per_pr, concurrency, latency) = (50u64, 20u64, 10usize, Duration::from_millis(100));
    let stack = Stack::start().await;
    let mut setup = History::new(990, 0, "");
    let mut per_pr_comments = Vec::new();
    for n in 1..=prs {
        let mut h = History::new(990, n, &format!("Bench {n}"));
        h.opened();
        setup.events.append(&mut h.events);
        for i in 0..per_pr {
            h.comment("alice", &format!("bench {n} {i}"));
        }
        per_pr_comments.push(std::mem::take(&mut h.events));
    }
    // Round-robin over PRs: concurrent jobs post into different threads, as
    // on a busy repository (one thread takes one message at a time).
    let backlog: Vec<_> = (0..per_pr as usize)
        .flat_map(|i| per_pr_comments.iter().map(move |events| &events[i]))
        .collect();
    let warmup = stack.worker_sized("test-token", 5, 600, concurrency);
    stack.deliver_all(&setup.events).await;
    stack.quiesce().await;
    drop(warmup);

    stack.deliver_all(backlog.iter().copied()).await;
    stack.discord.set_latency(latency);
    let before = stack.discord.requests().len();
    let started = Instant::now();
    let worker = stack.worker_sized("test-token", 5, 600, concurrency);
    let pid = worker.child.id();
    let target = (prs * per_pr) as usize;
    let posted = || {
        stack
            .discord
            .threads()
            .iter()
            .map(|t| stack.discord.messages(t.id).len())
            .sum::<usize>()
    };
    while posted() < target {
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "backlog not drained"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let calls = stack.discord.requests().len() - before;
    let rss = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .map(|l| l.split_whitespace().nth(1).unwrap_or("?").to_string())
        .unwrap_or_default();
    let ideal = (concurrency as f64 / latency.as_secs_f64()).min(50.0);
    println!(
        "worker: {target} comment jobs, concurrency {concurrency}, Discord latency {:?}: {:.1} s, {:.1} jobs/s \
         ({calls} Discord calls); ideal min({concurrency}/{:?}, 50 req/s) = {ideal:.0} jobs/s: {:.0}%; peak RSS {rss} kB",
        latency,
        elapsed,
        target as f64 / elapsed,
        latency,
        100.0 * target as f64 / elapsed / ideal
    );
}
