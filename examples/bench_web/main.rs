//! Load generator for `web` and the Node baseline (used by `bin/bench`).
//!
//! - `bench_web rate URL SECRET RATE SECS`: open loop at RATE deliveries/s,
//!   prints latency percentiles;
//! - `bench_web max URL SECRET CONC SECS`: closed loop with CONC clients,
//!   prints deliveries/s;
//! - `bench_web push FAKTORY_URL QUEUE CONC SECS`: the old baseline, a bare
//!   Faktory PUSH loop of a tiny job on CONC connections, prints pushes/s;
//! - `bench_web push-same FAKTORY_URL NAMESPACE CONC SECS`: the like-for-like
//!   ceiling, a PUSH loop of the exact job `web` pushes for the fixture (built
//!   by `web`'s own router), through the same client, on CONC connections;
//! - `bench_web job NAMESPACE`: prints that job's JSON and size;
//! - `bench_web floor SECRET MILLIS`: the floor of a delivery, timed
//!   in-process (`floor`): ring's HMAC of the body plus `web`'s router
//!   parsing it into its typed job, in CPU µs;
//! - `bench_web sweep URL SECRET MAX SECS`: open loops at 0.5 to 1.2 of MAX
//!   deliveries/s, SECS each, and the fraction of MAX where p99 first
//!   passes 50 ms.
//!
//! The generator signs with ring and before timing a request, so that its
//! own hashing (as costly as `web`'s) neither counts in a latency nor
//! takes more of the shared cores than it must.
//!
//! Every delivery is the real `pull_request.opened` fixture (25 KB) with a
//! fixed-width field naming it (`web` knows a signed body by its SHA-256,
//! so the same bytes twice would be a duplicate, never pushed), correctly
//! signed, with a new delivery GUID. With `BENCH_BODY=adversarial` the PR's
//! body is instead 64 KiB of unclosed markup (`![`, `<b`, `![a](` and
//! `<img ` repeated, within GitHub's 65,536 characters), the input that
//! made the old quadratic cleaner spend ~10⁹ byte comparisons.

mod floor;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use threadline::settings::{Common, FaktoryAddr};
use threadline::web::router::{route, JobPlan, Routed};
use threadline_jobs::Delivery;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| {
        args.get(i)
            .cloned()
            .unwrap_or_else(|| panic!("missing argument {i}"))
    };
    let secs = || -> u64 { arg(4).parse().expect("SECS") };
    let n = |i: usize| -> u64 { arg(i).parse().expect("a number") };
    match arg(0).as_str() {
        "rate" => rate(arg(1), arg(2), n(3), secs()).await,
        "max" => max(arg(1), arg(2), n(3), secs()).await,
        "push" => push(arg(1), Template::Bare(arg(2)), n(3), secs()).await,
        "push-same" => {
            let template = Template::Web(Box::new(web_job(&arg(1), &arg(2))));
            push(arg(1), template, n(3), secs()).await
        }
        "floor" => floor::floor(
            &arg(1),
            &body_of(0),
            &plan("tcp://127.0.0.1:7419", "bench"),
            n(2),
        ),
        "sweep" => sweep(arg(1), arg(2), n(3), secs()).await,
        "job" => {
            let json = serde_json::to_string(&web_job("tcp://127.0.0.1:7419", &arg(1))).unwrap();
            println!("{json}");
            eprintln!("job: {} bytes", json.len());
        }
        other => panic!("unknown mode {other}"),
    }
}

/// The fixture, read once and kept for the whole run (requests borrow it).
fn body() -> &'static [u8] {
    static BODY: std::sync::OnceLock<&'static [u8]> = std::sync::OnceLock::new();
    BODY.get_or_init(|| {
        let mut bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/github/pull_request/opened.json"
        ))
        .unwrap();
        if std::env::var("BENCH_BODY").as_deref() == Ok("adversarial") {
            bytes = adversarial(&bytes);
        }
        Box::leak(bytes.into_boxed_slice())
    })
}

/// The fixture with a PR body of unclosed markup, 16 KiB of each kind.
fn adversarial(fixture: &[u8]) -> Vec<u8> {
    let mut payload: serde_json::Value = serde_json::from_slice(fixture).unwrap();
    let body: String = ["![", "<b", "![a](", "<img "]
        .iter()
        .map(|unit| unit.repeat((16 << 10) / unit.len()))
        .collect();
    payload["pull_request"]["body"] = body.into();
    serde_json::to_vec(&payload).unwrap()
}

