//! Hostile traffic at `web`'s door, with real deliveries flowing through it
//! (used by `bin/door-bench`; issue 12's targets).
//!
//! `door_bench URL SECRET SECS FLOOD TRICKLE TRICKLE_LEN RATE BODY_TIMEOUT_SECS`:
//! - FLOOD clients send 25 MiB bodies with a made-up (well-formed)
//!   signature as fast as they can, each looking for its answer between
//!   64 KiB pieces and starting again as soon as it has one (resetting the
//!   connection it leaves);
//! - TRICKLE clients declare TRICKLE_LEN bytes and send one byte a second
//!   (after a 503 they wait the second its Retry-After asks for);
//! - one client sends real, correctly signed deliveries at RATE/s.
//!
//! After SECS no new request starts; the ones in flight finish (a trickled
//! one within the body deadline), and a hard stop follows 30 s later.
//! Only loopback addresses are accepted.

use hmac::{Hmac, Mac};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const FLOOD_LEN: usize = 25 * 1024 * 1024;

/// The hostile clients' nice value; see `main`.
const HOSTILE_NICE: i32 = 10;

/// Answers by status (0: none, the connection failed), and the slowest.
#[derive(Default)]
struct Tally {
    by_status: BTreeMap<u16, u64>,
    slowest: Duration,
}

type Shared = Arc<Mutex<Tally>>;

fn record(tally: &Shared, status: u16, took: Duration) {
    let mut t = tally.lock().unwrap_or_else(|e| e.into_inner());
    *t.by_status.entry(status).or_default() += 1;
    t.slowest = t.slowest.max(took);
}

struct Plan {
    host: String,
    secret: String,
    end: Instant,
    body_timeout: Duration,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize| -> u64 {
        let v = args
            .get(i)
            .unwrap_or_else(|| panic!("missing argument {i}"));
        v.parse()
            .unwrap_or_else(|_| panic!("argument {i} is not a number"))
    };
    let url = args.first().expect("URL").clone();
    let host = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(
        host.starts_with("127.0.0.1:") || host.starts_with("localhost:"),
        "door_bench only talks to loopback addresses, not {host}"
    );
    let (secs, flood, trickle, trickle_len, rate) = (num(2), num(3), num(4), num(5), num(6));
    let plan = Arc::new(Plan {
        host,
        secret: args.get(1).expect("SECRET").clone(),
        end: Instant::now() + Duration::from_secs(secs),
        body_timeout: Duration::from_secs(num(7)),
    });
    println!(
        "door bench: {flood} flood clients (25 MiB, made-up signature), {trickle} trickle clients \
         ({trickle_len} bytes declared, 1 byte/s), real deliveries at {rate}/s, for {secs} s"
    );
    let (flood_tally, trickle_tally) = (Shared::default(), Shared::default());
    // Each kind of client gets a thread and a runtime of its own, so the
    // flood's writes cannot starve the trickle's timers or the real
    // deliveries: what is measured is web, as far as shared cores allow.
    // The hostile threads run at a lower priority: on the core they share
    // with the real client they still get all it leaves (it needs little),
    // but a real request is not kept waiting behind the flood's writes, as
    // it would not be from another machine.
    let floods = on_own_thread(
        HOSTILE_NICE,
        crowd(
            flood,
            plan.clone(),
            flood_tally.clone(),
            |p, t| async move { flood_client(&p, &t).await },
        ),
    );
    let trickles = on_own_thread(
        HOSTILE_NICE,
        crowd(
            trickle,
            plan.clone(),
            trickle_tally.clone(),
            move |p, t| async move { trickle_client(&p, trickle_len as usize, &t).await },
        ),
    );
    let real = on_own_thread(0, real_deliveries(url, plan.clone(), rate));
    let drained = [floods, trickles]
        .into_iter()
        .all(|t| t.join().unwrap_or(false));
    let real = real.join().unwrap_or_default();
    report("flood", &flood_tally, plan.body_timeout);
    report("trickle", &trickle_tally, plan.body_timeout);
    println!("{real}");
    if !drained {
        println!("hard stop: some hostile clients were still waiting for an answer");
    }
}

