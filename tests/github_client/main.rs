//! Threadline's GitHub REST client against the fake GitHub, with real
//! Redis: the headers it sends, pagination, limits shared by processes
//! (two clients on their own Redis connections stand for two processes),
//! paced writes, and App auth with installation tokens.

use threadline_test_support as support;

mod app;
mod limits;

use support::fake_github::{FakeGithub, APP_KEY_PEM, TOKEN};
use support::servers::{shared_redis_url, unique_namespace};
use threadline::github::{As, GitHub, GithubError};
use threadline::metrics::Metrics;
use threadline::settings::{GithubAuth, GithubSettings, Secret};

/// Settings pointing at `fake` in token or App mode.
fn settings(fake: &FakeGithub, app: bool) -> GithubSettings {
    let auth = if app {
        GithubAuth::App {
            app_id: fake.app_id().to_string(),
            private_key: Secret(APP_KEY_PEM.to_string()),
        }
    } else {
        GithubAuth::Token(Secret(TOKEN.to_string()))
    };
    GithubSettings {
        auth: Some(auth),
        api_url: fake.url(),
        catch_up_every: None,
        backfill_auto: false,
    }
}

/// A client with its own Redis connection under `namespace`: what one
/// process has.
async fn client(fake: &FakeGithub, app: bool, namespace: &str) -> GitHub {
    let redis = threadline::redis_conn::connect(&shared_redis_url())
        .await
        .expect("Redis of bin/test");
    let prefix = format!("threadline:{namespace}:");
    GitHub::from_settings(&settings(fake, app), redis, &prefix)
        .expect("client builds")
        .expect("credentials are configured")
}

#[tokio::test(flavor = "multi_thread")]
async fn every_request_says_who_and_which_version_and_is_counted() {
    let fake = FakeGithub::start();
    let metrics = Metrics::new().unwrap();
    let gh = client(&fake, false, &unique_namespace())
        .await
        .with_metrics(metrics.clone());
    let limits: serde_json::Value = gh.get_json("/rate_limit", As::Token).await.unwrap();
    assert_eq!(limits["rate"]["limit"], 5000);
    let seen = &fake.requests()[0];
    assert_eq!(seen.auth, "token");
    assert_eq!(seen.accept, "application/vnd.github+json");
    assert_eq!(seen.api_version, "2022-11-28");
    assert!(
        seen.user_agent.starts_with("threadline/"),
        "{}",
        seen.user_agent
    );
    let text = metrics.render();
    assert!(
        text.contains(r#"threadline_github_requests_total{route="/rate_limit",status="200"} 1"#),
        "{text}"
    );
    assert!(
        text.contains("threadline_github_rate_limit_remaining 4999"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_token_is_refused_and_never_logged_or_printed() {
    let fake = FakeGithub::start();
    let mut s = settings(&fake, false);
    s.auth = Some(GithubAuth::Token(Secret("ghp_wrong_secret_value".into())));
    let redis = threadline::redis_conn::connect(&shared_redis_url())
        .await
        .unwrap();
    let gh = GitHub::from_settings(&s, redis, "threadline:x:")
        .unwrap()
        .unwrap();
    let e = gh
        .get_json::<serde_json::Value>("/rate_limit", As::Token)
        .await
        .unwrap_err();
    assert!(matches!(e, GithubError::Refused { status: 401, .. }), "{e}");
    assert!(!e.to_string().contains("ghp_wrong"), "{e}");
    assert!(!format!("{s:?}").contains("ghp_wrong"));
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_are_followed_by_their_link_past_one_hundred() {
    let fake = FakeGithub::start();
    let pulls = (1..=250)
        .map(|n| support::fake_github::pull_request("acme/rocket", 9, n, &format!("PR {n}"), "ana"))
        .collect();
    fake.add_pulls("acme/rocket", pulls);
    let gh = client(&fake, false, &unique_namespace()).await;
    let mut path =
        "/repos/acme/rocket/pulls?state=open&sort=created&direction=asc&per_page=100".to_string();
    let mut numbers = Vec::new();
    loop {
        let page = gh
            .get_page::<serde_json::Value>(&path, As::Token)
            .await
            .unwrap();
        numbers.extend(page.items.iter().map(|p| p["number"].as_u64().unwrap()));
        match page.next {
            Some(next) => path = next,
            None => break,
        }
    }
    assert_eq!(numbers, (1..=250).collect::<Vec<_>>());
    assert_eq!(fake.requests().len(), 3, "three pages of at most 100");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_link_to_another_host_is_not_followed_with_the_token() {
    let fake = FakeGithub::start();
    let gh = client(&fake, false, &unique_namespace()).await;
    let e = gh
        .get_json::<serde_json::Value>("https://evil.example/rate_limit", As::Token)
        .await
        .unwrap_err();
    assert!(matches!(e, GithubError::Refused { .. }), "{e}");
    assert!(fake.requests().is_empty());
}
