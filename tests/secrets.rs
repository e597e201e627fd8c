//! Secrets never reach the logs: a full run of the real `web` and `worker`
//! binaries at debug level, with failures on every side, is searched for
//! the webhook secret, the Discord token and the Faktory password.

use threadline_test_support as support;

use std::process::{Command, Stdio};
use std::time::Duration;
use support::fake_discord::{FakeDiscord, Fault, FaultKind, Route};
use support::fixtures::fixture;
use support::fixtures::sign;
use support::servers::{
    free_port, shared_redis_url, unique_namespace, wait_for_port, FaktoryServer,
};
use support::worker::WorkerBuilder;

const WEBHOOK_SECRET: &str = "whsec-SECRET-4711";
const DISCORD_TOKEN: &str = "tok-SECRET-0815";
const FAKTORY_PASSWORD: &str = "fkpw-SECRET-42";

#[tokio::test(flavor = "multi_thread")]
async fn logs_of_a_full_run_contain_no_secret() {
    let faktory = FaktoryServer::start_with(Some(FAKTORY_PASSWORD));
    let discord = FakeDiscord::start();
    let channel = discord.add_text_channel();
    let namespace = unique_namespace();
    let port = free_port();
    let web_log = std::env::temp_dir().join(format!("web-{namespace}.log"));
    let mut web = Command::new(env!("CARGO_BIN_EXE_web"))
        .env("PORT", port.to_string())
        .env("GITHUB_WEBHOOK_SECRET", WEBHOOK_SECRET)
        .env("FAKTORY_URL", faktory.url())
        .env("REDIS_URL", shared_redis_url())
        .env("THREADLINE_NAMESPACE", &namespace)
        .env("RUST_LOG", "debug")
        .stderr(std::fs::File::create(&web_log).unwrap())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_port(port, Duration::from_secs(20));
    discord.inject(Fault {
        route: Route::CreateMessage,
        kind: FaultKind::Status(500),
        times: 1,
    });
    discord.inject(Fault {
        route: Route::StartThreadFromMessage,
        kind: FaultKind::ApiError(401, 0),
        times: 1,
    });
    let mut worker = WorkerBuilder::new()
        .faktory(&faktory.url())
        .namespace(&namespace)
        .discord(&discord, channel)
        .token(DISCORD_TOKEN)
        .slots(2)
        .drain_secs(2)
        .spawn();

    let http = reqwest::Client::new();
    let body = fixture("pull_request/opened.json");
    let url = format!("http://127.0.0.1:{port}/webhooks/github");
    for (delivery, signature) in [
        ("good", sign(WEBHOOK_SECRET, &body)),
        ("forged", sign("nope", &body)),
    ] {
        http.post(&url)
            .header("X-GitHub-Event", "pull_request")
            .header("X-GitHub-Delivery", support::fixtures::guid(delivery))
            .header("X-Hub-Signature-256", signature)
            .body(body.clone())
            .send()
            .await
            .unwrap();
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while worker.child.try_wait().unwrap().is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "the worker did not stop on the 401:\n{}",
            worker.logs()
        );
        faktory.requeue_retries().await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = web.kill();
    let _ = web.wait();

    let logs = std::fs::read_to_string(&web_log).unwrap() + &worker.logs();
    let _ = std::fs::remove_file(&web_log);
    assert!(
        logs.contains(&format!("delivery={}", support::fixtures::guid("good"))),
        "the run was logged:\n{logs}"
    );
    for secret in [WEBHOOK_SECRET, DISCORD_TOKEN, FAKTORY_PASSWORD, "SECRET"] {
        assert!(
            !logs.contains(secret),
            "{secret} leaked into the logs:\n{logs}"
        );
    }
    assert_ne!(worker.wait_exit(Duration::from_secs(1)).code(), Some(0));
}
