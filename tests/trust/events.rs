//! `X-GitHub-Event` is unsigned too: with a signed body in hand it is all
//! an attacker can change. The bodies whose shape another event would
//! take (a review's, which carries a `pull_request`; anything as a
//! `ping`, which may start a backfill) are refused when they do not match.

use super::{post_raw, support};
use support::app::spawn_app;
use support::fixtures::{fixture, guid};

#[tokio::test(flavor = "multi_thread")]
async fn a_body_sent_under_another_event_name_is_refused() {
    let app = spawn_app().await;
    let cases = [
        ("pull_request", "pull_request_review/submitted.json"),
        ("pull_request", "pull_request_review/dismissed.json"),
        ("ping", "pull_request/opened.json"),
    ];
    for (event, path) in cases {
        let (status, said) = post_raw(&app, event, &guid(path), Some("1"), &fixture(path)).await;
        assert_eq!(status, 400, "{path} as {event}: {said}");
        assert!(said.contains("does not match the body"), "{said}");
    }
    assert_eq!(app.queued().await, 0);
    // Each under its own name is still what it was.
    let (status, said) = post_raw(
        &app,
        "ping",
        &guid("ping"),
        Some("1"),
        &fixture("ping/ping.json"),
    )
    .await;
    assert_eq!((status, said.as_str()), (200, "pong"));
    let (status, _) = post_raw(
        &app,
        "pull_request_review",
        &guid("review"),
        Some("1"),
        &fixture("pull_request_review/submitted.json"),
    )
    .await;
    assert_eq!(status, 202);
}
