//! Scale-out and end-to-end benchmarks (run by `bin/bench`, ignored
//! otherwise), against the fake Discord enforcing Discord's limits.
//!
//! - Scale-out: 1, 2, 4 and 8 worker processes × concurrency 10 drain a
//!   backlog of 40 PR threads × 10 comments, then a burst of 20 new PRs in
//!   one parent channel; each drain reports its time against the ideal
//!   under the limits, 429s by scope, lost and doubled messages, and CPU
//!   per job.
//! - End to end: deliveries at a steady rate into existing threads; the
//!   time from sending a delivery to `web` until its first Discord request.

use threadline_test_support as support;

use std::time::{Duration, Instant};
use support::fake_discord::{BucketLimit, Limits};
use support::history::{Event, History};
use support::stack::Stack;

const THREADS: u64 = 40;
const PER_THREAD: usize = 10;
const BURST: u64 = 20;

/// CPU seconds (user + system) a process has used so far.
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Fields 14 and 15 of /proc/PID/stat (utime, stime), counted after ')'.
    (ticks(11) + ticks(12)) / 100.0
}

fn peak_rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

/// How many messages anywhere contain `marker`, per distinct marker text.
fn tally(stack: &Stack, markers: &[String]) -> (usize, usize) {
    let all: Vec<String> = stack
        .discord
        .threads()
        .iter()
        .flat_map(|t| stack.discord.messages(t.id))
        .chain(stack.discord.messages(stack.channel))
        .map(|m| m.content)
        .collect();
    let (mut lost, mut doubled) = (0, 0);
    for marker in markers {
        match all.iter().filter(|c| c.contains(marker.as_str())).count() {
            0 => lost += 1,
            1 => {}
            n => doubled += n - 1,
        }
    }
    (lost, doubled)
}

struct Drain {
    secs: f64,
    cpu_per_job_ms: f64,
    rss_kb: u64,
    lost: usize,
    doubled: usize,
    limited: (usize, usize, usize),
}

