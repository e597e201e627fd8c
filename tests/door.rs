//! The door under hostile traffic, at a reduced scale: the in-flight body
//! budget, the body deadline, refusals made from the headers alone, and a
//! large genuine delivery. Raw TCP where the test must control how a
//! request's bytes are sent; no timing thresholds (`bin/door-bench` has
//! the figures).

use threadline_test_support as support;

use std::future::Future;
use std::time::Duration;
use support::app::spawn_app;
use support::app::TestApp;
use support::fixtures::fixture;
use support::fixtures::{guid, sign};
use support::raw::{
    chunk, connect, github_headers, made_up_signature, post_head, read_response, until_closed,
    RawResponse,
};
use support::wait::join_all;
use threadline::settings::DoorSettings;
use threadline_jobs::{decode, PrOpened};
use tokio::io::AsyncWriteExt;

/// Fails a test that hangs instead of waiting for ever; not a timing check.
async fn within<T>(what: &str, fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), fut)
        .await
        .unwrap_or_else(|_| panic!("still waiting after 60 s: {what}"))
}

/// A `pull_request` `opened` payload padded to exactly `len` bytes.
fn opened_of_len(len: usize) -> Vec<u8> {
    let mut v: serde_json::Value =
        serde_json::from_slice(&fixture("pull_request/opened.json")).unwrap();
    v["padding"] = "".into();
    let bare = serde_json::to_vec(&v).unwrap().len();
    v["padding"] = "x".repeat(len - bare).into();
    let body = serde_json::to_vec(&v).unwrap();
    assert_eq!(body.len(), len);
    body
}

