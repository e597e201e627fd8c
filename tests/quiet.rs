//! The Faktory Web UI's *Quiet*, clicked through the UI's own endpoint
//! (`POST /busy`, form fields `wid` and `signal=quiet`): the worker stops
//! fetching, stays up and keeps beating, also across a Faktory restart.
//! *Stop* still drains.

use threadline_test_support as support;

use std::time::{Duration, Instant};
use support::app::TestApp;
use support::fake_discord::FakeDiscord;
use support::fixtures::fixture;
use support::servers::{shared_redis_url, FaktoryServer};
use support::stack::{Stack, WAIT};
use support::wait::eventually;

/// How long a quiet worker must leave pushed jobs alone.
const HANDS_OFF: Duration = Duration::from_secs(10);
const SLOTS: usize = 2;

/// A stack on a private Faktory, in production mode (Web UI behind Basic
/// auth) when `password` is given.
async fn stack_with(password: Option<&str>) -> Stack {
    let faktory = FaktoryServer::start_with(password);
    let discord = FakeDiscord::start();
    let channel = discord.add_text_channel();
    let app = TestApp::builder()
        .faktory(&faktory.url())
        .redis(&shared_redis_url())
        .spawn()
        .await;
    Stack {
        faktory,
        discord,
        channel,
        app,
    }
}

fn ui(stack: &Stack) -> String {
    format!("http://127.0.0.1:{}", stack.faktory.ui_port)
}

fn authed(stack: &Stack, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    match &stack.faktory.password {
        Some(pw) => req.basic_auth("admin", Some(pw)),
        None => req,
    }
}

/// The Web UI's Busy page.
async fn busy_page(stack: &Stack) -> String {
    let req = authed(
        stack,
        reqwest::Client::new().get(format!("{}/busy", ui(stack))),
    );
    let res = req.send().await.expect("the Web UI answers");
    assert_eq!(res.status(), 200, "GET /busy");
    res.text().await.unwrap()
}

/// The Busy page's row of process `wid`, if it is listed.
fn row_of(page: &str, wid: &str) -> Option<String> {
    // The wid's first place is the row's first cell.
    let start = page.find(wid)?;
    let end = page[start..]
        .find("</tr>")
        .map_or(page.len(), |e| start + e);
    Some(page[start..end].to_string())
}

fn shows_quiet(row: &str) -> bool {
    row.contains(">quiet</span>")
}

/// The id of the one worker process on the Busy page, once it is there.
async fn wid_on_busy(stack: &Stack) -> String {
    let wids = |page: &str| -> Vec<String> {
        page.split("name=\"wid\" value=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .filter(|wid| *wid != "all")
            .map(String::from)
            .collect()
    };
    let found = std::cell::RefCell::new(Vec::new());
    eventually(WAIT, "one worker process on /busy", || async {
        *found.borrow_mut() = wids(&busy_page(stack).await);
        found.borrow().len() == 1
    })
    .await;
    found.into_inner().remove(0)
}

/// Clicks *Quiet* (`quiet`) or *Stop* (`terminate`) on the row of `wid`,
/// as the Busy page's form does.
async fn click(stack: &Stack, wid: &str, signal: &str) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // A browser sends its Origin; the UI's cross-origin check wants it to
    // match the UI's own (no CSRF token since Faktory 1.9).
    let req = http
        .post(format!("{}/busy", ui(stack)))
        .header("Origin", ui(stack))
        .form(&[("wid", wid), ("signal", signal)]);
    let res = authed(stack, req).send().await.expect("the Web UI answers");
    assert_eq!(
        res.status(),
        302,
        "the UI takes the signal and shows /busy again"
    );
}

/// Waits until every slot of the worker has stopped fetching.
async fn all_slots_quiet(worker: &support::worker::WorkerProcess) {
    eventually(WAIT, "every slot quiet", || async {
        worker.logs().matches("quiet, fetching no more").count() == SLOTS
    })
    .await;
    assert!(
        worker
            .logs()
            .contains("Faktory asked this worker to be quiet"),
        "{}",
        worker.logs()
    );
}

/// Delivers `n` PR events; returns how many jobs wait in the queues.
async fn push_jobs(stack: &Stack, tag: &str, n: usize) -> u64 {
    let body = fixture("pull_request/opened.json");
    for i in 0..n {
        let delivery = format!("{tag}-{i}");
        // `web` may hold a connection from before a Faktory restart; a
        // redelivery of the same GUID is idempotent.
        eventually(WAIT, "web queues the delivery", || async {
            let body = support::fixtures::distinct(&body, &delivery);
            let res = stack.app.deliver("pull_request", &delivery, &body).await;
            res.status() == 202
        })
        .await;
    }
    stack.app.queued().await
}

