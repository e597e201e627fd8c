//! The two unsigned ids in GitHub's shape only: a GUID and a number; any
//! other is a 400 that says why, and queues nothing.

use super::{post_raw, support};
use support::app::spawn_app;
use support::fixtures::fixture;

const GUID: &str = "72d3162e-cc78-11e3-81ab-4c9367dc0958";

#[tokio::test(flavor = "multi_thread")]
async fn a_delivery_id_that_is_not_a_guid_is_refused() {
    let app = spawn_app().await;
    let body = fixture("pull_request/opened.json");
    for id in [
        "x:replay:7",
        "x",
        &format!("{GUID}:body"),
        &format!("{GUID}:replays"),
        "index",
        "backfill:1:2",
        &GUID[..35],
        &format!("{GUID}0"),
        &GUID.replace('-', "_"),
    ] {
        let (status, said) = post_raw(&app, "pull_request", id, Some("4242"), &body).await;
        assert_eq!(status, 400, "delivery id {id:?}: {said}");
        assert!(
            said.contains("X-GitHub-Delivery") && said.contains("GUID"),
            "{said}"
        );
    }
    assert_eq!(app.queued().await, 0, "nothing queued");
    assert!(
        app.redis_keys().await.iter().all(|k| !k.contains(":log:")),
        "nothing logged under a forged id: {:?}",
        app.redis_keys().await
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hook_id_that_is_not_a_number_is_refused() {
    let app = spawn_app().await;
    let body = fixture("pull_request/opened.json");
    for hook in [
        "abc",
        "12:34",
        "-",
        "",
        " 1 2",
        "99999999999999999999999",
        "+7",
    ] {
        let (status, said) = post_raw(&app, "pull_request", GUID, Some(hook), &body).await;
        assert_eq!(status, 400, "hook id {hook:?}: {said}");
        assert!(said.contains("X-GitHub-Hook-ID"), "{said}");
    }
    assert_eq!(app.queued().await, 0, "nothing queued");
    let (status, said) = post_raw(&app, "pull_request", GUID, Some("4242"), &body).await;
    assert_eq!((status, said.as_str()), (202, "queued"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_guid_in_capitals_is_the_same_delivery() {
    let app = spawn_app().await;
    let body = fixture("pull_request/opened.json");
    let (status, said) = post_raw(&app, "pull_request", GUID, Some("1"), &body).await;
    assert_eq!((status, said.as_str()), (202, "queued"));
    let upper = GUID.to_ascii_uppercase();
    let (status, said) = post_raw(&app, "pull_request", &upper, Some("1"), &body).await;
    assert_eq!((status, said.as_str()), (202, "duplicate"));
    assert_eq!(app.queued().await, 1);
    let marks: Vec<String> = app.redis_keys().await;
    assert!(
        marks
            .iter()
            .any(|k| k.ends_with(&format!("delivery:1:{GUID}"))),
        "the mark is the lowercase GUID's: {marks:?}"
    );
}

#[test]
fn threadline_send_takes_a_guid_only() {
    let file = format!(
        "{}/fixtures/github/pull_request/opened.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_threadline"))
        .args([
            "send",
            &file,
            "--event",
            "pull_request",
            "--delivery",
            "x:replay:7",
        ])
        .args(["--url", "http://127.0.0.1:9/webhooks/github"])
        .env("GITHUB_WEBHOOK_SECRET", "s")
        .output()
        .expect("the threadline binary runs");
    assert_eq!(out.status.code(), Some(2), "a usage error, nothing sent");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not a GUID"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
