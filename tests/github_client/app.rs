//! App mode: the JWT the fake verifies with the App's public key, one
//! installation token minted and shared by two processes, and a new one
//! minted when the cached one comes within 5 minutes of its expiry.

use super::{client, FakeGithub};
use std::time::Duration;
use support::servers::unique_namespace;
use threadline::github::As;

use super::support;

#[tokio::test(flavor = "multi_thread")]
async fn the_app_jwt_is_accepted_for_the_app_itself() {
    let fake = FakeGithub::start();
    let gh = client(&fake, true, &unique_namespace()).await;
    let app: serde_json::Value = gh.get_json("/app", As::App).await.unwrap();
    assert_eq!(app["slug"], "threadline-test");
    assert_eq!(fake.requests()[0].auth, "app");
}

#[tokio::test(flavor = "multi_thread")]
async fn one_installation_token_is_minted_and_shared_by_two_processes() {
    let fake = FakeGithub::start();
    let ns = unique_namespace();
    let (one, two) = (
        client(&fake, true, &ns).await,
        client(&fake, true, &ns).await,
    );
    let who = one.for_installation(Some(77)).unwrap();
    assert_eq!(who, As::Installation(77));
    let (a, b) = tokio::join!(
        one.get_json::<serde_json::Value>("/rate_limit", who),
        two.get_json::<serde_json::Value>("/rate_limit", who),
    );
    a.unwrap();
    b.unwrap();
    let _: serde_json::Value = two.get_json("/rate_limit", who).await.unwrap();
    assert_eq!(fake.minted().len(), 1, "minted once for both processes");
    let uses: Vec<_> = fake.requests_to("GET", "/rate_limit");
    assert!(uses.iter().all(|r| r.auth == "installation:77"), "{uses:?}");
    // Another installation has a token of its own.
    let _: serde_json::Value = one
        .get_json("/rate_limit", As::Installation(78))
        .await
        .unwrap();
    assert_eq!(fake.minted().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_is_renewed_five_minutes_before_it_expires() {
    let fake = FakeGithub::start();
    // Tokens that come within 5 minutes of expiry 2 s after minting.
    fake.set_token_lifetime(Duration::from_secs(5 * 60 + 2));
    let gh = client(&fake, true, &unique_namespace()).await;
    let who = As::Installation(5);
    let _: serde_json::Value = gh.get_json("/rate_limit", who).await.unwrap();
    let _: serde_json::Value = gh.get_json("/rate_limit", who).await.unwrap();
    assert_eq!(fake.minted().len(), 1, "cached while far from expiry");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let _: serde_json::Value = gh.get_json("/rate_limit", who).await.unwrap();
    let minted = fake.minted();
    assert_eq!(minted.len(), 2, "renewed once within 5 minutes of expiry");
    assert_ne!(minted[0].1, minted[1].1);
    assert_eq!(fake.requests().last().unwrap().auth, "installation:5");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_is_not_accepted_for_app_routes_and_app_mode_needs_an_installation() {
    let fake = FakeGithub::start();
    let app = client(&fake, true, &unique_namespace()).await;
    assert!(app.for_installation(None).is_err());
    let token = client(&fake, false, &unique_namespace()).await;
    assert_eq!(token.for_installation(Some(3)).unwrap(), As::Token);
}
