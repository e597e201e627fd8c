//! `GET /metrics` on `web` and on the worker's `METRICS_PORT`: Prometheus
//! text that a Prometheus parser reads, counters that move as deliveries
//! and jobs happen, bounded labels, and the bearer token; and log lines
//! that name their delivery.

use threadline_test_support as support;

use prometheus_parse::{Sample, Scrape, Value};
use support::app::spawn_app;
use support::app::TestApp;
use support::fixtures::fixture;
use support::fixtures::sign;
use support::history::History;
use support::ports::free_port;
use support::stack::{Stack, WAIT};
use threadline::settings::Secret;

fn parse(text: &str) -> Scrape {
    let lines = text.lines().map(|l| Ok(l.to_string()));
    Scrape::parse(lines).expect("Prometheus text format")
}

/// The value of the sample `name` whose labels include all of `labels`.
fn value(scrape: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    let matching =
        |s: &&Sample| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v));
    match scrape.samples.iter().find(matching).map(|s| &s.value) {
        Some(Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v)) => *v,
        Some(Value::Histogram(buckets)) => buckets.last().map_or(0.0, |b| b.count),
        Some(other) => panic!("{name}: unexpected {other:?}"),
        None => 0.0,
    }
}

/// The sum of every series of `name` (a histogram's counts).
fn total(scrape: &Scrape, name: &str) -> f64 {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == name)
        .map(|s| match &s.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
            Value::Histogram(buckets) => buckets.last().map_or(0.0, |b| b.count),
            other => panic!("{name}: unexpected {other:?}"),
        })
        .sum()
}

async fn scrape(url: &str, token: Option<&str>) -> (u16, String) {
    let mut req = reqwest::Client::new().get(url);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.expect("metrics endpoint reachable");
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread")]
async fn web_counts_deliveries_by_event_and_outcome() {
    let app = spawn_app().await;
    let body = fixture("pull_request/opened.json");
    assert_eq!(
        app.deliver("pull_request", "m-1", &body).await.status(),
        202
    );
    assert_eq!(
        app.deliver("pull_request", "m-1", &body).await.status(),
        202
    );
    let forged = app
        .request("made-up-event", "m-2")
        .header("X-Hub-Signature-256", sign("wrong secret", &body))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);

    let (status, text) = scrape(&format!("{}/metrics", app.address), None).await;
    assert_eq!(status, 200);
    let m = parse(&text);
    let deliveries = "threadline_deliveries_total";
    let queued = [("event", "pull_request"), ("outcome", "queued")];
    assert_eq!(value(&m, deliveries, &queued), 1.0, "{text}");
    let duplicate = [("event", "pull_request"), ("outcome", "duplicate")];
    assert_eq!(value(&m, deliveries, &duplicate), 1.0);
    let forged = [("event", "other"), ("outcome", "unauthorized")];
    assert_eq!(
        value(&m, deliveries, &forged),
        1.0,
        "unknown events are `other`"
    );
    assert!(!text.contains("made-up-event"), "labels stay bounded");
    assert!(text.contains("# TYPE threadline_delivery_seconds histogram"));
    assert_eq!(value(&m, "threadline_delivery_seconds_count", &[]), 3.0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_metrics_token_is_required_once_set() {
    let app = TestApp::builder()
        .settings(|s| s.metrics.token = Some(Secret("sc-r4pe".into())))
        .spawn()
        .await;
    let url = format!("{}/metrics", app.address);
    assert_eq!(scrape(&url, None).await.0, 401);
    assert_eq!(scrape(&url, Some("wrong")).await.0, 401);
    let (status, text) = scrape(&url, Some("sc-r4pe")).await;
    assert_eq!(status, 200);
    parse(&text);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_worker_counts_jobs_discord_requests_and_waits() {
    let stack = Stack::start().await;
    let port = free_port();
    let env = [
        ("METRICS_PORT", port.to_string()),
        ("METRICS_TOKEN", "w0rker".to_string()),
    ];
    let _worker = stack.worker().slots(2).envs(&env).spawn();
    let mut story = History::new(801, 3, "Metered");
    story.opened().comment("alice", "counted");
    stack.deliver_all(&story.events).await;
    stack.quiesce().await;

    let url = format!("http://127.0.0.1:{port}/metrics");
    assert_eq!(scrape(&url, None).await.0, 401);
    let (status, text) = scrape(&url, Some("w0rker")).await;
    assert_eq!(status, 200, "{text}");
    let m = parse(&text);
    let jobs = "threadline_jobs_total";
    assert_eq!(
        value(&m, jobs, &[("kind", "pr.opened"), ("outcome", "done")]),
        1.0,
        "{text}"
    );
    assert_eq!(
        value(&m, jobs, &[("kind", "pr.commented"), ("outcome", "done")]),
        1.0
    );
    let posts = [("route", "POST /channels/:id/messages"), ("status", "200")];
    assert!(
        value(&m, "threadline_discord_requests_total", &posts) >= 2.0,
        "{text}"
    );
    assert!(value(&m, "threadline_discord_ratelimit_wait_seconds_count", &[]) >= 3.0);
    // Summed over the queues: which job of the two creates the thread (and
    // so on which queue a job waits and runs again) is a race, by design.
    assert!(
        total(&m, "threadline_queue_latency_seconds_count") >= 2.0,
        "{text}"
    );
    assert!(value(&m, "threadline_job_seconds_count", &[("kind", "pr.opened")]) >= 1.0);
    assert!(
        !text.contains("/channels/1"),
        "routes are templates, never ids"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_worker_line_about_a_job_names_its_delivery() {
    let stack = Stack::start().await;
    // Dry run: the worker logs each Discord action, from inside the job.
    let env = [("DISCORD_DRY_RUN", "1".to_string())];
    let worker = stack.worker().slots(2).envs(&env).spawn();
    let mut story = History::new(802, 5, "Followed");
    story.opened();
    stack.deliver_all(&story.events).await;
    stack.quiesce().await;

    let delivery = format!("delivery={}", story.events[0].delivery);
    let logs = worker.logs();
    let actions: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("DRY RUN: ") && !l.contains("DISCORD DRY RUN"))
        .collect();
    assert!(!actions.is_empty(), "{logs}");
    for line in actions {
        assert!(
            line.contains(&delivery) && line.contains("kind=pr.opened"),
            "{line}"
        );
    }
    let done = |kind: &str| {
        let kind = format!("kind={kind} outcome=\"done\"");
        let lines = logs.lines();
        lines
            .filter(|l| l.contains(&delivery) && l.contains(&kind))
            .count()
    };
    assert_eq!(done("pr.opened"), 1, "{logs}");
    assert_eq!(
        done("pr.thread_sync"),
        1,
        "the sync it scheduled too: {logs}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_worker_serves_metrics_only_on_its_metrics_addr() {
    let stack = Stack::start().await;
    let port = free_port();
    let env = [
        ("METRICS_PORT", port.to_string()),
        ("METRICS_ADDR", "127.0.0.2".to_string()),
    ];
    let worker = stack.worker().slots(1).envs(&env).spawn();
    let there = format!("http://127.0.0.2:{port}/metrics");
    support::wait::eventually(WAIT, "metrics on 127.0.0.2", || async {
        reqwest::get(&there)
            .await
            .is_ok_and(|r| r.status().as_u16() == 200)
    })
    .await;
    // Bound to that address alone, not to every interface.
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "metrics also reachable on 127.0.0.1:{port}:\n{}",
        worker.logs()
    );
}
