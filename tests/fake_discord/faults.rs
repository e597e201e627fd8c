//! Injected faults (rate limits, errors, slow replies) and the raw HTTP
//! answers: JSON bodies, statuses, no content encoding.

use super::*;

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
