//! Faktory in production mode: `web` and `worker` log in with a password
//! that needs percent-encoding in `FAKTORY_URL`.

use threadline_test_support as support;

use std::time::Duration;
use support::app::TestApp;
use support::fake_discord::FakeDiscord;
use support::fixtures::fixture;
use support::servers::FaktoryServer;
use support::wait::eventually;
use support::worker::WorkerBuilder;

#[tokio::test(flavor = "multi_thread")]
async fn web_and_worker_log_in_with_a_percent_encoded_password() {
    let faktory = FaktoryServer::start_with(Some("p@ss:w/rd %x"));
    assert!(
        faktory.url().contains("%40"),
        "the URL carries the encoded password"
    );
    let discord = FakeDiscord::start();
    let channel = discord.add_text_channel();
    let app = TestApp::builder().faktory(&faktory.url()).spawn().await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    let _worker = WorkerBuilder::new()
        .faktory(&faktory.url())
        .namespace(&app.namespace)
        .discord(&discord, channel)
        .slots(2)
        .spawn();
    let res = app
        .deliver(
            "pull_request",
            "prod-1",
            &fixture("pull_request/opened.json"),
        )
        .await;
    assert_eq!(res.status(), 202);
    eventually(Duration::from_secs(30), "the thread exists", || async {
        discord.threads().len() == 1
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_is_a_503_not_a_2xx() {
    let faktory = FaktoryServer::start_with(Some("right"));
    let app = TestApp::builder()
        .faktory(&format!("tcp://:wrong@127.0.0.1:{}", faktory.port))
        .spawn()
        .await;
    let res = app
        .deliver(
            "pull_request",
            "prod-2",
            &fixture("pull_request/opened.json"),
        )
        .await;
    assert_eq!(res.status(), 503);
    assert_eq!(app.get("/readyz").await.status(), 503);
}
