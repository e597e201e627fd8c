//! Per-route buckets: five posts per channel then a `user` 429 with the
//! full headers, one bucket per channel, headers on every route and status,
//! none with limits off, and a bucket that accepts again after its reset.

use crate::support::fake_discord::{BucketLimit, FakeDiscord, Limits, RateLimitCounts};
use crate::{assert_bucket_headers, get_channel, header, limited, post, seconds};
use reqwest::Client;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const LIMIT_HEADERS: [&str; 5] = [
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "x-ratelimit-reset-after",
    "x-ratelimit-bucket",
];

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