/// Runs `fut` on a thread and runtime of its own, at the given nice value.
fn on_own_thread<F>(nice: i32, fut: F) -> std::thread::JoinHandle<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    std::thread::spawn(move || {
        // On Linux, PRIO_PROCESS with 0 sets the calling thread's nice value
        // only. Failing leaves the priority as it was.
        // SAFETY: setpriority has no memory effects.
        unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, nice) };
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(fut)
    })
}

/// Runs `n` copies of `client`; false if some were still waiting at the
/// hard stop.
async fn crowd<C, F>(n: u64, plan: Arc<Plan>, tally: Shared, client: C) -> bool
where
    C: Fn(Arc<Plan>, Shared) -> F,
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..n {
        tasks.spawn(client(plan.clone(), tally.clone()));
    }
    let hard_stop = plan.end + plan.body_timeout + Duration::from_secs(30);
    tokio::time::timeout_at(hard_stop.into(), async {
        while tasks.join_next().await.is_some() {}
    })
    .await
    .is_ok()
}

fn report(name: &str, tally: &Shared, body_timeout: Duration) {
    let t = tally.lock().unwrap_or_else(|e| e.into_inner());
    let total: u64 = t.by_status.values().sum();
    let answers: Vec<String> = t
        .by_status
        .iter()
        .map(|(s, n)| match s {
            0 => format!("no answer {n}"),
            s => format!("{s} {n}"),
        })
        .collect();
    let expected = t.by_status.keys().all(|s| [401, 408, 413, 503].contains(s));
    let deadline = body_timeout + Duration::from_secs(1);
    println!(
        "{name}: {total} requests: {}; slowest answer {:.2} s (deadline {} s); all answered 401/408/413/503 within it: {}",
        answers.join(", "),
        t.slowest.as_secs_f64(),
        deadline.as_secs(),
        if expected && t.slowest <= deadline { "yes" } else { "NO" }
    );
}

fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("any key");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// `body` (a JSON object) with a fixed-width field naming delivery `n`.
fn distinct(body: &[u8], n: u64) -> Vec<u8> {
    let end = body.iter().rposition(|b| *b == b'}').unwrap_or(body.len());
    let mut v = body[..end].to_vec();
    v.extend_from_slice(format!(",\"bench\":\"{n:020}\"").as_bytes());
    v.extend_from_slice(&body[end..]);
    v
}

fn hostile_head(len: usize, n: u64) -> Vec<u8> {
    format!(
        "POST /webhooks/github HTTP/1.1\r\nHost: 127.0.0.1\r\nX-GitHub-Event: pull_request\r\n\
         X-GitHub-Delivery: hostile-{n}\r\nContent-Type: application/json\r\n\
         X-Hub-Signature-256: sha256={}\r\nContent-Length: {len}\r\n\r\n",
        "ab".repeat(32)
    )
    .into_bytes()
}

