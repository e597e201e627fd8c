//! The delivery log and the commands that read it: verified deliveries
//! only, every attempt of a redelivery, the body kept, the cap honoured
//! oldest first, and `replay` (a duplicate without `--force`, performed
//! again once with it).

use threadline_test_support as support;

use std::process::{Command, Output};
use std::time::Duration;
use support::app::TestApp;
use support::fixtures::fixture;
use support::fixtures::{guid, sign};
use support::history::History;
use support::stack::Stack;
use support::wait::eventually;
use threadline::delivery_log::{Attempt, DeliveryLog, Entry, Retention};

fn threadline(args: &[&str], app: &TestApp, faktory_url: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_threadline"))
        .args(args)
        .env("REDIS_URL", &app.redis_url)
        .env("FAKTORY_URL", faktory_url)
        .env("THREADLINE_NAMESPACE", &app.namespace)
        .env("GITHUB_WEBHOOK_SECRET", &app.secret)
        .output()
        .expect("the threadline binary runs")
}

fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

/// Waits until the log shows `n` attempts in all (it is written off the
/// answer's path), and returns its entries.
async fn logged(app: &TestApp, faktory_url: &str, n: usize) -> Vec<serde_json::Value> {
    let mut last = Vec::new();
    eventually(
        Duration::from_secs(10),
        "the delivery log is written",
        || {
            last = json_lines(&threadline(&["deliveries", "--json"], app, faktory_url));
            let attempts: usize = last
                .iter()
                .map(|e| e["attempts"].as_array().map_or(0, Vec::len))
                .sum();
            async move { attempts >= n }
        },
    )
    .await;
    last
}

#[tokio::test(flavor = "multi_thread")]
async fn the_log_keeps_verified_deliveries_with_every_attempt_and_the_body() {
    let app = TestApp::builder().spawn().await;
    let faktory = support::servers::shared_faktory_url();
    let body = fixture("pull_request/opened.json");
    assert_eq!(
        app.deliver("pull_request", "log-1", &body).await.status(),
        202
    );
    assert_eq!(
        app.deliver("pull_request", "log-1", &body).await.status(),
        202
    );
    assert_eq!(
        app.deliver("watch", "log-2", br#"{"action":"started"}"#)
            .await
            .status(),
        202
    );
    let forged = app
        .request("pull_request", "log-forged")
        .header("X-Hub-Signature-256", sign("not the secret", &body))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);

    let list = logged(&app, &faktory, 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let list = if list.len() == 2 {
        json_lines(&threadline(&["deliveries", "--json"], &app, &faktory))
    } else {
        list
    };
    let ids: Vec<&str> = list.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [guid("log-2"), guid("log-1")],
        "newest first, the forgery never stored"
    );
    let one = &list[1];
    let outcomes: Vec<&str> = one["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        ["queued", "duplicate"],
        "a redelivery is another attempt"
    );
    let jid = one["attempts"][0]["jid"].as_str().unwrap().to_string();
    let jobs = app.take_jobs().await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].id().as_ref() as &str, jid, "the log names the job");
    assert_eq!(one["repo"], "Codertocat/Hello-World");

    let shown = json_lines(&threadline(
        &["delivery", &guid("log-1"), "--body", "--json"],
        &app,
        &faktory,
    ));
    assert_eq!(shown[0]["body"].as_str().unwrap().as_bytes(), &body[..]);
    let only_watch = json_lines(&threadline(
        &["deliveries", "--json", "--event", "watch"],
        &app,
        &faktory,
    ));
    assert_eq!(only_watch.len(), 1);
    let unknown = threadline(&["delivery", &guid("nope")], &app, &faktory);
    assert_eq!(unknown.status.code(), Some(1));
    // Not a GUID: never a key of the log's (here, its index).
    let index = threadline(&["delivery", "index"], &app, &faktory);
    assert_eq!(index.status.code(), Some(1));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_log_keeps_within_its_cap_and_age_oldest_first() {
    let redis = support::servers::shared_redis_url();
    let conn = threadline::redis_conn::connect(&redis)
        .await
        .expect("Redis");
    let prefix = format!("threadline:{}:", support::servers::unique_namespace());
    let log = DeliveryLog::new(conn, &prefix);
    let keep = Retention {
        max_bytes: 100_000,
        max_age_ms: 60_000,
    };
    let entry = |id: &str| Entry {
        id: guid(id),
        event: "pull_request".into(),
        hook_id: None,
        content_type: None,
        repo: None,
        action: None,
        attempts: vec![],
    };
    let now = threadline::clock::now_ms();
    let at = |ms: u64| Attempt {
        at_ms: ms,
        outcome: "queued".into(),
        reason: String::new(),
        jid: None,
    };
    let body = vec![b'x'; 30_000];
    log.write(&entry("old"), &at(now - 120_000), &body, keep)
        .await
        .unwrap();
    for i in 0..4 {
        log.write(&entry(&format!("d{i}")), &at(now + i), &body, keep)
            .await
            .unwrap();
    }
    let kept: Vec<String> = log
        .recent(0)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(
        kept,
        [guid("d3"), guid("d2"), guid("d1")],
        "the too-old one and the oldest over the cap went"
    );
    assert!(
        log.body(&guid("d0")).await.unwrap().is_none()
            && log.body(&guid("old")).await.unwrap().is_none()
    );
    // An id that is not a GUID is never written: `x:body` would be x's body.
    let mut forged = entry("d3");
    forged.id = format!("{}:body", guid("d3"));
    assert!(log.write(&forged, &at(now), b"other", keep).await.is_err());
    assert_eq!(log.body(&guid("d3")).await.unwrap(), Some(body.clone()));
}

