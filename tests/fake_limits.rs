//! Self-test of the fake Discord's rate-limits mode, over raw HTTP
//! (reqwest), so that the exact statuses, headers and bodies are checked:
//! fixed-window buckets per route and major id, the global limit, the
//! headers on every response, and injected global 429s pausing everything.

mod support;

use reqwest::{Client, Response};
use serde_json::{json, Value};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use support::app::join_all;
use support::fake_discord::{
    BucketLimit, FakeDiscord, Fault, FaultKind, Limits, RateLimitCounts, Route,
};

const LIMIT_HEADERS: [&str; 5] = [
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "x-ratelimit-reset-after",
    "x-ratelimit-bucket",
];

/// A fake with Discord's limits on, and a client for it.
fn limited() -> (FakeDiscord, Client) {
    let fake = FakeDiscord::start();
    fake.set_limits(Some(Limits::discord()));
    (fake, Client::new())
}

async fn post(http: &Client, fake: &FakeDiscord, channel: u64, content: &str) -> Response {
    let url = format!("{}/api/v10/channels/{channel}/messages", fake.base_url());
    let body = json!({ "content": content });
    let request = http
        .post(url)
        .header("Authorization", "Bot test")
        .json(&body);
    request.send().await.expect("fake answers")
}

async fn get_channel(http: &Client, fake: &FakeDiscord, channel: u64) -> Response {
    let url = format!("{}/api/v10/channels/{channel}", fake.base_url());
    let request = http.get(url).header("Authorization", "Bot test");
    request.send().await.expect("fake answers")
}

fn header(response: &Response, name: &str) -> String {
    let value = response.headers().get(name);
    let value = value.unwrap_or_else(|| panic!("no {name} header: {:?}", response.headers()));
    value.to_str().expect("ascii header").to_owned()
}

fn seconds(response: &Response, name: &str) -> f64 {
    header(response, name).parse().expect("a number of seconds")
}

