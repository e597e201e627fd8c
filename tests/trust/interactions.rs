//! Discord's signature covers the timestamp and the body for ever: `web`
//! refuses a timestamp more than 5 minutes from now, either way, and runs
//! an interaction id once (a copy is answered, not run).

use super::support;
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use support::app::TestApp;

const SEED: [u8; 32] = [11; 32];

async fn app() -> TestApp {
    let public = hex::encode(SigningKey::from_bytes(&SEED).verifying_key().to_bytes());
    TestApp::builder()
        .settings(|s| s.dibs.public_key = Some(public))
        .spawn()
        .await
}

/// A signed request of `body` as Discord sends it, stamped `at` (Unix s).
fn signed(app: &TestApp, body: &[u8], at: i64) -> reqwest::RequestBuilder {
    let timestamp = at.to_string();
    let mut message = timestamp.as_bytes().to_vec();
    message.extend_from_slice(body);
    let key = SigningKey::from_bytes(&SEED);
    app.http
        .post(format!("{}/webhooks/discord", app.address))
        .header(
            "X-Signature-Ed25519",
            hex::encode(key.sign(&message).to_bytes()),
        )
        .header("X-Signature-Timestamp", timestamp)
        .header("Content-Type", "application/json")
        .body(body.to_vec())
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// `/dibs <sub> resource:<resource>` by user 42, with a new interaction id.
fn dibs(sub: &str, resource: &str) -> Vec<u8> {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let id = 1_500_000_000_000_000_000 + NEXT.fetch_add(1, Ordering::Relaxed);
    json!({
        "type": 2, "id": id.to_string(), "application_id": "1", "token": "t", "version": 1,
        "channel_id": "9", "guild_id": "8",
        "member": {"user": {"id": "42", "username": "ada"}},
        "data": {"id": "3", "name": "dibs", "type": 1, "options": [
            {"type": 1, "name": sub, "options": [{"type": 3, "name": "resource", "value": resource}]}
        ]},
    })
    .to_string()
    .into_bytes()
}

async fn answer(res: reqwest::Response) -> Value {
    assert_eq!(res.status(), 200);
    let answer: Value = res.json().await.expect("JSON");
    answer["data"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_timestamp_more_than_five_minutes_off_is_401() {
    let app = app().await;
    let take = dibs("on", "staging");
    for at in [now() - 301, now() + 301, now() - 86_400] {
        let res = signed(&app, &take, at).send().await.unwrap();
        assert_eq!(res.status(), 401, "stamped {at}, now {}", now());
    }
    let status = answer(
        signed(&app, &dibs("status", "staging"), now())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        status["content"]
            .as_str()
            .unwrap()
            .contains("unknown resource"),
        "no stale take was applied: {status}"
    );
    // Within the window, either way, is fine.
    for at in [now() - 240, now() + 240] {
        let res = signed(&app, &dibs("status", "staging"), at)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "stamped {at}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_signed_interaction_twice_runs_once() {
    let app = app().await;
    let take = dibs("on", "staging");
    let at = now();
    let first = answer(signed(&app, &take, at).send().await.unwrap()).await;
    assert!(first["flags"].is_null(), "taken: {first}");
    let release = answer(
        signed(&app, &dibs("off", "staging"), now())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(release["flags"].is_null(), "released: {release}");

    // The take, sent again byte for byte (still validly signed).
    let again = answer(signed(&app, &take, at).send().await.unwrap()).await;
    assert_eq!(again["flags"], 64, "answered to its reader only: {again}");
    assert!(
        again["content"].as_str().unwrap().contains("already"),
        "{again}"
    );

    let status = answer(
        signed(&app, &dibs("status", "staging"), now())
            .send()
            .await
            .unwrap(),
    )
    .await;
    let said = status["content"].as_str().unwrap();
    assert!(
        said.contains("free"),
        "the take was applied once, then released: {said}"
    );
    let marks = app.redis_keys().await;
    let client = redis::Client::open(app.redis_url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let mark = marks
        .iter()
        .find(|k| k.contains(":interaction:"))
        .expect("a mark");
    let ttl: i64 = redis::cmd("TTL")
        .arg(mark)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!((800..=900).contains(&ttl), "remembered 15 minutes: {ttl}");
}
