//! Messages: the thread started from one, nonces, the character limit and
//! embeds, as twilight sends and parses them.

use super::*;

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
