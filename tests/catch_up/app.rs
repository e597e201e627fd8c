//! App mode: the App's own hook (`integration`) is read and redelivered
//! with the App's JWT (`/app/hook/deliveries`), a repository hook of an
//! installation with that installation's token.

use super::{nowhere, pr, text};
use std::process::Command;
use std::time::Duration;
use support::app::spawn_app;
use support::app::TestApp;
use support::fake_github::{FakeGithub, APP_KEY_PEM};
use support::wait::eventually;

use super::support;

fn redeliver_as_app(app: &TestApp, fake: &FakeGithub) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_threadline"))
        .arg("redeliver")
        .env_remove("GITHUB_TOKEN")
        .env("GITHUB_APP_ID", fake.app_id().to_string())
        .env(
            "GITHUB_APP_PRIVATE_KEY",
            APP_KEY_PEM.trim_end().replace('\n', "\\n"),
        )
        .env("GITHUB_API_URL", fake.url())
        .env("REDIS_URL", &app.redis_url)
        .env("FAKTORY_URL", &app.faktory_url)
        .env("THREADLINE_NAMESPACE", &app.namespace)
        .output()
        .expect("the threadline binary runs")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_apps_own_hook_is_caught_up_with_its_jwt() {
    let (app, fake) = (spawn_app().await, FakeGithub::start());
    let url = format!("{}/webhooks/github", app.address);
    let hook = fake.add_hook("integration", "", fake.app_id(), &url, &app.secret);
    let mut h = pr(21, "App-made");
    h.opened().comment("ana", "via the app");
    let with_installation = |body: &[u8]| {
        let mut v: serde_json::Value = serde_json::from_slice(body).unwrap();
        v["installation"] = serde_json::json!({"id": 99});
        v.to_string().into_bytes()
    };
    let first = with_installation(&h.events[0].body);
    assert_eq!(
        fake.deliver(hook, h.events[0].name, &h.events[0].delivery, &first)
            .await,
        202
    );
    fake.set_hook_url(hook, &nowhere());
    let lost = &h.events[1];
    fake.deliver(
        hook,
        lost.name,
        &lost.delivery,
        &with_installation(&lost.body),
    )
    .await;
    fake.set_hook_url(hook, &url);

    let out = redeliver_as_app(&app, &fake);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let asked = fake.requests_to("POST", "/app/hook/deliveries/");
    assert_eq!(asked.len(), 1, "{}", text(&out));
    assert_eq!(
        asked[0].auth, "app",
        "the App hook is redelivered with the JWT"
    );
    assert!(fake
        .requests_to("GET", "/app/hook/deliveries")
        .iter()
        .all(|r| r.auth == "app"));
    eventually(
        Duration::from_secs(10),
        "the redelivery arrives",
        || async {
            fake.attempts(hook)
                .iter()
                .any(|a| a.guid == lost.delivery && a.redelivery && a.status == "OK")
        },
    )
    .await;
}