/// Checks the bucket headers Discord sends on every response.
fn assert_bucket_headers(response: &Response, limit: u32, remaining: u32, window: f64) {
    assert_eq!(header(response, "x-ratelimit-limit"), limit.to_string());
    assert_eq!(
        header(response, "x-ratelimit-remaining"),
        remaining.to_string()
    );
    let reset_after = seconds(response, "x-ratelimit-reset-after");
    assert!(reset_after > 0.0 && reset_after <= window, "{reset_after}");
    let after = header(response, "x-ratelimit-reset-after");
    assert_eq!(after.split('.').nth(1).map(str::len), Some(3), "{after}");
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let reset = seconds(response, "x-ratelimit-reset");
    let expected = now.as_secs_f64() + reset_after;
    assert!(
        (reset - expected).abs() < 1.0,
        "reset {reset} vs {expected}"
    );
    assert!(response.headers().get("content-encoding").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn six_quick_posts_to_one_channel_give_five_then_a_user_429() {
    let (fake, http) = limited();
    let channel = fake.add_text_channel();
    let mut buckets = Vec::new();
    for (i, remaining) in (0..5).rev().enumerate() {
        let response = post(&http, &fake, channel, &format!("m{i}")).await;
        assert_eq!(response.status(), 200);
        assert_bucket_headers(&response, 5, remaining, 5.0);
        assert!(response.headers().get("x-ratelimit-scope").is_none());
        assert!(response.headers().get("retry-after").is_none());
        buckets.push(header(&response, "x-ratelimit-bucket"));
    }

    let refused = post(&http, &fake, channel, "sixth").await;
    assert_eq!(refused.status(), 429);
    assert_bucket_headers(&refused, 5, 0, 5.0);
    assert_eq!(header(&refused, "x-ratelimit-scope"), "user");
    assert!(refused.headers().get("x-ratelimit-global").is_none());
    assert_eq!(header(&refused, "x-ratelimit-bucket"), buckets[0]);
    let retry_after: u64 = header(&refused, "retry-after").parse().expect("integer");
    let reset_after = seconds(&refused, "x-ratelimit-reset-after");
    assert_eq!(retry_after, reset_after.ceil() as u64);
    assert_eq!(header(&refused, "content-type"), "application/json");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["message"], "You are being rate limited.");
    assert_eq!(body["global"], false);
    let in_body = body["retry_after"]
        .as_f64()
        .expect("retry_after is a number");
    assert!(in_body > 0.0 && in_body <= 5.0, "{in_body}");

    assert!(buckets.iter().all(|b| *b == buckets[0]), "{buckets:?}");
    assert_eq!(
        fake.messages(channel).len(),
        5,
        "the refused post did nothing"
    );
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![200, 200, 200, 200, 200, 429]);
    let arrivals: Vec<Instant> = fake.requests().iter().map(|r| r.at).collect();
    assert!(arrivals.windows(2).all(|w| w[0] <= w[1]));
    let counts = RateLimitCounts {
        user: 1,
        ..Default::default()
    };
    assert_eq!(fake.rate_limited(), counts);
    assert_eq!(fake.rate_limited().total(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn two_channels_do_not_share_a_bucket() {
    let (fake, http) = limited();
    let (a, b) = (fake.add_text_channel(), fake.add_text_channel());
    for i in 0..5 {
        assert_eq!(post(&http, &fake, a, &format!("a{i}")).await.status(), 200);
    }
    let first_in_b = post(&http, &fake, b, "b0").await;
    assert_eq!(first_in_b.status(), 200);
    assert_bucket_headers(&first_in_b, 5, 4, 5.0);
    for i in 1..5 {
        assert_eq!(post(&http, &fake, b, &format!("b{i}")).await.status(), 200);
    }
    assert_eq!(post(&http, &fake, a, "a5").await.status(), 429);
    assert_eq!(post(&http, &fake, b, "b5").await.status(), 429);
    assert_eq!((fake.messages(a).len(), fake.messages(b).len()), (5, 5));
    assert_eq!(fake.rate_limited().user, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_route_carries_headers_and_a_bucket_per_route_kind() {
    let (fake, http) = limited();
    let channel = fake.add_text_channel();
    let posted = post(&http, &fake, channel, "hello").await;
    let got = get_channel(&http, &fake, channel).await;
    assert_eq!(
        (posted.status().as_u16(), got.status().as_u16()),
        (200, 200)
    );
    assert_bucket_headers(&got, 50, 49, 1.0);
    let patch = format!("{}/api/v10/channels/{channel}", fake.base_url());
    let patched = http
        .patch(patch)
        .header("Authorization", "Bot test")
        .json(&json!({ "name": "renamed" }))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    assert_bucket_headers(&patched, 5, 4, 5.0);
    let unknown = format!("{}/api/v10/gateway/bot", fake.base_url());
    let not_found = http
        .get(unknown)
        .header("Authorization", "Bot test")
        .send()
        .await
        .unwrap();
    assert_eq!(not_found.status(), 404);
    assert_bucket_headers(&not_found, 50, 49, 1.0);

    let hashes: Vec<String> = [&posted, &got, &patched]
        .iter()
        .map(|r| header(r, "x-ratelimit-bucket"))
        .collect();
    assert_ne!(hashes[0], hashes[1]);
    assert_ne!(hashes[0], hashes[2]);
    assert!(hashes.iter().all(|h| !h.contains(&channel.to_string())));
}

#[tokio::test(flavor = "multi_thread")]
async fn without_limits_a_2xx_carries_no_rate_limit_headers() {
    let fake = FakeDiscord::start();
    let http = Client::new();
    let channel = fake.add_text_channel();
    let response = post(&http, &fake, channel, "hello").await;
    assert_eq!(response.status(), 200);
    for name in LIMIT_HEADERS {
        assert!(response.headers().get(name).is_none(), "{name}");
    }
    for i in 0..10 {
        let response = post(&http, &fake, channel, &format!("m{i}")).await;
        assert_eq!(response.status(), 200);
    }
    assert_eq!(fake.rate_limited().total(), 0);
}

/// 51 GETs to 51 channels at once: only the global limit can refuse one.
/// A burst that did not fit in one second (a very busy machine) proves
/// nothing, so it is tried again with fresh windows.
#[tokio::test(flavor = "multi_thread")]
async fn a_burst_of_51_draws_one_global_429() {
    let (fake, http) = limited();
    let channels: Vec<u64> = (0..51).map(|_| fake.add_text_channel()).collect();
    for _ in 0..5 {
        fake.set_limits(Some(Limits::discord()));
        fake.clear_requests();
        let before = fake.rate_limited();
        let burst = channels.iter().map(|c| get_channel(&http, &fake, *c));
        let responses = join_all(burst).await;
        let arrivals: Vec<Instant> = fake.requests().iter().map(|r| r.at).collect();
        if arrivals[50] - arrivals[0] >= Duration::from_secs(1) {
            continue;
        }
        let refused: Vec<&Response> = responses.iter().filter(|r| r.status() == 429).collect();
        assert_eq!(refused.len(), 1);
        let refused = refused[0];
        assert_eq!(header(refused, "x-ratelimit-scope"), "global");
        assert_eq!(header(refused, "x-ratelimit-global"), "true");
        assert!(seconds(refused, "retry-after") <= 1.0);
        let ok = fake.requests().iter().filter(|r| r.status == 200).count();
        assert_eq!(ok, 50);
        let after = fake.rate_limited();
        assert_eq!((after.global - before.global, after.user), (1, 0));
        return;
    }
    panic!("this machine could not send 51 requests within one second, five times");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_global_429_body_says_global() {
    let (fake, http) = limited();
    fake.inject(Fault {
        route: Route::GetChannel,
        kind: FaultKind::RateLimitedGlobal { retry_after: 0.25 },
        times: 1,
    });
    let channel = fake.add_text_channel();
    let refused = get_channel(&http, &fake, channel).await;
    assert_eq!(refused.status(), 429);
    assert_eq!(header(&refused, "x-ratelimit-scope"), "global");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["global"], true);
    assert_eq!(body["message"], "You are being rate limited.");
    assert!(body["retry_after"].as_f64().unwrap() <= 0.25);
}

#[tokio::test(flavor = "multi_thread")]
async fn after_reset_after_the_bucket_accepts_again() {
    let fake = FakeDiscord::start();
    let limits = Limits {
        create_message: BucketLimit {
            limit: 2,
            window: Duration::from_millis(800),
        },
        ..Limits::discord()
    };
    fake.set_limits(Some(limits));
    let http = Client::new();
    let channel = fake.add_text_channel();
    for i in 0..2 {
        assert_eq!(
            post(&http, &fake, channel, &format!("m{i}")).await.status(),
            200
        );
    }
    let refused = post(&http, &fake, channel, "too soon").await;
    assert_eq!(refused.status(), 429);
    let wait = seconds(&refused, "x-ratelimit-reset-after");
    tokio::time::sleep(Duration::from_secs_f64(wait)).await;

    let accepted = post(&http, &fake, channel, "in a new window").await;
    assert_eq!(accepted.status(), 200);
    assert_bucket_headers(&accepted, 2, 1, 0.8);
    assert_eq!(fake.messages(channel).len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_global_fault_pauses_every_route_for_retry_after() {
    // Limits stay off: an injected global 429 pauses the fake either way.
    let fake = FakeDiscord::start();
    let http = Client::new();
    let (a, b) = (fake.add_text_channel(), fake.add_text_channel());
    let pause = Duration::from_secs(2);
    fake.inject(Fault {
        route: Route::CreateMessage,
        kind: FaultKind::RateLimitedGlobal {
            retry_after: pause.as_secs_f64(),
        },
        times: 1,
    });
    let first = post(&http, &fake, a, "paused").await;
    assert_eq!(first.status(), 429);
    assert_eq!(header(&first, "x-ratelimit-global"), "true");
    assert_eq!(header(&first, "retry-after"), "2");
    let during = [
        post(&http, &fake, b, "other channel").await,
        get_channel(&http, &fake, a).await,
    ];
    for response in &during {
        assert_eq!(response.status(), 429);
        assert_eq!(header(response, "x-ratelimit-scope"), "global");
        assert!(seconds(response, "retry-after") <= 2.0);
    }
    tokio::time::sleep(pause).await;
    let after = post(&http, &fake, a, "after the pause").await;
    assert_eq!(after.status(), 200);

    // Judged by arrival: everything within the pause was refused.
    let requests = fake.requests();
    let paused_at = requests[0].at;
    for r in &requests {
        let within = r.at < paused_at + pause;
        assert_eq!(
            r.status == 429,
            within,
            "{} at {:?}",
            r.path,
            r.at - paused_at
        );
    }
    assert_eq!(fake.messages(a).len(), 1);
    assert!(fake.messages(b).is_empty());
    assert_eq!(fake.rate_limited().global, 3);
    assert_eq!(fake.pending_faults(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_injected_user_429_carries_the_buckets_limit_and_consumes_nothing() {
    let (fake, http) = limited();
    let channel = fake.add_text_channel();
    fake.inject(Fault {
        route: Route::CreateMessage,
        kind: FaultKind::RateLimited { retry_after: 0.5 },
        times: 1,
    });
    let refused = post(&http, &fake, channel, "injected").await;
    assert_eq!(refused.status(), 429);
    assert_eq!(header(&refused, "x-ratelimit-scope"), "user");
    assert_eq!(header(&refused, "x-ratelimit-limit"), "5");
    assert_eq!(header(&refused, "retry-after"), "1");
    let next = post(&http, &fake, channel, "next").await;
    assert_eq!(next.status(), 200);
    assert_bucket_headers(&next, 5, 4, 5.0);
    assert_eq!(fake.handle().rate_limited().user, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_sleep_out_latency_concurrently() {
    let fake = FakeDiscord::start();
    fake.set_latency(Duration::from_secs(2));
    let http = Client::new();
    let channels: Vec<u64> = (0..20).map(|_| fake.add_text_channel()).collect();
    let first_answer = std::sync::Mutex::new(None::<Instant>);
    let calls = channels.iter().map(|c| async {
        let response = get_channel(&http, &fake, *c).await;
        let mut first = first_answer.lock().unwrap();
        first.get_or_insert_with(Instant::now);
        response.status()
    });
    let statuses = join_all(calls).await;
    assert!(statuses.iter().all(|s| *s == 200));
    // Every request had arrived before any was answered.
    let first = first_answer.lock().unwrap().expect("answers");
    assert!(fake.requests().iter().all(|r| r.at < first));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_nonce_window_is_a_setting() {
    let fake = FakeDiscord::start();
    fake.set_nonce_window(Duration::from_millis(300));
    let http = Client::new();
    let channel = fake.add_text_channel();
    let url = format!("{}/api/v10/channels/{channel}/messages", fake.base_url());
    let send = || async {
        let body = json!({ "content": "once", "nonce": "n-1", "enforce_nonce": true });
        let request = http.post(&url).header("Authorization", "Bot test");
        let response = request.json(&body).send().await.unwrap();
        let message: Value = response.json().await.unwrap();
        message["id"].as_str().expect("an id").to_owned()
    };
    let first = send().await;
    assert_eq!(send().await, first, "a repeat within the window");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_ne!(send().await, first, "a repeat after the window posts again");
    assert_eq!(fake.messages(channel).len(), 2);
}
