//! Settings and plumbing of the fake that limits mode relies on: requests
//! sleep out their latency concurrently, and the nonce window is a setting.

use crate::get_channel;
use crate::support::fake_discord::FakeDiscord;
use crate::support::wait::join_all;
use reqwest::Client;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

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
