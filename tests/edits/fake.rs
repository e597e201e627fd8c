//! The fake's edit and delete message routes, through twilight-http, which
//! must parse what the fake answers as it parses Discord's answers.

use crate::support::fake_discord::FakeDiscord;
use std::time::Duration;
use twilight_http::{api_error::ApiError, error::ErrorType, Client};
use twilight_model::channel::message::AllowedMentions;
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

fn code(err: &twilight_http::Error) -> (u16, u64) {
    match err.kind() {
        ErrorType::Response {
            status,
            error: ApiError::General(e),
            ..
        } => (status.get(), e.code),
        other => panic!("expected a Discord error, got {other:?}"),
    }
}

/// A thread with one message in it: (thread, message).
async fn thread_with_message(fake: &FakeDiscord, http: &Client) -> (u64, u64) {
    let channel = Id::new(fake.add_text_channel());
    let starter = http.create_message(channel).content("intro").await;
    let starter = starter.unwrap().model().await.unwrap();
    let thread = http.create_thread_from_message(channel, starter.id, "PR #1");
    let thread = thread.await.unwrap().model().await.unwrap().id;
    let message = http.create_message(thread).content("first").await;
    (
        thread.get(),
        message.unwrap().model().await.unwrap().id.get(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edit_answers_the_message_and_a_delete_204() {
    let fake = FakeDiscord::start();
    let http = client(&fake);
    let (thread, message) = thread_with_message(&fake, &http).await;
    let (t, m) = (Id::new(thread), Id::new(message));
    let edited = http.update_message(t, m).content(Some("second")).await;
    let edited = edited
        .unwrap()
        .model()
        .await
        .expect("an edited message parses");
    assert_eq!(edited.content, "second");
    assert!(edited.edited_timestamp.is_some());
    assert_eq!(fake.message(message).unwrap().content, "second");

    let deleted = http.delete_message(t, m).await.unwrap();
    assert_eq!(deleted.status().get(), 204);
    assert!(fake.message(message).is_none());
    assert_eq!(fake.messages(thread).len(), 0);
    assert_eq!(fake.deleted_messages(thread)[0].content, "second");
    let again = http.delete_message(t, m).await.unwrap_err();
    assert_eq!(code(&again), (404, 10008));
    let edit = http.update_message(t, m).content(Some("x")).await;
    assert_eq!(code(&edit.unwrap_err()), (404, 10008));
}

#[tokio::test(flavor = "multi_thread")]
async fn archived_and_locked_threads_refuse_changes() {
    let fake = FakeDiscord::start();
    let http = client(&fake);
    let (thread, message) = thread_with_message(&fake, &http).await;
    let (t, m) = (Id::new(thread), Id::new(message));
    fake.archive_thread(thread);
    let edit = http.update_message(t, m).content(Some("x")).await;
    assert_eq!(code(&edit.unwrap_err()), (400, 50083));
    let delete = http.delete_message(t, m).await;
    assert_eq!(code(&delete.unwrap_err()), (400, 50083));
    http.update_thread(t).archived(false).await.unwrap();
    fake.lock_thread(thread);
    let edit = http.update_message(t, m).content(Some("x")).await;
    assert_eq!(code(&edit.unwrap_err()), (403, 160005));
    assert_eq!(fake.message(message).unwrap().content, "first");
    let elsewhere = http.delete_message(Id::new(thread + 999), m).await;
    assert_eq!(code(&elsewhere.unwrap_err()), (404, 10003));
}
