//! `threadline check` reports the GitHub mode and proves the credentials
//! with one call: `GET /rate_limit` for a token, `GET /app` for an App;
//! bad credentials are a problem (exit 1); no credentials is a warning.

use threadline_test_support as support;

use std::process::Command;
use support::fake_github::{FakeGithub, APP_KEY_PEM, TOKEN};
use support::stack::Stack;

fn check(stack: &Stack, github: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_threadline"));
    cmd.arg("check")
        .env_remove("GITHUB_TOKEN")
        .env_remove("GITHUB_APP_ID")
        .env_remove("GITHUB_APP_PRIVATE_KEY")
        .env("REDIS_URL", &stack.app.redis_url)
        .env("FAKTORY_URL", stack.faktory.url())
        .env("THREADLINE_NAMESPACE", &stack.app.namespace)
        .env("GITHUB_WEBHOOK_SECRET", "s")
        .env("DISCORD_TOKEN", "test-token")
        .env("DISCORD_CHANNEL_ID", stack.channel.to_string())
        .env("DISCORD_API_URL", stack.discord.base_url());
    for (k, v) in github {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("the threadline binary runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code(), text)
}

#[tokio::test(flavor = "multi_thread")]
async fn check_names_the_github_mode_and_proves_the_credentials() {
    let stack = Stack::start().await;
    let fake = FakeGithub::start();
    let url = fake.url();

    let (code, out) = check(&stack, &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("warn  GitHub API: off"), "{out}");

    let (code, out) = check(&stack, &[("GITHUB_TOKEN", TOKEN), ("GITHUB_API_URL", &url)]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("ok    GitHub API: token (GITHUB_TOKEN) works (GET /rate_limit"),
        "{out}"
    );
    assert!(!out.contains(TOKEN), "the token was printed: {out}");

    let (code, out) = check(
        &stack,
        &[("GITHUB_TOKEN", "ghp_nope"), ("GITHUB_API_URL", &url)],
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("FAIL  GitHub API") && out.contains("401"),
        "{out}"
    );

    let app_id = fake.app_id().to_string();
    let one_line = APP_KEY_PEM.trim_end().replace('\n', "\\n");
    let app = [
        ("GITHUB_APP_ID", app_id.as_str()),
        ("GITHUB_APP_PRIVATE_KEY", one_line.as_str()),
        ("GITHUB_API_URL", url.as_str()),
    ];
    let (code, out) = check(&stack, &app);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains(&format!(
            "ok    GitHub API: GitHub App {app_id} works (GET /app: threadline-test)"
        )),
        "{out}"
    );
    assert_eq!(
        fake.requests_to("GET", "/app")
            .last()
            .map(|r| r.auth.clone()),
        Some("app".into())
    );
}
