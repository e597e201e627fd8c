//! Self-test of the fake Discord server: a real twilight-http client talks to
//! it, so the fake's routes, error bodies and 429 headers are checked against
//! what twilight actually parses and how its rate limiter actually waits.

use threadline_test_support as support;

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

#[tokio::test(flavor = "multi_thread")]
async fn message_then_thread_then_second_start_is_160004() {
    let fake = FakeDiscord::start();
    let http = client(&fake);
    let channel_id = fake.add_text_channel();

    let message = post(&http, channel_id, "hello").await.unwrap();
    assert_eq!(message.channel_id.get(), channel_id);
    assert_eq!(message.content, "hello");

    let start = http.create_thread_from_message(Id::new(channel_id), message.id, "PR #1: title");
    let thread = start.await.unwrap().model().await.unwrap();
    assert_eq!(thread.id.get(), message.id.get());
    assert_eq!(thread.kind, ChannelType::PublicThread);
    assert_eq!(thread.parent_id.map(Id::get), Some(channel_id));
    let stored = fake.thread(thread.id.get()).unwrap();
    assert_eq!(stored.starter_message_id, Some(message.id.get()));
    assert_eq!(stored.name, "PR #1: title");

    let again = http
        .create_thread_from_message(Id::new(channel_id), message.id, "PR #1: title")
        .await;
    assert_eq!(api_error(&again.unwrap_err()), (400, 160004));
    assert_eq!(fake.threads().len(), 1);

    let fetched = http
        .channel(Id::new(channel_id))
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    assert_eq!(fetched.kind, ChannelType::GuildText);
    let auth = fake.requests()[0].authorization.clone();
    assert_eq!(auth.as_deref(), Some("Bot test"));
    assert_eq!(
        fake.requests()[0].body["allowed_mentions"],
        serde_json::json!({ "parse": [] })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn nonce_with_enforce_nonce_returns_the_first_message() {
    let fake = FakeDiscord::start();
    let http = client(&fake);
    let channel_id = fake.add_text_channel();
    let body = serde_json::json!({
        "content": "once", "nonce": "abc", "enforce_nonce": true, "allowed_mentions": { "parse": [] },
    });

    let first = post_json(&http, channel_id, &body).await.unwrap();
    let second = post_json(&http, channel_id, &body).await.unwrap();
    assert_eq!(first.id, second.id);
    let stored = fake.messages(channel_id);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].nonce.as_deref(), Some("abc"));
    assert_eq!(
        stored[0].allowed_mentions,
        Some(serde_json::json!({ "parse": [] }))
    );

    let unenforced = serde_json::json!({ "content": "twice", "nonce": 7 });
    post_json(&http, channel_id, &unenforced).await.unwrap();
    post_json(&http, channel_id, &unenforced).await.unwrap();
    assert_eq!(fake.messages(channel_id).len(), 3);
    assert_eq!(fake.messages(channel_id)[2].nonce.as_deref(), Some("7"));
}

