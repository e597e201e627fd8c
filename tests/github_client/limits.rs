//! Rate limits: an exhausted primary limit and a secondary one are waited
//! out (nothing sent before), a long one defers instead, for every process
//! of the namespace; writes go at least a second apart across processes.

use super::{client, FakeGithub};
use std::time::{Duration, Instant};
use support::servers::unique_namespace;
use threadline::github::{As, GithubError};

use super::support;

#[tokio::test(flavor = "multi_thread")]
async fn a_secondary_limit_is_waited_out_and_nothing_is_sent_meanwhile() {
    let fake = FakeGithub::start();
    let gh = client(&fake, false, &unique_namespace()).await;
    fake.secondary_limit(1, Some(2));
    let _: serde_json::Value = gh.get_json("/rate_limit", As::Token).await.unwrap();
    let seen = fake.requests();
    assert_eq!(
        seen.len(),
        2,
        "the limited request, then one after retry-after"
    );
    assert_eq!((seen[0].status, seen[1].status), (403, 200));
    assert!(
        seen[1].at - seen[0].at >= Duration::from_secs(2),
        "sent before retry-after"
    );
    assert_eq!(fake.early(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_exhausted_primary_limit_holds_every_process_until_its_reset() {
    let fake = FakeGithub::start();
    let ns = unique_namespace();
    let (one, two) = (
        client(&fake, false, &ns).await,
        client(&fake, false, &ns).await,
    );
    let reset = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3;
    // The answer to the next request says remaining 0.
    fake.exhaust_until(reset);
    let _: serde_json::Value = one.get_json("/rate_limit", As::Token).await.unwrap();
    let _: serde_json::Value = two.get_json("/rate_limit", As::Token).await.unwrap();
    assert_eq!(
        fake.early(),
        0,
        "a request was sent while the limit was used up"
    );
    let seen = fake.requests();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].status, 200);
    assert!(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            >= reset,
        "the second process sent before the reset"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_limit_defers_instead_of_waiting_in_every_process() {
    let fake = FakeGithub::start();
    let ns = unique_namespace();
    let (one, two) = (
        client(&fake, false, &ns).await,
        client(&fake, false, &ns).await,
    );
    fake.secondary_limit(1, Some(120));
    let e = one
        .get_json::<serde_json::Value>("/rate_limit", As::Token)
        .await
        .unwrap_err();
    let GithubError::Deferred { until_ms } = e else {
        panic!("expected a deferral, got {e}")
    };
    let e = two
        .get_json::<serde_json::Value>("/rate_limit", As::Token)
        .await
        .unwrap_err();
    assert!(
        matches!(e, GithubError::Deferred { until_ms: u } if u == until_ms),
        "{e}"
    );
    assert_eq!(fake.requests().len(), 1, "the second process sent nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn writes_go_one_per_second_across_processes() {
    let fake = FakeGithub::start();
    let ns = unique_namespace();
    let (one, two) = (
        client(&fake, true, &ns).await,
        client(&fake, true, &ns).await,
    );
    let started = Instant::now();
    let body = serde_json::json!({});
    let posts = (0..4u64).map(|i| {
        let gh = if i % 2 == 0 { one.clone() } else { two.clone() };
        let body = body.clone();
        async move {
            gh.post(
                &format!("/app/installations/{}/access_tokens", 10 + i),
                As::App,
                &body,
            )
            .await
        }
    });
    for r in futures_join(posts).await {
        r.unwrap();
    }
    let mut at: Vec<Instant> = fake
        .requests_to("POST", "/app/installations")
        .iter()
        .map(|r| r.at)
        .collect();
    at.sort();
    assert_eq!(at.len(), 4);
    for pair in at.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(950),
            "two writes within a second"
        );
    }
    assert!(started.elapsed() >= Duration::from_secs(3));
}

async fn futures_join<F>(futs: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futs.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("task"));
    }
    out
}