/// Starts `procs` workers on a queued backlog and waits until every
/// marker is posted (or 180 s pass).
async fn drain(stack: &Stack, procs: usize, markers: &[String], jobs: usize) -> Drain {
    let before = stack.discord.rate_limited();
    let started = Instant::now();
    let workers: Vec<_> = (0..procs)
        .map(|_| stack.worker().slots(10).spawn())
        .collect();
    loop {
        let (lost, _) = tally(stack, markers);
        if lost == 0 || started.elapsed() > Duration::from_secs(180) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let secs = started.elapsed().as_secs_f64();
    stack.quiesce().await;
    let cpu: f64 = workers.iter().map(|w| cpu_secs(w.child.id())).sum();
    let rss_kb = workers
        .iter()
        .map(|w| peak_rss_kb(w.child.id()))
        .max()
        .unwrap_or(0);
    let (lost, doubled) = tally(stack, markers);
    let after = stack.discord.rate_limited();
    Drain {
        secs,
        cpu_per_job_ms: 1000.0 * cpu / jobs.max(1) as f64,
        rss_kb,
        lost,
        doubled,
        limited: (
            after.global - before.global,
            after.user - before.user,
            after.shared - before.shared,
        ),
    }
}

fn report(what: &str, procs: usize, d: &Drain, ideal: f64) {
    println!(
        "scale: {what}, {procs} worker(s) x 10: {:.1} s, ideal {ideal:.1} s, ratio {:.2}; \
         429s global {} user {} shared {}; lost {} doubled {}; CPU {:.2} ms/job; peak RSS {} kB",
        d.secs,
        ideal / d.secs,
        d.limited.0,
        d.limited.1,
        d.limited.2,
        d.lost,
        d.doubled,
        d.cpu_per_job_ms,
        d.rss_kb
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a benchmark: bin/bench runs it in release mode"]
async fn scale_out_drains_within_the_limits() {
    let stack = Stack::start().await;
    stack.discord.set_limits(Some(Limits::discord()));
    let mut prs: Vec<History> = (1..=THREADS)
        .map(|n| History::new(7000, n, &format!("Scale {n}")))
        .collect();
    let mut setup = Vec::new();
    for h in &mut prs {
        h.opened();
        setup.append(&mut h.events);
    }
    let warmup = stack.worker().slots(10).spawn();
    stack.deliver_all(&setup).await;
    stack.quiesce_within(Duration::from_secs(300)).await;
    drop(warmup);
    assert_eq!(stack.discord.threads().len() as u64, THREADS);

    let mut burst_no = 1000;
    for procs in [1usize, 2, 4, 8] {
        tokio::time::sleep(Duration::from_secs(11)).await; // every window resets
        let mut markers = Vec::new();
        let mut backlog: Vec<Event> = Vec::new();
        for i in 0..PER_THREAD {
            for h in &mut prs {
                let marker = format!("scale-{procs}-{}-{i}", h.number);
                h.comment("alice", &marker);
                markers.push(marker);
                backlog.append(&mut h.events);
            }
        }
        stack.deliver_all(&backlog).await;
        let d = drain(&stack, procs, &markers, backlog.len()).await;
        let calls = backlog.len() as f64;
        let ideal = (calls / 50.0).max(((PER_THREAD as f64 / 5.0).ceil() - 1.0) * 5.0);
        report("40 threads x 10 comments", procs, &d, ideal);

        tokio::time::sleep(Duration::from_secs(11)).await;
        let mut markers = Vec::new();
        let mut burst = Vec::new();
        for _ in 0..BURST {
            burst_no += 1;
            let title = format!("Burst PR {burst_no}");
            let mut h = History::new(7001, burst_no, &title);
            h.opened();
            markers.push(format!("{title}\n"));
            burst.append(&mut h.events);
        }
        stack.deliver_all(&burst).await;
        let d = drain(&stack, procs, &markers, burst.len()).await;
        // 20 intros in one channel at 5 per 5 s: 15 s at least.
        report("burst of 20 new PRs in one channel", procs, &d, 15.0);
    }
}

/// Sends `per_sec` deliveries per second for `secs` seconds, each a comment
/// on one of `prs` (round robin), and reports the time from sending each
/// delivery to the first Discord request carrying its marker.
async fn end_to_end(stack: &Stack, prs: &mut [History], per_sec: u64, secs: u64) {
    let mut sent = Vec::new();
    let period = Duration::from_secs_f64(1.0 / per_sec as f64);
    let mut tick = tokio::time::interval(period);
    let total = per_sec * secs;
    let mut tasks = Vec::new();
    for i in 0..total {
        tick.tick().await;
        let h = &mut prs[(i as usize) % prs.len()];
        let marker = format!("e2e-{per_sec}-{i}-end");
        h.comment("bob", &marker);
        let event = h.events.pop().expect("the comment just added");
        let app = (stack.app.address.clone(), stack.app.secret.clone());
        let at = Instant::now();
        sent.push((marker, at));
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let body = event.body;
            let res = client
                .post(format!("{}/webhooks/github", app.0))
                .header("X-GitHub-Event", event.name)
                .header("X-GitHub-Delivery", event.delivery)
                .header("X-GitHub-Hook-ID", "4242")
                .header("Content-Type", "application/json")
                .header(
                    "X-Hub-Signature-256",
                    support::fixtures::sign(&app.1, &body),
                )
                .body(body)
                .send()
                .await;
            res.map(|r| r.status().as_u16()).unwrap_or(0)
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 202);
    }
    stack.quiesce_within(Duration::from_secs(120)).await;
    let requests = stack.discord.requests();
    let mut latencies: Vec<f64> = sent
        .iter()
        .filter_map(|(marker, at)| {
            let first = requests
                .iter()
                .find(|r| r.body.to_string().contains(marker.as_str()))?;
            Some(first.at.saturating_duration_since(*at).as_secs_f64() * 1000.0)
        })
        .collect();
    let found = latencies.len();
    latencies.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    println!(
        "e2e: {per_sec} deliveries/s for {secs} s: {found}/{total} reached Discord; \
         delivery to first Discord request p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; 429s {}",
        pct(0.50),
        pct(0.99),
        latencies.last().copied().unwrap_or(0.0),
        stack.discord.rate_limited().total()
    );
}

async fn threads_for_e2e(stack: &Stack, repo: u64, count: u64) -> Vec<History> {
    let mut prs: Vec<History> = (1..=count)
        .map(|n| History::new(repo, n, &format!("E2E {n}")))
        .collect();
    let mut setup = Vec::new();
    for h in &mut prs {
        h.opened();
        setup.append(&mut h.events);
    }
    let _w = stack.worker().slots(10).spawn();
    stack.deliver_all(&setup).await;
    stack.quiesce_within(Duration::from_secs(300)).await;
    prs
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a benchmark: bin/bench runs it in release mode"]
async fn end_to_end_latency_at_40_per_second() {
    let stack = Stack::start().await;
    stack.discord.set_limits(Some(Limits::discord()));
    // 80 threads: each gets a message every 2 s, within its 5 per 5 s, so
    // the figure is the pipeline's latency, not a bucket's wait.
    let mut prs = threads_for_e2e(&stack, 7100, 80).await;
    let _workers: Vec<_> = (0..2).map(|_| stack.worker().slots(10).spawn()).collect();
    tokio::time::sleep(Duration::from_secs(6)).await;
    end_to_end(&stack, &mut prs, 40, 10).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a benchmark: bin/bench runs it in release mode"]
async fn end_to_end_latency_at_200_per_second_with_raised_limits() {
    let stack = Stack::start().await;
    let raised = Limits {
        global_per_sec: 1000,
        create_message: BucketLimit {
            limit: 50,
            window: Duration::from_secs(1),
        },
        ..Limits::discord()
    };
    stack.discord.set_limits(Some(raised));
    let mut prs = threads_for_e2e(&stack, 7200, 40).await;
    let _workers: Vec<_> = (0..2)
        .map(|_| stack.worker().slots(10).global_rate_limit(1000).spawn())
        .collect();
    tokio::time::sleep(Duration::from_secs(3)).await;
    end_to_end(&stack, &mut prs, 200, 10).await;
}
