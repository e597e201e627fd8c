//! A signed body is recognised by its SHA-256 as well as by hook:GUID: sent
//! again under a new GUID (or hook id, or none) it is a `202 duplicate`;
//! GitHub's own redelivery (same body, same GUID) is unaffected.

use super::{post_raw, support};
use support::app::spawn_app;
use support::fixtures::{fixture, guid};

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_body_under_a_new_guid_is_a_duplicate() {
    let app = spawn_app().await;
    let body = fixture("pull_request/opened.json");
    let first = guid("first");
    let (status, said) = post_raw(&app, "pull_request", &first, Some("4242"), &body).await;
    assert_eq!((status, said.as_str()), (202, "queued"));
    for (id, hook) in [
        (guid("second"), Some("4242")),
        (guid("third"), Some("77")),
        (guid("fourth"), None),
        // GitHub's own redelivery: the same body and GUID.
        (first.clone(), Some("4242")),
    ] {
        let (status, said) = post_raw(&app, "pull_request", &id, hook, &body).await;
        assert_eq!((status, said.as_str()), (202, "duplicate"), "{id} {hook:?}");
    }
    assert_eq!(app.queued().await, 1, "one job for one signed body");
    let marks = app.redis_keys().await;
    let body_mark = marks.iter().find(|k| k.contains(":delivery-body:"));
    assert!(body_mark.is_some(), "{marks:?}");
    // Both marks live for the dedupe's TTL.
    let client = redis::Client::open(app.redis_url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    for key in marks.iter().filter(|k| k.contains(":delivery")) {
        let ttl: i64 = redis::cmd("TTL")
            .arg(key)
            .query_async(&mut conn)
            .await
            .unwrap();
        assert!(ttl > 3 * 24 * 3600, "{key}: ttl {ttl}");
    }

    // Another body is another delivery.
    let mut other: serde_json::Value = serde_json::from_slice(&body).unwrap();
    other["number"] = serde_json::json!(99);
    let other = serde_json::to_vec(&other).unwrap();
    let (status, said) = post_raw(&app, "pull_request", &guid("fifth"), Some("4242"), &other).await;
    assert_eq!((status, said.as_str()), (202, "queued"));
    assert_eq!(app.queued().await, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_delivery_refused_before_its_push_is_not_marked() {
    // A delivery routed to nothing (ignored) leaves no body mark, so the
    // same body under its event is still queued later.
    let app = spawn_app().await;
    let body = fixture("pull_request/opened.json");
    let (status, said) = post_raw(&app, "watch", &guid("w"), Some("1"), &body).await;
    assert_eq!((status, said.as_str()), (202, "ignored"));
    let (status, said) = post_raw(&app, "pull_request", &guid("p"), Some("1"), &body).await;
    assert_eq!((status, said.as_str()), (202, "queued"));
}