#[tokio::test(flavor = "multi_thread")]
async fn replay_is_a_duplicate_unless_forced_and_forced_runs_once() {
    let stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    let mut story = History::new(903, 6, "Replayed");
    story.opened().closed(false);
    stack.deliver_all(&story.events).await;
    stack.quiesce().await;
    let faktory = stack.faktory.url();
    let closed = story.events[1].delivery.clone();
    logged(&stack.app, &faktory, 2).await;
    let thread = stack.discord.threads()[0].id;
    let closings = || {
        let texts = stack.discord.messages(thread);
        texts
            .iter()
            .filter(|m| m.content.contains("closed"))
            .count()
    };
    assert_eq!(closings(), 1);

    let again = threadline(&["replay", &closed], &stack.app, &faktory);
    assert_eq!(again.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&again.stdout).contains("duplicate"));
    assert_eq!(stack.app.queued().await, 0, "nothing queued");

    let forced = threadline(&["replay", &closed, "--force"], &stack.app, &faktory);
    assert_eq!(
        forced.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&forced.stderr)
    );
    let said = String::from_utf8_lossy(&forced.stdout).into_owned();
    assert!(said.contains(&format!("{closed}:replay:1")), "{said}");
    stack.quiesce().await;
    assert_eq!(closings(), 2, "performed again, once");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forced_replay_of_a_comment_is_a_second_message_that_follows_edits() {
    let stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    let mut story = History::new(904, 7, "Echoed");
    story.opened().comment("alice", "first words");
    stack.deliver_all(&story.events).await;
    stack.quiesce().await;
    let faktory = stack.faktory.url();
    logged(&stack.app, &faktory, 2).await;
    let comment = story.events[1].delivery.clone();
    let forced = threadline(&["replay", &comment, "--force"], &stack.app, &faktory);
    assert_eq!(
        forced.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&forced.stderr)
    );
    stack.quiesce().await;
    let thread = stack.discord.threads()[0].id;
    let saying = |words: &str| {
        let messages = stack.discord.messages(thread);
        messages
            .iter()
            .filter(|m| m.content.contains(words))
            .count()
    };
    assert_eq!(saying("first words"), 2, "the replay is a second message");

    let id = story.last_comment_id();
    story.events.clear();
    story.comment_edited(id, "alice", "better words");
    stack.deliver_all(&story.events).await;
    stack.quiesce().await;
    assert_eq!(saying("better words"), 2, "the edit reaches every copy");
    assert_eq!(saying("first words"), 0);
}
