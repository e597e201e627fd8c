//! Worker throughput and memory (run by `bin/bench`, ignored otherwise):
//! a backlog of comments on existing PR threads, drained by one worker
//! against the fake Discord answering after a fixed latency. A second
//! bench drives the fake alone the way the worker does, so that a slow
//! drain can be told apart from a slow fake.

use threadline_test_support as support;

use std::collections::BTreeMap;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::fake_discord::FakeDiscord;
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
    let mut warmup = stack.worker().slots(concurrency).spawn();
    stack.deliver_all(&setup.events).await;
    // 50 intros in one parent channel take 50 s at Discord's 5 per 5 s.
    stack.quiesce_within(Duration::from_secs(300)).await;
    // Stopped, not killed: Faktory keeps a killed worker's pending FETCHes
    // blocked for up to 2 s and hands them the next jobs pushed, which then
    // wait out their reservation (60 s here) plus retry backoff. That is
    // how this bench used to show 9 jobs/s: 990 jobs in 20 s, and the
    // first 10 of the backlog about 90 s later.
    warmup.signal("TERM");
    warmup.wait_exit(Duration::from_secs(30));

    stack.deliver_all(backlog.iter().copied()).await;
    let target = (prs * per_pr) as usize;
    assert_backlog_queued(&stack, target).await;
    stack.discord.set_latency(latency);
    let before = stack.discord.requests().len();
    let started = Instant::now();
    let worker = stack.worker().slots(concurrency).spawn();
    let pid = worker.child.id();
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
    job_summary(&worker.logs());
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

/// The timed drain must start with every job queued and none reserved,
/// or it measures Faktory's reservation timeout instead of the worker.
async fn assert_backlog_queued(stack: &Stack, target: usize) {
    let mut client = faktory::Client::connect_to(&stack.faktory.url())
        .await
        .expect("Faktory");
    let info = client.current_info().await.expect("INFO").data;
    let queued: u64 = info.queues.values().sum();
    let mut storage = stack.faktory.storage().await;
    let reserved: u64 = redis::cmd("ZCARD")
        .arg("working")
        .query_async(&mut storage)
        .await
        .expect("ZCARD working");
    assert_eq!((queued, reserved), (target as u64, 0), "(queued, reserved)");
}

/// Per job kind, from the worker's log: count and duration percentiles.
fn job_summary(log: &str) {
    let mut by_kind: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for line in log.lines() {
        let field = |name: &str| line.split_whitespace().find_map(|w| w.strip_prefix(name));
        if let (Some(kind), Some(ms)) = (field("kind="), field("duration_ms=")) {
            let ms = ms.parse().unwrap_or(0);
            by_kind.entry(kind.to_owned()).or_default().push(ms);
        }
    }
    for (kind, mut ms) in by_kind {
        ms.sort_unstable();
        let at = |q: f64| ms[((ms.len() - 1) as f64 * q) as usize];
        println!(
            "  {kind}: {} jobs, duration p50 {} ms, p90 {} ms, max {} ms",
            ms.len(),
            at(0.5),
            at(0.9),
            at(1.0)
        );
    }
}

/// The fake alone, driven as the worker drives it: 1,000 posts by 10
/// concurrent callers round-robin over 50 channels, 100 ms latency, with
/// the same 20 ms poll as above. Through twilight (whose limiter allows
/// 50 requests/s per process), then over raw HTTP (no limiter), which
/// shows the fake's own ceiling: concurrency / latency = 100/s.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "a benchmark: bin/bench runs it in release mode"]
async fn fake_discord_alone() {
    let fake = Arc::new(FakeDiscord::start());
    fake.set_latency(Duration::from_millis(100));
    let channels: Arc<Vec<u64>> = Arc::new((0..50).map(|_| fake.add_text_channel()).collect());
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = twilight_http::Client::builder()
        .token("Bot bench".into())
        .proxy(fake.proxy_addr(), true)
        .build();
    let twilight: Poster = Arc::new(move |channel: u64| {
        let request = http.create_message(twilight_model::id::Id::new(channel));
        let sent = request.content("bench").into_future();
        Box::pin(async move { sent.await.map(|_| ()).map_err(|e| e.to_string()) })
    });
    let (raw, base) = (reqwest::Client::new(), fake.base_url());
    let plain: Poster = Arc::new(move |channel: u64| {
        let url = format!("{base}/api/v10/channels/{channel}/messages");
        let body = serde_json::json!({ "content": "bench" });
        let sent = raw
            .post(url)
            .header("Authorization", "Bot bench")
            .json(&body);
        Box::pin(async move {
            let status = sent.send().await.map_err(|e| e.to_string())?.status();
            status.is_success().then_some(()).ok_or(status.to_string())
        })
    });
    for (name, poster) in [("twilight", twilight), ("raw HTTP", plain)] {
        let rate = drive(&fake, &channels, poster, 1000).await;
        println!(
            "fake alone via {name}: 1000 posts, 10 callers, latency 100 ms: {rate:.1} posts/s"
        );
    }
}

type Poster = Arc<dyn Fn(u64) -> BoxFuture + Send + Sync>;
type BoxFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

/// Posts `total` messages through `post` with 10 concurrent callers while
/// polling the fake like the worker bench; returns posts per second.
async fn drive(fake: &FakeDiscord, channels: &Arc<Vec<u64>>, post: Poster, total: usize) -> f64 {
    let count = || {
        channels
            .iter()
            .map(|c| fake.messages(*c).len())
            .sum::<usize>()
    };
    let (start_count, next) = (count(), Arc::new(AtomicUsize::new(0)));
    let started = Instant::now();
    let callers: Vec<_> = (0..10)
        .map(|_| {
            let (post, next, channels) = (post.clone(), next.clone(), channels.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= total {
                        return;
                    }
                    post(channels[i % channels.len()]).await.expect("posted");
                }
            })
        })
        .collect();
    while count() < start_count + total {
        assert!(started.elapsed() < Duration::from_secs(300), "posts stuck");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let rate = total as f64 / started.elapsed().as_secs_f64();
    for caller in callers {
        caller.await.expect("caller finished");
    }
    rate
}
