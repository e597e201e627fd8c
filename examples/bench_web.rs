//! Load generator for `web` (used by `bin/bench`).
//!
//! - `bench_web rate URL SECRET RATE SECS`: open loop at RATE deliveries/s,
//!   prints latency percentiles;
//! - `bench_web max URL SECRET CONC SECS`: closed loop with CONC clients,
//!   prints deliveries/s;
//! - `bench_web push FAKTORY_URL QUEUE CONC SECS`: the baseline, a bare
//!   Faktory PUSH loop on CONC connections, prints pushes/s.

use hmac::{Hmac, Mac};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| {
        args.get(i)
            .cloned()
            .unwrap_or_else(|| panic!("missing argument {i}"))
    };
    let secs: u64 = arg(4).parse().expect("SECS");
    match arg(0).as_str() {
        "rate" => rate(arg(1), arg(2), arg(3).parse().expect("RATE"), secs).await,
        "max" => max(arg(1), arg(2), arg(3).parse().expect("CONC"), secs).await,
        "push" => push(arg(1), arg(2), arg(3).parse().expect("CONC"), secs).await,
        other => panic!("unknown mode {other}"),
    }
}

fn body() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/github/pull_request/opened.json"
    ))
    .unwrap()
}

fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn deliver(http: &reqwest::Client, url: &str, sig: &str, body: &[u8], n: u64) -> bool {
    let res = http
        .post(url)
        .header("X-GitHub-Event", "pull_request")
        .header(
            "X-GitHub-Delivery",
            format!("bench-{}-{n}", std::process::id()),
        )
        .header("X-Hub-Signature-256", sig)
        .body(body.to_vec())
        .send()
        .await;
    matches!(res, Ok(r) if r.status().as_u16() == 202)
}

async fn rate(url: String, secret: String, rate: u64, secs: u64) {
    let (body, http) = (Arc::new(body()), reqwest::Client::new());
    let sig = Arc::new(signature(&secret, &body));
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..rate * secs {
        tick.tick().await;
        let (http, url, sig, body) = (http.clone(), url.clone(), sig.clone(), body.clone());
        tasks.spawn(async move {
            let start = Instant::now();
            let ok = deliver(&http, &url, &sig, &body, n).await;
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
    println!(
        "rate {rate}/s for {secs}s: {} deliveries, {failed} failed, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        lat.len(),
        pct(0.50),
        pct(0.99),
        pct(1.0)
    );
}

async fn max(url: String, secret: String, conc: u64, secs: u64) {
    let (body, http) = (Arc::new(body()), reqwest::Client::new());
    let sig = Arc::new(signature(&secret, &body));
    let done = Arc::new(AtomicU64::new(0));
    let end = Instant::now() + Duration::from_secs(secs);
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..conc {
        let (http, url, sig, body, done) = (
            http.clone(),
            url.clone(),
            sig.clone(),
            body.clone(),
            done.clone(),
        );
        tasks.spawn(async move {
            let mut n = c << 32;
            while Instant::now() < end {
                if deliver(&http, &url, &sig, &body, n).await {
                    done.fetch_add(1, Ordering::Relaxed);
                }
                n += 1;
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    let total = done.load(Ordering::Relaxed);
    println!(
        "web max: {conc} clients for {secs}s: {:.0} deliveries/s",
        total as f64 / secs as f64
    );
}

async fn push(faktory_url: String, queue: String, conc: u64, secs: u64) {
    let done = Arc::new(AtomicU64::new(0));
    let end = Instant::now() + Duration::from_secs(secs);
    let mut tasks = tokio::task::JoinSet::new();
    let args = serde_json::from_slice::<serde_json::Value>(&body()).unwrap()["pull_request"]
        ["title"]
        .clone();
    for _ in 0..conc {
        let (url, queue, done, args) = (
            faktory_url.clone(),
            queue.clone(),
            done.clone(),
            args.clone(),
        );
        tasks.spawn(async move {
            let mut client = faktory::Client::connect_to(&url).await.unwrap();
            while Instant::now() < end {
                let job = faktory::JobBuilder::new("bench")
                    .queue(queue.clone())
                    .args(vec![args.clone()])
                    .build();
                client.enqueue(job).await.unwrap();
                done.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    let total = done.load(Ordering::Relaxed);
    println!(
        "bare PUSH: {conc} connections for {secs}s: {:.0} pushes/s",
        total as f64 / secs as f64
    );
}
