//! Self-test of the fake Discord server: a real twilight-http client talks to
//! it, so the fake's routes, error bodies and 429 headers are checked against
//! what twilight actually parses and how its rate limiter actually waits.

use threadline_test_support as support;

mod faults;
mod messages;
mod threads;

use std::time::{Duration, Instant};
use support::fake_discord::{FakeDiscord, Fault, FaultKind, Route};
use twilight_http::{api_error::ApiError, error::ErrorType, Client};
use twilight_model::channel::{message::AllowedMentions, ChannelType, Message};
use twilight_model::id::Id;

fn client(fake: &FakeDiscord) -> Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::builder()
        .token("Bot test".into())
        .proxy(fake.proxy_addr(), true)
        .default_allowed_mentions(AllowedMentions::default())
        .timeout(Duration::from_secs(2))
        .build()
}

/// The HTTP status and Discord error code of a failed call.
fn api_error(err: &twilight_http::Error) -> (u16, u64) {
    match err.kind() {
        ErrorType::Response {
            status,
            error: ApiError::General(e),
            ..
        } => (status.get(), e.code),
        ErrorType::Response { status, .. } => (status.get(), 0),
        other => panic!("expected an API error response, got {other:?}"),
    }
}

async fn post(
    http: &Client,
    channel_id: u64,
    content: &str,
) -> Result<Message, twilight_http::Error> {
    let response = http
        .create_message(Id::new(channel_id))
        .content(content)
        .await?;
    Ok(response.model().await.expect("message parses"))
}

async fn post_json(
    http: &Client,
    channel_id: u64,
    body: &serde_json::Value,
) -> Result<Message, twilight_http::Error> {
    let bytes = serde_json::to_vec(body).expect("json");
    let response = http
        .create_message(Id::new(channel_id))
        .payload_json(&bytes)
        .await?;
    Ok(response.model().await.expect("message parses"))
}

/// A text channel with one thread started from a message in it; returns (channel, thread).
async fn channel_with_thread(fake: &FakeDiscord, http: &Client) -> (u64, u64) {
    let channel_id = fake.add_text_channel();
    let starter = post(http, channel_id, "starter").await.expect("starter");
    let thread = http
        .create_thread_from_message(Id::new(channel_id), starter.id, "PR #1")
        .await
        .expect("thread");
    let thread = thread.model().await.expect("channel parses");
    (channel_id, thread.id.get())
}

fn statuses(fake: &FakeDiscord) -> Vec<u16> {
    fake.requests().iter().map(|r| r.status).collect()
}
