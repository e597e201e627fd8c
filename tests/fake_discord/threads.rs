//! Threads: archived, locked, renamed within and past Discord's window,
//! deleted.

use super::*;

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
