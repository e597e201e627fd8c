//! The `web` receiver against real Faktory and Redis: what it queues, what
//! it refuses, and that a refusal leaves no trace (beyond the delivery
//! log's record of a verified delivery, which is what an operator reads).

use threadline_test_support as support;

use support::app::spawn_app;
use support::app::TestApp;
use support::fixtures::fixture;
use support::fixtures::{guid, sign};
use support::wait::join_all;
use threadline_jobs::{decode, PrOpened};

async fn assert_no_trace(app: &TestApp) {
    assert_eq!(app.queued().await, 0, "nothing may be queued");
    let prefix = format!("threadline:{}:log:", app.namespace);
    let remembered: Vec<String> = app
        .redis_keys()
        .await
        .into_iter()
        .filter(|k| !k.starts_with(&prefix))
        .collect();
    assert!(
        remembered.is_empty(),
        "nothing may be remembered: {remembered:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn signed_pr_opened_queues_one_typed_job() {
    let app = spawn_app().await;
    let body = fixture("pull_request/opened.json");
    let res = app.deliver("pull_request", "d-1", &body).await;
    assert_eq!(res.status(), 202);

    let jobs = app.take_jobs().await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].kind(), "pr.opened");
    let job: PrOpened = decode(jobs[0].args()).unwrap();
    let payload: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(job.delivery.id, guid("d-1"));
    assert_eq!(job.delivery.hook_id.as_deref(), Some("4242"));
    assert_eq!(job.repo.id, payload["repository"]["id"].as_u64().unwrap());
    assert_eq!(
        job.pr.number,
        payload["pull_request"]["number"].as_u64().unwrap()
    );
    assert_eq!(
        job.pr.title,
        payload["pull_request"]["title"].as_str().unwrap()
    );
    assert_eq!(
        job.pr.author,
        payload["pull_request"]["user"]["login"].as_str().unwrap()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sequential_duplicate_is_acknowledged_but_not_queued_again() {
    let app = spawn_app().await;
    let body = fixture("pull_request/opened.json");
    assert_eq!(
        app.deliver("pull_request", "dup", &body).await.status(),
        202
    );
    support::wait::eventually(
        std::time::Duration::from_secs(5),
        "delivery marked",
        || async {
            app.redis_keys()
                .await
                .iter()
                .any(|k| k.contains("delivery:"))
        },
    )
    .await;
    let again = app.deliver("pull_request", "dup", &body).await;
    assert_eq!(again.status(), 202);
    assert_eq!(again.text().await.unwrap(), "duplicate");
    assert_eq!(app.queued().await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_copies_are_all_acknowledged() {
    let app = spawn_app().await;
    let body = fixture("pull_request/opened.json");
    let sends = (0..8).map(|_| app.deliver("pull_request", "same", &body));
    for res in join_all(sends).await {
        assert_eq!(res.status(), 202);
    }
    // Redundant jobs are allowed (the worker's guards hold); none lost.
    let queued = app.queued().await;
    assert!((1..=8).contains(&queued), "queued {queued}");
}

#[tokio::test(flavor = "multi_thread")]
async fn forged_or_missing_signatures_get_401_and_leave_no_trace() {
    let app = spawn_app().await;
    let body = fixture("pull_request/opened.json");
    let good = sign(&app.secret, &body);
    let sha1_only = app.request("pull_request", "s1").header(
        "X-Hub-Signature",
        "sha1=0123456789abcdef0123456789abcdef01234567",
    );
    let cases: Vec<(&str, reqwest::RequestBuilder)> = vec![
        ("missing", app.request("pull_request", "m")),
        ("sha1 only", sha1_only),
        (
            "wrong secret",
            app.request("pull_request", "w")
                .header("X-Hub-Signature-256", sign("nope", &body)),
        ),
        (
            "truncated",
            app.request("pull_request", "t")
                .header("X-Hub-Signature-256", &good[..40]),
        ),
        (
            "no prefix",
            app.request("pull_request", "p")
                .header("X-Hub-Signature-256", &good[7..]),
        ),
        (
            "non-hex",
            app.request("pull_request", "h")
                .header("X-Hub-Signature-256", format!("sha256={}", "z".repeat(64))),
        ),
        (
            "empty",
            app.request("pull_request", "e")
                .header("X-Hub-Signature-256", ""),
        ),
        (
            "duplicated",
            app.request("pull_request", "dd")
                .header("X-Hub-Signature-256", &good)
                .header("X-Hub-Signature-256", &good),
        ),
    ];
    for (name, req) in cases {
        let res = req.body(body.clone()).send().await.unwrap();
        assert_eq!(res.status(), 401, "{name}");
    }
    // Signed over the same JSON re-serialized: the HMAC covers the raw bytes.
    let reserialized =
        serde_json::to_vec(&serde_json::from_slice::<serde_json::Value>(&body).unwrap()).unwrap();
    let res = app
        .request("pull_request", "r")
        .header("X-Hub-Signature-256", sign(&app.secret, &reserialized))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "signature over re-serialized JSON");
    let mut tampered = body.clone();
    tampered[10] ^= 1;
    let res = app
        .request("pull_request", "x")
        .header("X-Hub-Signature-256", &good)
        .body(tampered)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "tampered body");
    assert_no_trace(&app).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn form_encoded_deliveries_are_accepted() {
    let app = spawn_app().await;
    let json = String::from_utf8(fixture("pull_request/opened.json")).unwrap();
    let form = serde_urlencoded::to_string([("payload", json)]).unwrap();
    let res = app
        .request("pull_request", "form-1")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("X-Hub-Signature-256", sign(&app.secret, form.as_bytes()))
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    assert_eq!(app.take_jobs().await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn oversize_bodies_get_413() {
    let app = spawn_app().await;
    let body = vec![b' '; 25 * 1024 * 1024 + 1];
    let res = app
        .request("pull_request", "big")
        .header("X-Hub-Signature-256", sign(&app.secret, &body))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    assert_no_trace(&app).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_bodies_and_headers_get_400() {
    let app = spawn_app().await;
    let cases: Vec<(&str, &str, Vec<u8>)> = vec![
        ("pull_request", "invalid json", b"{not json".to_vec()),
        (
            "pull_request",
            "invalid utf-8",
            vec![b'{', 0xff, 0xfe, b'}'],
        ),
        (
            "pull_request",
            "deep nesting",
            ("[".repeat(10_000) + &"]".repeat(10_000)).into_bytes(),
        ),
        (
            "pull_request",
            "no pull_request",
            br#"{"action":"opened","repository":{"id":1,"full_name":"o/r"}}"#.to_vec(),
        ),
        (
            "pull_request",
            "number as string",
            br#"{"action":"opened","pull_request":{"number":"x"}}"#.to_vec(),
        ),
        (
            "push",
            "invalid json on an unhandled event",
            b"nope".to_vec(),
        ),
        (
            "issue_comment",
            "comment without issue",
            br#"{"action":"created","comment":{}}"#.to_vec(),
        ),
        (
            "pull_request_review",
            "review state as number",
            br#"{"action":"submitted","review":{"state":1}}"#.to_vec(),
        ),
    ];
    for (event, name, body) in cases {
        let res = app.deliver(event, name, &body).await;
        assert_eq!(res.status(), 400, "{name}");
    }
    let body = fixture("pull_request/opened.json");
    let no_event = app
        .http
        .post(format!("{}/webhooks/github", app.address))
        .header("X-GitHub-Delivery", guid("x"))
        .header("X-Hub-Signature-256", sign(&app.secret, &body))
        .body(body.clone());
    assert_eq!(no_event.send().await.unwrap().status(), 400);
    let no_delivery = app
        .http
        .post(format!("{}/webhooks/github", app.address))
        .header("X-GitHub-Event", "pull_request")
        .header("X-Hub-Signature-256", sign(&app.secret, &body))
        .body(body);
    assert_eq!(no_delivery.send().await.unwrap().status(), 400);
    assert_no_trace(&app).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ping_unknown_events_and_unknown_actions_queue_nothing() {
    let app = spawn_app().await;
    assert_eq!(
        app.deliver("ping", "p", &fixture("ping/ping.json"))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.deliver("push", "u", &fixture("push/push.json"))
            .await
            .status(),
        202
    );
    let mut labeled: serde_json::Value =
        serde_json::from_slice(&fixture("pull_request/opened.json")).unwrap();
    labeled["action"] = "some_future_action".into();
    let body = serde_json::to_vec(&labeled).unwrap();
    assert_eq!(app.deliver("pull_request", "f", &body).await.status(), 202);
    assert_no_trace(&app).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_of_many_small_fields_is_handled() {
    let app = spawn_app().await;
    let mut v: serde_json::Value =
        serde_json::from_slice(&fixture("pull_request/opened.json")).unwrap();
    let extra: serde_json::Map<String, serde_json::Value> =
        (0..200_000).map(|i| (format!("f{i}"), i.into())).collect();
    v["extra"] = extra.into();
    let res = app
        .deliver("pull_request", "many", &serde_json::to_vec(&v).unwrap())
        .await;
    assert_eq!(res.status(), 202);
    assert_eq!(app.take_jobs().await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn health_and_readiness() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(app.get("/readyz").await.status(), 200);
}