fn signature(secret: &str, body: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    format!("sha256={}", hex::encode(ring::hmac::sign(&key, body)))
}

/// A delivery GUID, as GitHub sends (and `web` accepts only).
fn delivery_id(n: u64) -> String {
    let pid = std::process::id();
    format!("{pid:08x}-0000-4000-8000-{:012x}", n & 0xffff_ffff_ffff)
}

/// Delivery `n`'s body: the fixture with `"bench":"<pid and n, 20 hex
/// digits>"` added, so every body is other bytes of the same length.
fn body_of(n: u64) -> Vec<u8> {
    let base = body();
    let end = base
        .iter()
        .rposition(|b| *b == b'}')
        .expect("a JSON object");
    let mut v = base[..end].to_vec();
    // The pid too: each run of the generator sends bytes of its own.
    let pid = std::process::id();
    let field = format!(",\"bench\":\"{pid:08x}{:012x}\"", n & 0xffff_ffff_ffff);
    v.extend_from_slice(field.as_bytes());
    v.extend_from_slice(&base[end..]);
    v
}

/// `web`'s plan for the fixture: everything routed to channel 1.
fn plan(faktory_url: &str, namespace: &str) -> JobPlan {
    JobPlan {
        common: Common {
            faktory: FaktoryAddr::parse(faktory_url).unwrap(),
            redis_url: String::new(),
            namespace: namespace.to_string(),
            reserve_for: Duration::from_secs(600),
        },
        reserve_for: Duration::from_secs(600),
        config: std::sync::Arc::new(threadline::config::Config::without_file(
            &threadline::config::EnvOverrides {
                fallback: Some(1),
                ..Default::default()
            },
        )),
    }
}

/// The job `web` pushes for the fixture, built by `web`'s own router.
fn web_job(faktory_url: &str, namespace: &str) -> faktory::Job {
    let plan = plan(faktory_url, namespace);
    let delivery = Delivery {
        id: delivery_id(1 << 32),
        hook_id: None,
        seq: 0,
        replay: None,
    };
    match route("pull_request", delivery, body(), &plan) {
        Ok(Routed::Enqueue { job, .. }) => job.stamp(1).build(),
        other => panic!("the fixture did not route to a job: {other:?}"),
    }
}

/// Delivery `n`, signed: its body and its signature header.
fn signed(secret: &str, n: u64) -> (Vec<u8>, String) {
    let body = body_of(n);
    let sig = signature(secret, &body);
    (body, sig)
}

async fn deliver(http: &reqwest::Client, url: &str, secret: &str, n: u64) -> bool {
    send(http, url, signed(secret, n), n).await
}

async fn send(http: &reqwest::Client, url: &str, (body, sig): (Vec<u8>, String), n: u64) -> bool {
    let res = http
        .post(url)
        .header("X-GitHub-Event", "pull_request")
        .header("X-GitHub-Delivery", delivery_id(n))
        .header("X-Hub-Signature-256", sig.as_str())
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await;
    matches!(res, Ok(r) if r.status().as_u16() == 202)
}

async fn rate(url: String, secret: String, rate: u64, secs: u64) {
    let s = open_loop(&url, &secret, rate, secs).await;
    println!(
        "rate {rate}/s for {secs}s: {} deliveries, {} failed, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        s.n, s.failed, s.p50, s.p99, s.max
    );
}

/// What an open loop measured (latencies in ms).
struct Latency {
    n: usize,
    failed: u64,
    p50: f64,
    p99: f64,
    max: f64,
}

/// Open loops at fractions of `max` deliveries/s, up and past it.
async fn sweep(url: String, secret: String, max: u64, secs: u64) {
    let mut crossed = None;
    for tenths in [5u64, 6, 7, 8, 9, 10, 12] {
        let rate = (max * tenths / 10).max(1);
        let s = open_loop(&url, &secret, rate, secs).await;
        println!(
            "sweep {:.1} of max ({rate}/s): p50 {:.2} ms, p99 {:.2} ms, {} failed",
            tenths as f64 / 10.0,
            s.p50,
            s.p99,
            s.failed
        );
        if s.p99 > 50.0 {
            crossed = Some(tenths as f64 / 10.0);
            break;
        }
    }
    match crossed {
        Some(f) => println!("sweep: p99 passes 50 ms at {f:.1} of max ({max}/s)"),
        None => println!("sweep: p99 stays under 50 ms up to 1.2 of max ({max}/s)"),
    }
}

