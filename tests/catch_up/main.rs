//! Catch-up against the fake GitHub, with real Faktory and Redis: `web`
//! down for a burst of deliveries, then the scheduled run (or `threadline
//! redeliver`) has GitHub send each failed one again, and every event is
//! in its thread exactly once.

use threadline_test_support as support;

mod app;
mod chain;
mod decisions;
mod killed;
mod metrics;

use std::process::{Command, Output};
use support::app::TestApp;
use support::fake_github::{FakeGithub, TOKEN};
use support::history::History;
use support::ports::free_port;

pub const REPO: &str = "acme/rocket";
pub const REPO_ID: u64 = 4711;

/// A repository hook of `REPO` on `fake`, sending to `app`, learned by
/// `web` from the ping GitHub sends when a hook is made.
pub async fn hook_of(fake: &FakeGithub, app: &TestApp) -> u64 {
    let url = format!("{}/webhooks/github", app.address);
    let hook = fake.add_hook("repository", REPO, REPO_ID, &url, &app.secret);
    let ping = serde_json::json!({
        "zen": "Keep it logically awesome.",
        "hook_id": hook,
        "hook": {"id": hook, "type": "Repository", "events": ["*"]},
        "repository": {"id": REPO_ID, "full_name": REPO, "name": "rocket", "owner": {"login": "acme"}},
        "sender": {"login": "ana", "type": "User"},
    });
    let code = fake
        .deliver(hook, "ping", "ping-guid", ping.to_string().as_bytes())
        .await;
    assert_eq!(code, 200, "web answers the ping");
    hook
}

/// A URL where nothing listens: `web` is down.
pub fn nowhere() -> String {
    format!("http://127.0.0.1:{}/webhooks/github", free_port())
}

/// `History` of a PR of `REPO`.
pub fn pr(number: u64, title: &str) -> History {
    let mut h = History::new(REPO_ID, number, title);
    h.in_repo(REPO);
    h
}

/// Runs `threadline` with the app's and the fake's environment.
pub fn threadline(app: &TestApp, fake: &FakeGithub, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_threadline"))
        .args(args)
        .env_remove("GITHUB_APP_ID")
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_API_URL", fake.url())
        .env("REDIS_URL", &app.redis_url)
        .env("FAKTORY_URL", &app.faktory_url)
        .env("THREADLINE_NAMESPACE", &app.namespace)
        .output()
        .expect("the threadline binary runs")
}

pub fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}