/// Delivers `n` PR events to a quiet worker; returns how many jobs wait.
async fn push_jobs_to_quiet(stack: &Stack, tag: &str, n: usize) -> u64 {
    let queued = push_jobs(stack, tag, n).await;
    assert!(queued > 0, "{n} deliveries left no job queued");
    queued
}

/// Jobs Faktory has handed out and not yet seen ACKed or FAILed.
async fn working(stack: &Stack) -> u64 {
    let mut storage = stack.faktory.storage().await;
    redis::cmd("ZCARD")
        .arg("working")
        .query_async(&mut storage)
        .await
        .unwrap()
}

/// For `HANDS_OFF`, the `queued` jobs stay queued, none is reserved or
/// done, nothing reaches Discord, and the worker process stays up.
async fn nothing_fetched(stack: &Stack, worker: &mut support::worker::WorkerProcess, queued: u64) {
    let (processed, requests) = (stack.processed().await, stack.discord.requests().len());
    let start = Instant::now();
    while start.elapsed() < HANDS_OFF {
        assert_eq!(stack.app.queued().await, queued, "a quiet worker fetched");
        assert_eq!(working(stack).await, 0, "a quiet worker reserved a job");
        assert!(
            worker.child.try_wait().unwrap().is_none(),
            "a quiet worker exited:\n{}",
            worker.logs()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(stack.processed().await, processed);
    assert_eq!(stack.discord.requests().len(), requests);
}

#[tokio::test(flavor = "multi_thread")]
async fn quiet_from_the_web_ui_stops_fetching_and_the_worker_stays_up() {
    // Production mode: the UI wants Basic auth, Faktory a password hash.
    let stack = stack_with(Some("quietly2")).await;
    let mut worker = stack.worker().slots(SLOTS).spawn();
    let wid = wid_on_busy(&stack).await;
    assert!(worker.logs().contains(&format!("worker {wid} fetching")));

    // It fetches before the click.
    push_jobs(&stack, "before", 1).await;
    stack.quiesce().await;
    assert_eq!(stack.discord.threads().len(), 1);

    click(&stack, &wid, "quiet").await;
    all_slots_quiet(&worker).await;
    let row = row_of(&busy_page(&stack).await, &wid).expect("the worker on /busy");
    assert!(shows_quiet(&row), "{row}");

    let queued = push_jobs_to_quiet(&stack, "after", 3).await;
    nothing_fetched(&stack, &mut worker, queued).await;
    let row = row_of(&busy_page(&stack).await, &wid).expect("still on /busy");
    assert!(shows_quiet(&row), "{row}");

    // A quiet worker still drains and exits 0 on SIGTERM.
    worker.signal("TERM");
    assert!(worker.wait_exit(Duration::from_secs(15)).success());
}

#[tokio::test(flavor = "multi_thread")]
async fn quiet_survives_a_faktory_restart() {
    let mut stack = stack_with(None).await;
    let mut worker = stack.worker().slots(SLOTS).spawn();
    let wid = wid_on_busy(&stack).await;
    click(&stack, &wid, "quiet").await;
    all_slots_quiet(&worker).await;

    // The restarted Faktory has no memory of the process: only the worker's
    // own BEAT (`current_state: quiet`) can show it quiet again.
    stack.faktory.restart();
    eventually(WAIT, "the worker back on /busy, quiet", || async {
        row_of(&busy_page(&stack).await, &wid).is_some_and(|row| shows_quiet(&row))
    })
    .await;

    let queued = push_jobs_to_quiet(&stack, "after-restart", 2).await;
    nothing_fetched(&stack, &mut worker, queued).await;
    assert!(worker.logs().contains("heartbeat: lost Faktory"));
}

#[tokio::test(flavor = "multi_thread")]
async fn stop_from_the_web_ui_still_drains_and_exits_zero() {
    let stack = stack_with(None).await;
    let mut worker = stack.worker().slots(SLOTS).spawn();
    let wid = wid_on_busy(&stack).await;
    click(&stack, &wid, "terminate").await;
    assert!(worker.wait_exit(WAIT).success(), "{}", worker.logs());
    assert!(worker
        .logs()
        .contains("Faktory asked this worker to stop (Web UI): draining"));
}