async fn open_loop(url: &str, secret: &str, rate: u64, secs: u64) -> Latency {
    let (url, secret) = (url.to_string(), secret.to_string());
    let http = reqwest::Client::new();
    let sig = Arc::new(secret);
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
    let mut tasks = tokio::task::JoinSet::new();
    // Past the closed loop's numbers (client << 32), and new in each loop.
    static NEXT: AtomicU64 = AtomicU64::new(1 << 40);
    let first = NEXT.fetch_add(rate * secs, Ordering::Relaxed);
    for n in first..first + rate * secs {
        tick.tick().await;
        let (http, url, sig) = (http.clone(), url.clone(), sig.clone());
        tasks.spawn(async move {
            let delivery = signed(&sig, n);
            let start = Instant::now();
            let ok = send(&http, &url, delivery, n).await;
            (start.elapsed(), ok)
        });
    }
    let mut lat = Vec::new();
    let mut failed = 0;
    while let Some(r) = tasks.join_next().await {
        let (d, ok) = r.unwrap();
        lat.push(d);
        failed += (!ok) as u64;
    }
    lat.sort();
    let pct =
        |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)].as_secs_f64() * 1000.0;
    Latency {
        n: lat.len(),
        failed,
        p50: pct(0.50),
        p99: pct(0.99),
        max: pct(1.0),
    }
}

async fn max(url: String, secret: String, conc: u64, secs: u64) {
    let http = reqwest::Client::new();
    let sig = Arc::new(secret);
    let (done, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let end = Instant::now() + Duration::from_secs(secs);
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..conc {
        let (http, url, sig) = (http.clone(), url.clone(), sig.clone());
        let (done, failed) = (done.clone(), failed.clone());
        tasks.spawn(async move {
            let mut n = c << 32;
            while Instant::now() < end {
                let counter = if deliver(&http, &url, &sig, n).await {
                    &done
                } else {
                    &failed
                };
                counter.fetch_add(1, Ordering::Relaxed);
                n += 1;
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    let total = done.load(Ordering::Relaxed);
    println!(
        "max: {conc} clients for {secs}s: {:.0} deliveries/s, {} failed",
        total as f64 / secs as f64,
        failed.load(Ordering::Relaxed)
    );
}

/// What a push loop sends.
#[derive(Clone)]
enum Template {
    /// A tiny job (the PR title as its one argument) on this queue.
    Bare(String),
    /// A copy of `web`'s job with a fresh jid and creation time.
    Web(Box<faktory::Job>),
}

impl Template {
    fn job(&self, title: &serde_json::Value) -> faktory::Job {
        match self {
            Template::Bare(queue) => faktory::JobBuilder::new("bench")
                .queue(queue.clone())
                .args(vec![title.clone()])
                .build(),
            Template::Web(t) => {
                let mut job = faktory::Job::new(t.kind(), t.args().to_vec());
                job.queue.clone_from(&t.queue);
                job.reserve_for = t.reserve_for;
                job.custom.clone_from(&t.custom);
                job
            }
        }
    }
}

async fn push(faktory_url: String, template: Template, conc: u64, secs: u64) {
    let done = Arc::new(AtomicU64::new(0));
    let end = Instant::now() + Duration::from_secs(secs);
    let mut tasks = tokio::task::JoinSet::new();
    let title = serde_json::from_slice::<serde_json::Value>(body()).unwrap()["pull_request"]
        ["title"]
        .clone();
    let size = serde_json::to_string(&template.job(&title)).unwrap().len();
    for _ in 0..conc {
        let (url, template, done, title) = (
            faktory_url.clone(),
            template.clone(),
            done.clone(),
            title.clone(),
        );
        tasks.spawn(async move {
            let mut client = faktory::Client::connect_to(&url).await.unwrap();
            while Instant::now() < end {
                client.enqueue(template.job(&title)).await.unwrap();
                done.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    let total = done.load(Ordering::Relaxed);
    let what = match template {
        Template::Bare(_) => "bare PUSH",
        Template::Web(_) => "same-bytes PUSH",
    };
    println!(
        "{what} ({size}-byte job): {conc} connections for {secs}s: {:.0} pushes/s",
        total as f64 / secs as f64
    );
}