fn assert_closing_refusal(res: &RawResponse, status: u16) {
    assert_eq!(res.status, status, "{res:?}");
    assert_eq!(
        res.headers.get("connection").map(String::as_str),
        Some("close")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bodies_that_do_not_fit_the_budget_get_503_before_they_are_sent() {
    let app = TestApp::builder()
        .door(DoorSettings {
            max_inflight_body: 8 << 20,
            ..DoorSettings::default()
        })
        .spawn()
        .await;
    // Four bodies of their own: one body is one delivery, whatever its id.
    let bodies: Vec<Vec<u8>> = (0..4).map(|i| opened_of_len(4_000_000 + i)).collect();
    // Four 4 MB deliveries announce themselves at once; no body byte is sent.
    let (answers, mut answered) = tokio::sync::mpsc::unbounded_channel();
    let mut writers = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        let mut stream = connect(&app.address).await;
        let sig = sign(&app.secret, body);
        let head = post_head(
            "/webhooks/github",
            &github_headers(&format!("big-{i}"), Some(body.len()), Some(sig)),
        );
        stream.write_all(&head).await.unwrap();
        let (mut reader, writer) = stream.into_split();
        writers.push(Some(writer));
        let answers = answers.clone();
        tokio::spawn(async move {
            let res = read_response(&mut reader).await;
            answers.send((i, res, reader)).unwrap();
        });
    }
    // Two fit (8,000,000 of 8 MiB); the other two are refused unsent.
    for _ in 0..2 {
        let (i, res, mut reader) = within("a 503", answered.recv()).await.unwrap();
        assert_closing_refusal(&res, 503);
        assert_eq!(
            res.headers.get("retry-after").map(String::as_str),
            Some("1")
        );
        within("the refused connection closes", until_closed(&mut reader)).await;
        writers[i] = None;
    }
    // A genuine small delivery still fits what is left of the budget.
    let res = app
        .deliver(
            "pull_request",
            "small",
            &fixture("pull_request/opened.json"),
        )
        .await;
    assert_eq!(res.status(), 202);
    // The two admitted ones were waiting for their bodies all along.
    for (writer, body) in writers.iter_mut().zip(&bodies) {
        if let Some(writer) = writer {
            writer.write_all(body).await.unwrap();
        }
    }
    for _ in 0..2 {
        let (_, res, _) = within("an admitted 202", answered.recv()).await.unwrap();
        assert_eq!(res.status, 202, "{res:?}");
    }
    let delivered: Vec<String> = app
        .take_jobs()
        .await
        .iter()
        .map(|j| decode::<PrOpened>(j.args()).unwrap().delivery.id)
        .collect();
    assert_eq!(delivered.len(), 3, "{delivered:?}");
    assert!(delivered.contains(&guid("small")), "{delivered:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_bodies_give_back_their_share_to_deliveries_that_arrive_at_once() {
    let app = TestApp::builder()
        .door(DoorSettings {
            max_inflight_body: 8 << 20,
            body_timeout: Duration::from_secs(120),
            ..DoorSettings::default()
        })
        .spawn()
        .await;
    // Two slow clients declare 4 MB each, all the budget, and send a byte.
    let mut slow = Vec::new();
    for i in 0..2 {
        let mut stream = connect(&app.address).await;
        let delivery = format!("slow-{i}");
        let headers = github_headers(&delivery, Some(4_000_000), made_up_signature());
        stream
            .write_all(&post_head("/webhooks/github", &headers))
            .await
            .unwrap();
        stream.write_all(b"{").await.unwrap();
        slow.push(stream);
    }
    // A 4 MB delivery that arrives at once fits as soon as they gave back
    // what they do not hold; their body deadline is far away.
    let body = opened_of_len(4_000_000);
    let mut attempt = 0;
    support::wait::eventually(
        Duration::from_secs(30),
        "a 202 beside the slow bodies",
        || {
            attempt += 1;
            let (app, body) = (&app, &body);
            async move {
                let res = app
                    .deliver("pull_request", &format!("fast-{attempt}"), body)
                    .await;
                assert!(
                    [202, 503].contains(&res.status().as_u16()),
                    "{}",
                    res.status()
                );
                res.status() == 202
            }
        },
    )
    .await;
    drop(slow);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trickled_body_gets_408_and_its_connection_is_closed() {
    let app = TestApp::builder()
        .door(DoorSettings {
            body_timeout: Duration::from_secs(2),
            ..DoorSettings::default()
        })
        .spawn()
        .await;
    let mut stream = connect(&app.address).await;
    let head = post_head(
        "/webhooks/github",
        &github_headers("slow", Some(100), made_up_signature()),
    );
    stream.write_all(&head).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    // One byte every half second: the 100 bytes would take 50 s.
    let trickle = tokio::spawn(async move {
        for _ in 0..100 {
            if writer.write_all(b" ").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    });
    let res = within("the 408", read_response(&mut reader)).await;
    assert_closing_refusal(&res, 408);
    within("the connection closes", until_closed(&mut reader)).await;
    trickle.abort();
    assert_eq!(app.queued().await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_chunked_body_that_overflows_the_budget_gets_503() {
    let app = TestApp::builder()
        .door(DoorSettings {
            max_inflight_body: 2 << 20,
            ..DoorSettings::default()
        })
        .spawn()
        .await;
    let mut stream = connect(&app.address).await;
    let head = post_head(
        "/webhooks/github",
        &github_headers("endless", None, made_up_signature()),
    );
    stream.write_all(&head).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    // Up to 8 MiB in 64 KiB chunks, never terminated.
    let flood = tokio::spawn(async move {
        let piece = chunk(&[b' '; 64 * 1024]);
        for _ in 0..128 {
            if writer.write_all(&piece).await.is_err() {
                return;
            }
        }
    });
    let res = within("the 503", read_response(&mut reader)).await;
    assert_closing_refusal(&res, 503);
    assert!(res.headers.contains_key("retry-after"));
    within("the connection closes", until_closed(&mut reader)).await;
    flood.abort();
    assert_eq!(app.queued().await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_http_client_still_sending_its_body_reads_the_503() {
    // reqwest, like most clients, sends the whole body before it reads:
    // web must not reset the connection under it.
    let app = TestApp::builder()
        .door(DoorSettings {
            max_inflight_body: 2 << 20,
            ..DoorSettings::default()
        })
        .spawn()
        .await;
    let body = opened_of_len(16_000_000);
    for i in 0..2 {
        let res = app
            .request("pull_request", &format!("too-big-{i}"))
            .header("X-Hub-Signature-256", sign(&app.secret, &body))
            .body(body.clone())
            .send()
            .await
            .expect("an answer, not a reset");
        assert_eq!(res.status(), 503);
    }
    assert_eq!(app.queued().await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_20_mb_delivery_alone_is_accepted_and_queued() {
    let app = spawn_app().await;
    let body = opened_of_len(20_000_000);
    let res = app.deliver("pull_request", "large", &body).await;
    assert_eq!(res.status(), 202);
    let jobs = app.take_jobs().await;
    assert_eq!(jobs.len(), 1);
    let job: PrOpened = decode(jobs[0].args()).unwrap();
    assert_eq!(job.delivery.id, guid("large"));
    let payload: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        job.pr.title,
        payload["pull_request"]["title"].as_str().unwrap()
    );
}

/// Sends `head` alone and returns the answer, once the connection closed.
async fn refused_unsent(app: &TestApp, head: Vec<u8>) -> RawResponse {
    let mut stream = connect(&app.address).await;
    stream.write_all(&head).await.unwrap();
    let res = within("an answer from the headers", read_response(&mut stream)).await;
    within("the connection closes", until_closed(&mut stream)).await;
    res
}

#[tokio::test(flavor = "multi_thread")]
async fn refusals_from_the_headers_alone_come_first_and_close_the_connection() {
    let app = spawn_app().await;
    let hook = "/webhooks/github";
    let over_cap = 25 * 1024 * 1024 + 1;
    let get = b"GET /webhooks/github HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n".to_vec();
    let cases = [
        (
            "wrong path",
            post_head("/elsewhere", &github_headers("a", Some(1000), None)),
            404,
        ),
        ("wrong method", get, 404),
        (
            "no signature",
            post_head(hook, &github_headers("b", Some(1000), None)),
            401,
        ),
        (
            "malformed",
            post_head(
                hook,
                &github_headers("c", Some(1000), Some("sha256=zz".into())),
            ),
            401,
        ),
        (
            "chunked, no signature",
            post_head(hook, &github_headers("d", None, None)),
            401,
        ),
        (
            "over the cap",
            post_head(
                hook,
                &github_headers("e", Some(over_cap), made_up_signature()),
            ),
            413,
        ),
        (
            "over the cap, no signature",
            post_head(hook, &github_headers("f", Some(over_cap), None)),
            413,
        ),
    ];
    let answers = join_all(
        cases
            .iter()
            .map(|(_, head, _)| refused_unsent(&app, head.clone())),
    )
    .await;
    for ((name, _, status), res) in cases.iter().zip(answers) {
        assert_eq!(res.status, *status, "{name}: {res:?}");
        assert_eq!(
            res.headers.get("connection").map(String::as_str),
            Some("close"),
            "{name}"
        );
    }
    assert_eq!(app.queued().await, 0);
}
