//! A bad config stops `web` and `worker` before they serve or fetch, with
//! a message naming the key; the worker also refuses a routed channel it
//! cannot see or that takes no threads, naming the route.

use super::support::configured::{write_config, Configured};
use super::support::fake_discord::FakeDiscord;
use super::support::servers::{unique_namespace, FaktoryServer};
use super::support::worker::WorkerBuilder;
use super::support::worker::WorkerProcess;
use std::process::{Command, Stdio};
use std::time::Duration;

const BAD: &str = "[[routes]]\nrepo = \"acme/rocket\"\nchanel = \"600000000000000002\"\n";

#[test]
fn web_refuses_a_bad_config_naming_the_key() {
    let path = write_config(BAD);
    let out = Command::new(env!("CARGO_BIN_EXE_web"))
        .env("GITHUB_WEBHOOK_SECRET", "s")
        .env("THREADLINE_CONFIG", &path)
        .env("PORT", "0")
        .env("FAKTORY_URL", "tcp://127.0.0.1:1")
        .env("REDIS_URL", "redis://127.0.0.1:1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("web runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("chanel") && err.contains("line 3"),
        "names the key and line: {err}"
    );
    for (text, key) in [
        ("[filters]\ndrafts = \"later\"\n", "filters.drafts"),
        ("[people]\noctocat = \"me\"\n", "people.\"octocat\""),
        (
            "[[routes]]\nrepo = \"acme\"\nchannel = \"1\"\n",
            "routes[0].repo",
        ),
    ] {
        let path = write_config(text);
        let out = Command::new(env!("CARGO_BIN_EXE_web"))
            .env("GITHUB_WEBHOOK_SECRET", "s")
            .env("THREADLINE_CONFIG", &path)
            .env("PORT", "0")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .output()
            .expect("web runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains(key),
            "{text:?} → {err}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn worker_refuses_a_bad_config_naming_the_key() {
    let c = Configured::start(|_, _| String::new()).await;
    let path = write_config(BAD);
    let mut worker = c
        .worker()
        .envs(&[("THREADLINE_CONFIG", path.display().to_string())])
        .spawn();
    assert_refused(&mut worker, "chanel");
    assert_eq!(c.stack.processed().await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn worker_refuses_routes_to_what_takes_no_threads() {
    let discord = FakeDiscord::start();
    let parent = discord.add_text_channel();
    // A thread is a channel, of type 11: no threads go under it.
    let thread = make_thread(&discord, parent).await;
    let faktory = FaktoryServer::start();
    let refused = |text: String, names: &str| {
        let path = write_config(&text);
        let env = [("THREADLINE_CONFIG", path.display().to_string())];
        let mut worker = WorkerBuilder::new()
            .faktory(&faktory.url())
            .namespace(&unique_namespace())
            .discord(&discord, parent)
            .slots(2)
            .envs(&env)
            .spawn();
        assert_refused(&mut worker, names)
    };
    let logs = refused(
        format!("[[routes]]\nrepo = \"acme/rocket\"\nchannel = \"{thread}\"\n"),
        "routes[0] (acme/rocket)",
    );
    assert!(logs.contains("type 11"), "{logs}");
    refused(
        "[[routes]]\nrepo = \"acme/*\"\nchannel = \"999999999999999999\"\n".into(),
        "routes[0] (acme/*)",
    );
}

fn assert_refused(worker: &mut WorkerProcess, names: &str) -> String {
    let status = worker.wait_exit(Duration::from_secs(20));
    let logs = worker.logs();
    assert!(!status.success(), "the worker must not run: {logs}");
    assert!(logs.contains(names), "the message names {names:?}: {logs}");
    logs
}

/// Starts a thread in `parent` through the fake's own API.
async fn make_thread(discord: &FakeDiscord, parent: u64) -> u64 {
    let base = discord.base_url();
    let http = reqwest::Client::new();
    let post = |url: String, body: serde_json::Value| {
        http.post(url)
            .header("Authorization", "Bot test-token")
            .json(&body)
            .send()
    };
    let msg: serde_json::Value = post(
        format!("{base}/api/v10/channels/{parent}/messages"),
        serde_json::json!({ "content": "starter" }),
    )
    .await
    .expect("the fake answers")
    .json()
    .await
    .expect("a message");
    let id = msg["id"].as_str().expect("message id");
    let thread: serde_json::Value = post(
        format!("{base}/api/v10/channels/{parent}/messages/{id}/threads"),
        serde_json::json!({ "name": "not a parent" }),
    )
    .await
    .expect("the fake answers")
    .json()
    .await
    .expect("a thread");
    thread["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("thread id")
}
