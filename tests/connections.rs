//! `web`'s Faktory connections: a pooled connection closed while idle
//! costs one more try on a fresh connection, never a 503; and a test's
//! Faktory is one that answers, never a port someone else took.

use threadline_test_support as support;

use std::time::Duration;
use support::app::TestApp;
use support::fixtures::{distinct, fixture, guid};
use support::proxy::IdleDropProxy;
use support::servers::FaktoryServer;
use support::wait::eventually;

#[tokio::test(flavor = "multi_thread")]
async fn a_delivery_after_a_proxy_dropped_the_pooled_connection_is_queued() {
    let faktory = FaktoryServer::start();
    let proxy = IdleDropProxy::start(faktory.port, Duration::from_millis(300));
    let mut app = TestApp::builder()
        .faktory(&proxy.faktory_url())
        .spawn()
        .await;
    let body = fixture("pull_request/opened.json");

    let first = app.deliver("pull_request", "idle-1", &body).await;
    assert_eq!(first.status(), 202);
    eventually(
        Duration::from_secs(10),
        "the proxy dropped web's idle connection",
        || async { proxy.dropped() >= 1 },
    )
    .await;

    let second = app
        .deliver("pull_request", "idle-2", &distinct(&body, "idle-2"))
        .await;
    assert_eq!(second.status(), 202);
    assert_eq!(second.text().await.unwrap(), "queued");
    // Read the queue directly, not through the proxy.
    app.faktory_url = faktory.url();
    let mut deliveries: Vec<String> = app
        .take_jobs()
        .await
        .iter()
        .map(|j| j.custom["delivery"].as_str().unwrap().to_string())
        .collect();
    deliveries.sort();
    let mut expected = [guid("idle-1"), guid("idle-2")];
    expected.sort();
    assert_eq!(deliveries, expected);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_faktory_whose_port_was_taken_starts_elsewhere_and_answers() {
    // Another server took the port between its pick and Faktory's bind
    // (another test's web or fake Discord, from bind(0)): it accepts
    // connections but never says HI.
    let squatter = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = squatter.local_addr().unwrap().port();
    let faktory = FaktoryServer::start_trying(None, Some(taken));
    assert_ne!(faktory.port, taken, "Faktory could not have bound it");

    let app = TestApp::builder().faktory(&faktory.url()).spawn().await;
    let res = app
        .deliver(
            "pull_request",
            "squatted",
            &fixture("pull_request/opened.json"),
        )
        .await;
    assert_eq!(res.status(), 202);
    assert_eq!(app.queued().await, 1);
}

/// Faktory's own count of its open connections and of the commands it ran.
async fn faktory_load(faktory: &FaktoryServer) -> (u64, u64) {
    let mut client = faktory::Client::connect_to(&faktory.url())
        .await
        .expect("Faktory");
    let server = client.current_info().await.expect("Faktory INFO").server;
    (server.connections, server.command_count)
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_readiness_probes_share_one_check() {
    let faktory = FaktoryServer::start();
    let app = TestApp::builder().faktory(&faktory.url()).spawn().await;
    let (_, commands_before) = faktory_load(&faktory).await;

    let mut probes = tokio::task::JoinSet::new();
    for _ in 0..200 {
        let (http, url) = (app.http.clone(), format!("{}/readyz", app.address));
        probes.spawn(async move { http.get(url).send().await.map(|r| r.status().as_u16()) });
    }
    let statuses = probes.join_all().await;
    assert!(
        statuses.iter().all(|s| matches!(s, Ok(200))),
        "every probe is answered ready: {statuses:?}"
    );

    let (connections, commands_after) = faktory_load(&faktory).await;
    // This INFO's own connection and web's one pooled connection; each
    // probe checking for itself would leave up to 64 pooled, past 64
    // concurrent ones more opened, and two commands (HELLO, INFO) each.
    assert!(connections <= 3, "{connections} Faktory connections open");
    let commands = commands_after - commands_before;
    assert!(
        commands <= 8,
        "{commands} Faktory commands for 200 concurrent probes"
    );
}
