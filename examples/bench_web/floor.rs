//! The floor of a delivery: what no receiver of it can skip, timed
//! in-process on the same body and machine as `web`'s run, in CPU time (as
//! `web`'s own CPU per delivery is measured), not wall time:
//!
//! - HMAC-SHA-256 of the body, with ring, as `web` verifies it;
//! - parsing the fields Threadline needs into its typed job, with `web`'s
//!   own router (`route`), which also encodes the job's arguments.
//!
//! It also times what `web` does beyond the floor on the same bytes: the
//! SHA-256 of the body for its dedupe key (`delivery-body:{sha256}`), so the
//! ratio to the floor can be read with that part named.

use std::time::Instant;
use threadline::web::router::{route, JobPlan, Routed};
use threadline_jobs::Delivery;

/// This thread's CPU time in nanoseconds (the first field of
/// `/proc/thread-self/schedstat`: time spent on a CPU).
fn thread_cpu_ns() -> u64 {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    stat.split_whitespace()
        .next()
        .and_then(|ns| ns.parse().ok())
        .expect("/proc/thread-self/schedstat (Linux with schedstats)")
}

/// Mean CPU µs of `work` over at least `millis` ms of CPU, after a warm-up;
/// the fastest of three such rounds, since other processes' load only ever
/// adds (caches, frequency).
fn cpu_us(millis: u64, mut work: impl FnMut()) -> f64 {
    for _ in 0..50 {
        work();
    }
    (0..3)
        .map(|_| {
            let (start, wall) = (thread_cpu_ns(), Instant::now());
            let mut n = 0u64;
            while wall.elapsed().as_millis() < millis as u128 || n < 100 {
                work();
                n += 1;
            }
            (thread_cpu_ns() - start) as f64 / 1000.0 / n as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn hmac(key: &ring::hmac::Key, body: &[u8]) -> ring::hmac::Tag {
    ring::hmac::sign(key, body)
}

fn parse(body: &[u8], plan: &JobPlan) {
    let delivery = Delivery {
        id: "00000001-0000-4000-8000-000000000001".into(),
        hook_id: None,
        seq: 0,
        replay: None,
    };
    match route("pull_request", delivery, body, plan) {
        Ok(Routed::Enqueue { job, .. }) => drop(std::hint::black_box(job)),
        other => panic!("the fixture did not route to a job: {other:?}"),
    }
}

/// Prints one line: `floor: hmac H us + parse P us = F us per delivery;
/// beyond it in web: body sha256 S us`.
pub fn floor(secret: &str, body: &[u8], plan: &JobPlan, millis: u64) {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let h = cpu_us(millis, || {
        std::hint::black_box(hmac(&key, body));
    });
    let p = cpu_us(millis, || parse(body, plan));
    let both = cpu_us(millis, || {
        std::hint::black_box(hmac(&key, body));
        parse(body, plan)
    });
    let sha = cpu_us(millis, || {
        std::hint::black_box(ring::digest::digest(&ring::digest::SHA256, body));
    });
    println!(
        "floor: hmac {h:.1} us + parse {p:.1} us = {both:.1} us per delivery ({} bytes); beyond it in web: body sha256 {sha:.1} us",
        body.len()
    );
}