/// The status of the response on `reader`, or 0 if the connection ends first.
async fn read_status(reader: &mut tokio::net::tcp::OwnedReadHalf) -> u16 {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 512];
    while !buf.windows(2).any(|w| w == b"\r\n") {
        match reader.read(&mut chunk).await {
            Ok(0) | Err(_) => return 0,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    String::from_utf8_lossy(&buf)
        .split(' ')
        .nth(1)
        .and_then(|s| s.get(..3))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

async fn flood_client(plan: &Plan, tally: &Shared) {
    let piece = vec![b'x'; 64 * 1024];
    let mut n = 0;
    while Instant::now() < plan.end {
        n += 1;
        let start = Instant::now();
        let Ok(stream) = TcpStream::connect(&plan.host).await else {
            record(tally, 0, start.elapsed());
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        // Answered, it hangs up with a reset: its kernel drops what it had
        // not sent yet instead of trying to deliver it for a while.
        let _ = stream.set_zero_linger();
        let (mut reader, mut writer) = stream.into_split();
        if writer.write_all(&hostile_head(FLOOD_LEN, n)).await.is_err() {
            record(tally, 0, start.elapsed());
            continue;
        }
        // Deadlines run from the headers.
        let start = Instant::now();
        let answer = read_status(&mut reader);
        tokio::pin!(answer);
        let mut sent = 0;
        // Piece by piece, looking for an answer before each: a fast
        // attacker spends its bandwidth on the bodies web is reading.
        let status = loop {
            if sent == FLOOD_LEN {
                break answer.await;
            }
            tokio::select! {
                biased;
                status = &mut answer => break status,
                written = writer.write_all(&piece) => match written {
                    Ok(()) => sent += piece.len(),
                    Err(_) => break answer.await,
                },
            }
        };
        record(tally, status, start.elapsed());
    }
}

async fn trickle_client(plan: &Plan, len: usize, tally: &Shared) {
    let mut n = 0;
    while Instant::now() < plan.end {
        n += 1;
        let start = Instant::now();
        let Ok(stream) = TcpStream::connect(&plan.host).await else {
            record(tally, 0, start.elapsed());
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        };
        let (mut reader, mut writer) = stream.into_split();
        if writer.write_all(&hostile_head(len, n)).await.is_err() {
            record(tally, 0, start.elapsed());
            continue;
        }
        // Deadlines run from the headers.
        let start = Instant::now();
        let send = async {
            for _ in 0..len {
                tokio::time::sleep(Duration::from_secs(1)).await;
                writer.write_all(b" ").await?;
            }
            Ok::<_, std::io::Error>(())
        };
        let answer = read_status(&mut reader);
        tokio::pin!(answer);
        let status = tokio::select! {
            status = &mut answer => status,
            _ = send => answer.await,
        };
        record(tally, status, start.elapsed());
        if status == 503 {
            // As Retry-After says; the flood clients are the ones that hammer.
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

/// Real deliveries at `rate`/s until the end; a line with their figures.
async fn real_deliveries(url: String, plan: Arc<Plan>, rate: u64) -> String {
    let body = Arc::new(
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/github/pull_request/opened.json"
        ))
        .expect("fixture"),
    );
    // Idle pooled connections are dropped before web's 5 s keep-alive
    // closes them, so no request races a closing connection.
    let http = reqwest::Client::builder()
        .pool_idle_timeout(Duration::from_secs(2))
        .build()
        .expect("an HTTP client");
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rate.max(1)));
    let mut sent = tokio::task::JoinSet::new();
    let mut n = 0u64;
    while Instant::now() < plan.end {
        tick.tick().await;
        n += 1;
        let (http, url) = (http.clone(), url.clone());
        // Each delivery is other bytes (web knows a signed body by its
        // hash, so the same bytes again would be a duplicate, never pushed).
        let body = distinct(&body, n);
        let sig = signature(&plan.secret, &body);
        sent.spawn(async move {
            let start = Instant::now();
            let res = http
                .post(&url)
                .header("X-GitHub-Event", "pull_request")
                .header(
                    "X-GitHub-Delivery",
                    format!("{:08x}-0000-4000-8000-{n:012x}", std::process::id()),
                )
                .header("X-Hub-Signature-256", sig.as_str())
                .header("Content-Type", "application/json")
                .timeout(Duration::from_secs(30))
                .body(body)
                .send()
                .await;
            let outcome = match res {
                Ok(r) if r.status().is_success() => None,
                Ok(r) => Some(r.status().as_u16().to_string()),
                Err(e) => Some(client_error(&e)),
            };
            (start.elapsed(), outcome)
        });
    }
    let mut latencies = Vec::new();
    let mut failed: BTreeMap<String, u64> = BTreeMap::new();
    while let Some(Ok((took, outcome))) = sent.join_next().await {
        latencies.push(took);
        if let Some(why) = outcome {
            *failed.entry(why).or_default() += 1;
        }
    }
    latencies.sort();
    let pct = |p: f64| {
        let i = ((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1));
        latencies.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    let ok = latencies.len() as u64 - failed.values().sum::<u64>();
    format!(
        "real: {} deliveries, {ok} 2xx ({:.2}%), failed {failed:?}, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        latencies.len(),
        100.0 * ok as f64 / latencies.len().max(1) as f64,
        pct(0.50),
        pct(0.99),
        pct(1.0)
    )
}

/// A short name for why a request got no response.
fn client_error(e: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = e;
    while let Some(inner) = source.source() {
        source = inner;
    }
    let kind = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else {
        "no response"
    };
    format!("{kind}: {source}")
}
