//! Hosting conventions: Redis as hosted providers hand it out (`rediss://`
//! with a user, a percent-encoded password and `#insecure` for a
//! self-signed certificate), for both processes; and two webhook secrets
//! at once while one is rotated.

use threadline_test_support as support;

use support::app::TestApp;
use support::fixtures::fixture;
use support::servers::shared_faktory_url;
use support::tls_redis::TlsRedis;

#[tokio::test(flavor = "multi_thread")]
async fn web_queues_and_remembers_through_a_tls_redis_with_a_user() {
    let redis = TlsRedis::start();
    let app = TestApp::builder()
        .faktory(&shared_faktory_url())
        .redis(&redis.url())
        .spawn()
        .await;
    let body = fixture("pull_request/opened.json");

    let first = app.deliver("pull_request", "tls-1", &body).await;
    assert_eq!(first.status(), 202);
    assert_eq!(first.text().await.unwrap(), "queued");
    assert_eq!(app.queued().await, 1, "the job is in Faktory");
    support::wait::eventually(
        std::time::Duration::from_secs(5),
        "the delivery remembered in the TLS Redis",
        || async {
            app.redis_keys()
                .await
                .iter()
                .any(|k| k.contains("delivery:"))
        },
    )
    .await;
    let again = app.deliver("pull_request", "tls-1", &body).await;
    assert_eq!(again.text().await.unwrap(), "duplicate");
    assert_eq!(app.queued().await, 1, "a redelivery queues nothing more");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tls_redis_refuses_a_wrong_password_and_web_says_unavailable() {
    let redis = TlsRedis::start();
    let wrong = redis.url().replace("s3cret", "wrong");
    let app = TestApp::builder()
        .faktory(&shared_faktory_url())
        .redis(&wrong)
        .spawn()
        .await;
    let body = fixture("pull_request/opened.json");
    let res = app.deliver("pull_request", "tls-2", &body).await;
    assert_eq!(res.status(), 503, "no queueing without the delivery check");
    assert_eq!(app.queued().await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn two_webhook_secrets_during_a_rotation_both_verify() {
    let app = TestApp::builder()
        .settings(|s| {
            let old = s.webhook_secret.expose().to_string();
            s.webhook_secret = threadline::settings::Secret(format!("rotated-in, {old}"));
        })
        .spawn()
        .await;
    let body = fixture("pull_request/opened.json");
    // Two deliveries are two bodies: the same bytes would be a duplicate.
    let signed_by = |secret: &str, delivery: &str| {
        let body = support::fixtures::distinct(&body, delivery);
        app.request("pull_request", delivery)
            .header(
                "X-Hub-Signature-256",
                support::fixtures::sign(secret, &body),
            )
            .body(body)
            .send()
    };
    let old = signed_by(&app.secret, "rot-old").await.unwrap();
    assert_eq!(
        old.status(),
        202,
        "the secret being rotated out still works"
    );
    let new = signed_by("rotated-in", "rot-new").await.unwrap();
    assert_eq!(new.status(), 202, "the new one works already");
    let neither = signed_by("rotated-in, ", "rot-bad").await.unwrap();
    assert_eq!(neither.status(), 401, "the list itself is no secret");
    assert_eq!(app.queued().await, 2);
}
