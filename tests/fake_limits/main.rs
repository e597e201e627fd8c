//! Self-test of the fake Discord's rate-limits mode. Mostly over raw HTTP
//! (reqwest), so that the exact statuses, headers and bodies are checked:
//! fixed-window buckets per route and major id, the global limit, the
//! headers on every response, and injected global 429s pausing everything.
//! Then through twilight-http, which must parse what the fake sends.

use threadline_test_support as support;

mod buckets;
mod global;
mod setup;
mod twilight;

use reqwest::{Client, Response};
use serde_json::json;
use std::time::{SystemTime, UNIX_EPOCH};
use support::fake_discord::{FakeDiscord, Limits};

/// A fake with Discord's limits on, and a client for it.
pub fn limited() -> (FakeDiscord, Client) {
    let fake = FakeDiscord::start();
    fake.set_limits(Some(Limits::discord()));
    (fake, Client::new())
}

pub async fn post(http: &Client, fake: &FakeDiscord, channel: u64, content: &str) -> Response {
    let url = format!("{}/api/v10/channels/{channel}/messages", fake.base_url());
    let body = json!({ "content": content });
    let request = http
        .post(url)
        .header("Authorization", "Bot test")
        .json(&body);
    request.send().await.expect("fake answers")
}

pub async fn get_channel(http: &Client, fake: &FakeDiscord, channel: u64) -> Response {
    let url = format!("{}/api/v10/channels/{channel}", fake.base_url());
    let request = http.get(url).header("Authorization", "Bot test");
    request.send().await.expect("fake answers")
}

pub fn header(response: &Response, name: &str) -> String {
    let value = response.headers().get(name);
    let value = value.unwrap_or_else(|| panic!("no {name} header: {:?}", response.headers()));
    value.to_str().expect("ascii header").to_owned()
}

pub fn seconds(response: &Response, name: &str) -> f64 {
    header(response, name).parse().expect("a number of seconds")
}

/// Checks the bucket headers Discord sends on every response.
pub fn assert_bucket_headers(response: &Response, limit: u32, remaining: u32, window: f64) {
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
