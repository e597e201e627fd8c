//! The `threadline` binary as an operator runs it: `send` signs a payload
//! file and posts it to a running `web`; `dead` lists Threadline's dead
//! jobs and `dead retry` brings one back; usage errors exit 2.

use threadline_test_support as support;

use std::process::{Command, Output};
use support::app::spawn_app;
use support::app::TestApp;
use support::fake_discord::{Fault, FaultKind, Route};
use support::history::History;
use support::stack::{Stack, WAIT};
use support::wait::eventually;

fn threadline(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_threadline"));
    cmd.args(args).env_remove("GITHUB_WEBHOOK_SECRET");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the threadline binary runs")
}

/// The environment of a stack's processes, for the commands that read it.
fn stack_env(app: &TestApp, faktory_url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("REDIS_URL", app.redis_url.clone()),
        ("FAKTORY_URL", faktory_url.to_string()),
        ("THREADLINE_NAMESPACE", app.namespace.clone()),
    ]
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn send_signs_a_file_and_web_queues_it() {
    let app = spawn_app().await;
    let file = "fixtures/github/pull_request/opened.json";
    let url = format!("{}/webhooks/github", app.address);
    let args = ["send", file, "--event", "pull_request", "--url", &url];

    let sent = threadline(&args, &[("GITHUB_WEBHOOK_SECRET", &app.secret)]);
    assert_eq!(sent.status.code(), Some(0), "{}", text(&sent.stderr));
    assert!(text(&sent.stdout).contains("202"), "{}", text(&sent.stdout));
    assert_eq!(app.queued().await, 1, "web queued the delivery");

    let wrong = threadline(&args, &[("GITHUB_WEBHOOK_SECRET", "not-the-secret")]);
    assert_eq!(wrong.status.code(), Some(1), "a 401 is a problem");
    assert!(text(&wrong.stdout).contains("401"));
    assert_eq!(app.queued().await, 1, "nothing more queued");
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(threadline(&[], &[]).status.code(), Some(2));
    assert_eq!(threadline(&["frobnicate"], &[]).status.code(), Some(2));
    let no_event = threadline(&["send", "x.json"], &[]);
    assert_eq!(no_event.status.code(), Some(2));
    assert!(text(&no_event.stderr).contains("--event"));
    assert_eq!(threadline(&["help"], &[]).status.code(), Some(0));
}

#[tokio::test(flavor = "multi_thread")]
async fn dead_lists_a_job_made_dead_and_retry_brings_it_back() {
    let stack = Stack::start().await;
    stack.discord.inject(Fault {
        route: Route::CreateMessage,
        kind: FaultKind::ApiError(403, 50013),
        times: 1,
    });
    let _worker = stack.worker().spawn();
    let mut story = History::new(901, 4, "Doomed at first");
    story.opened();
    stack.deliver_all(&story.events).await;
    eventually(WAIT, "the job is dead", || async {
        stack.faktory.set_jobs("dead").await.len() == 1
    })
    .await;
    let env = stack_env(&stack.app, &stack.faktory.url());
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();

    let listed = threadline(&["dead", "--json"], &env);
    assert_eq!(listed.status.code(), Some(0), "{}", text(&listed.stderr));
    let lines: Vec<serde_json::Value> = text(&listed.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["kind"], "pr.opened");
    assert_eq!(lines[0]["delivery"], story.events[0].delivery.as_str());
    assert!(lines[0]["error"].as_str().unwrap().contains("50013"));
    let jid = lines[0]["jid"].as_str().unwrap().to_string();
    let human = threadline(&["dead"], &env);
    assert!(text(&human.stdout).contains(&jid) && text(&human.stdout).contains("pr.opened"));

    let retried = threadline(&["dead", "retry", &jid], &env);
    assert_eq!(retried.status.code(), Some(0), "{}", text(&retried.stderr));
    stack.quiesce().await;
    assert_eq!(
        stack.discord.threads().len(),
        1,
        "performed after the retry"
    );
    assert!(stack.faktory.set_jobs("dead").await.is_empty());
    let after = threadline(&["dead", "--json"], &env);
    assert!(
        text(&after.stdout).trim().is_empty(),
        "{}",
        text(&after.stdout)
    );
}

/// A worker's and web's whole environment for `check`, against `stack`.
fn check_env(stack: &Stack, channel: u64, redis_url: &str) -> Vec<(&'static str, String)> {
    let mut env = stack_env(&stack.app, &stack.faktory.url());
    env.retain(|(k, _)| *k != "REDIS_URL");
    env.extend([
        ("REDIS_URL", redis_url.to_string()),
        ("GITHUB_WEBHOOK_SECRET", "s".to_string()),
        ("DISCORD_TOKEN", "test-token".to_string()),
        ("DISCORD_CHANNEL_ID", channel.to_string()),
        ("DISCORD_API_URL", stack.discord.base_url()),
    ]);
    env
}

fn check(env: &[(&'static str, String)]) -> (Option<i32>, String) {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = threadline(&["check"], &env);
    (out.status.code(), text(&out.stdout) + &text(&out.stderr))
}

#[tokio::test(flavor = "multi_thread")]
async fn check_passes_on_a_working_setup_and_names_each_problem() {
    let stack = Stack::start().await;
    let redis = stack.app.redis_url.clone();
    let (code, out) = check(&check_env(&stack, stack.channel, &redis));
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("noeviction") && out.contains("takes threads"),
        "{out}"
    );
    // The shared test Redis runs without maxmemory (its config is not ours
    // to change): the line says so, with what is used.
    let memory = out
        .lines()
        .find(|l| l.contains("Redis memory: used "))
        .unwrap_or_else(|| panic!("no memory line: {out}"));
    assert!(
        memory.contains(" MB of maxmemory ")
            && (memory.contains("unlimited") || memory.contains("headroom")),
        "{memory}"
    );

    let (code, out) = check(&check_env(&stack, 4242, &redis));
    assert_eq!(code, Some(1), "an unknown channel: {out}");
    assert!(out.contains("FAIL") && out.contains("4242"), "{out}");

    stack.discord.inject(Fault {
        route: Route::GetCurrentUser,
        kind: FaultKind::ApiError(401, 0),
        times: 1,
    });
    let (code, out) = check(&check_env(&stack, stack.channel, &redis));
    assert_eq!(code, Some(1), "a bad token: {out}");
    assert!(out.contains("FAIL  DISCORD_TOKEN"), "{out}");

    let down = format!("redis://127.0.0.1:{}", support::ports::free_port());
    let (code, out) = check(&check_env(&stack, stack.channel, &down));
    assert_eq!(code, Some(1), "a down Redis: {out}");
    assert!(out.contains("FAIL  Redis"), "{out}");
}