#[tokio::test(flavor = "multi_thread")]
async fn content_is_limited_by_characters_not_bytes() {
    let fake = FakeDiscord::start();
    let http = client(&fake);
    let channel_id = fake.add_text_channel();

    let two_thousand = "é".repeat(2000);
    post(&http, channel_id, &two_thousand).await.unwrap();

    let too_long = serde_json::json!({ "content": "x".repeat(2001) });
    let err = post_json(&http, channel_id, &too_long).await.unwrap_err();
    assert_eq!(api_error(&err), (400, 50035));

    let empty = serde_json::json!({ "content": "" });
    let err = post_json(&http, channel_id, &empty).await.unwrap_err();
    assert_eq!(api_error(&err), (400, 50006));

    // twilight refuses over-long content itself, before sending anything.
    let sent_before = fake.requests().len();
    let err = post(&http, channel_id, &"x".repeat(2001))
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorType::Validation));
    assert_eq!(fake.requests().len(), sent_before);
    assert_eq!(fake.messages(channel_id).len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn posting_into_an_archived_thread_unarchives_it() {
    let fake = FakeDiscord::start();
    let http = client(&fake);
    let (_, thread_id) = channel_with_thread(&fake, &http).await;
    fake.archive_thread(thread_id);

    post(&http, thread_id, "wake up").await.unwrap();
    assert!(!fake.thread(thread_id).unwrap().archived);
    assert_eq!(fake.messages(thread_id).len(), 1);

    let fetched = http.channel(Id::new(thread_id)).await.unwrap();
    let fetched = fetched.model().await.unwrap();
    assert!(!fetched.thread_metadata.unwrap().archived);
    assert_eq!(fetched.message_count, Some(1));
}

#[tokio::test(flavor = "multi_thread")]
async fn embeds_are_echoed_with_their_type() {
    let fake = FakeDiscord::start();
    let http = client(&fake);
    let channel_id = fake.add_text_channel();
    let body = serde_json::json!({ "embeds": [{ "title": "PR #1", "description": "merged" }] });

    let message = post_json(&http, channel_id, &body).await.unwrap();
    assert_eq!(message.embeds[0].kind, "rich");
    assert_eq!(message.embeds[0].title.as_deref(), Some("PR #1"));
    assert_eq!(fake.messages(channel_id)[0].body, body);
}

#[tokio::test(flavor = "multi_thread")]
async fn locked_thread_refuses_messages_with_160005() {
    let fake = FakeDiscord::start();
    let http = client(&fake);
    let (_, thread_id) = channel_with_thread(&fake, &http).await;
    fake.lock_thread(thread_id);

    let err = post(&http, thread_id, "hello?").await.unwrap_err();
    assert_eq!(api_error(&err), (403, 160005));
    assert!(fake.messages(thread_id).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn rename_of_archived_thread_needs_unarchive() {
    let fake = FakeDiscord::start();
    let http = client(&fake);
    let (_, thread_id) = channel_with_thread(&fake, &http).await;
    fake.archive_thread(thread_id);

    let err = http
        .update_thread(Id::new(thread_id))
        .name("new")
        .await
        .unwrap_err();
    assert_eq!(api_error(&err), (400, 50083));

    let updated = http
        .update_thread(Id::new(thread_id))
        .name("new")
        .archived(false)
        .await
        .unwrap();
    let updated = updated.model().await.unwrap();
    assert_eq!(updated.name.as_deref(), Some("new"));
    assert!(!updated.thread_metadata.unwrap().archived);
}

#[tokio::test(flavor = "multi_thread")]
async fn third_rename_in_window_is_429_and_twilight_waits_it_out() {
    let fake = FakeDiscord::start();
    fake.set_rename_window(Duration::from_secs(2));
    let http = client(&fake);
    let (_, thread_id) = channel_with_thread(&fake, &http).await;

    let started = Instant::now();
    for name in ["one", "two", "three"] {
        let rename = http.update_thread(Id::new(thread_id)).name(name);
        let response = tokio::time::timeout(Duration::from_secs(10), rename)
            .await
            .expect("no hang");
        response.unwrap();
    }
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(fake.thread(thread_id).unwrap().name, "three");
    assert_eq!(statuses(&fake).iter().filter(|s| **s == 429).count(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn injected_rate_limit_is_waited_on_not_hot_looped() {
    let fake = FakeDiscord::start();
    let http = client(&fake);
    let channel_id = fake.add_text_channel();
    let kind = FaultKind::RateLimited { retry_after: 0.5 };
    fake.inject(Fault {
        route: Route::CreateMessage,
        kind,
        times: 1,
    });

    let started = Instant::now();
    post(&http, channel_id, "after a wait").await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(450));
    assert_eq!(statuses(&fake), vec![429, 200]);
    assert_eq!(fake.pending_faults(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn injected_faults_are_recorded() {
    let fake = FakeDiscord::start();
    let http = client(&fake);
    let channel_id = fake.add_text_channel();

    fake.inject(Fault {
        route: Route::CreateMessage,
        kind: FaultKind::Status(500),
        times: 1,
    });
    let err = post(&http, channel_id, "lost").await.unwrap_err();
    assert_eq!(api_error(&err), (500, 0));
    assert!(fake.messages(channel_id).is_empty());

    fake.inject(Fault {
        route: Route::Any,
        kind: FaultKind::AfterSuccess(500),
        times: 1,
    });
    let err = post(&http, channel_id, "stored anyway").await.unwrap_err();
    assert_eq!(api_error(&err), (500, 0));
    assert_eq!(fake.messages(channel_id)[0].content, "stored anyway");

    fake.inject(Fault {
        route: Route::GetChannel,
        kind: FaultKind::ApiError(403, 50013),
        times: 1,
    });
    post(&http, channel_id, "fine").await.unwrap();
    let err = http.channel(Id::new(channel_id)).await.unwrap_err();
    assert_eq!(api_error(&err), (403, 50013));
    assert_eq!(statuses(&fake), vec![500, 500, 200, 403]);
    assert_eq!(fake.messages(channel_id).len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn delayed_reply_times_out_but_the_message_exists() {
    let fake = FakeDiscord::start();
    let http = client(&fake);
    let channel_id = fake.add_text_channel();
    let kind = FaultKind::DelayAfterSuccess(Duration::from_secs(3));
    fake.inject(Fault {
        route: Route::CreateMessage,
        kind,
        times: 1,
    });

    let err = post(&http, channel_id, "slow").await.unwrap_err();
    assert!(matches!(err.kind(), ErrorType::RequestTimedOut), "{err:?}");
    assert_eq!(fake.messages(channel_id).len(), 1);
    assert_eq!(statuses(&fake), vec![200]);
}

#[tokio::test(flavor = "multi_thread")]
async fn deleted_thread_is_404_unknown_channel() {
    let fake = FakeDiscord::start();
    let http = client(&fake);
    let (channel_id, thread_id) = channel_with_thread(&fake, &http).await;
    fake.delete_thread(thread_id);
    assert!(fake.thread(thread_id).is_none());

    let err = post(&http, thread_id, "anyone?").await.unwrap_err();
    assert!(matches!(err.kind(), ErrorType::Response { status, .. } if status.get() == 404));
    assert_eq!(api_error(&err), (404, 10003));
    let err = http
        .update_thread(Id::new(thread_id))
        .name("x")
        .await
        .unwrap_err();
    assert_eq!(api_error(&err), (404, 10003));

    let restart = http
        .create_thread_from_message(Id::new(channel_id), Id::new(thread_id), "again")
        .await;
    assert_eq!(api_error(&restart.unwrap_err()), (400, 160004));
}

#[tokio::test(flavor = "multi_thread")]
async fn raw_http_gets_json_401_and_404_without_content_encoding() {
    let fake = FakeDiscord::start();
    let channel_id = fake.add_text_channel();
    let raw = reqwest::Client::new();
    let url = format!("{}/api/v10/channels/{channel_id}", fake.base_url());

    let response = raw.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert!(response.headers().get("content-encoding").is_none());
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["message"], "401: Unauthorized");

    let unknown = format!("{}/api/v10/gateway/bot", fake.base_url());
    let response = raw
        .get(&unknown)
        .header("Authorization", "Bot test")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({ "code": 0, "message": "404: Not Found" })
    );

    let bad_json = format!("{url}/messages");
    let response = raw
        .post(&bad_json)
        .header("Authorization", "Bot test")
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        fake.requests().iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![401, 404, 400]
    );
    assert_eq!(fake.requests()[2].body, serde_json::Value::Null);
}
