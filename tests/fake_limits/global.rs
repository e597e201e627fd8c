//! The global limit and global pauses: a burst of 51 draws one `global`
//! 429, an injected global 429 pauses every route for its `retry_after`,
//! and an injected `user` 429 consumes nothing.

use crate::support::fake_discord::{FakeDiscord, Fault, FaultKind, Limits, Route};
use crate::support::wait::join_all;
use crate::{assert_bucket_headers, get_channel, header, limited, post, seconds};
use reqwest::{Client, Response};
use serde_json::Value;
use std::time::{Duration, Instant};

/// 51 GETs to 51 channels at once: only the global limit can refuse one.
/// A burst that did not fit in one second (a very busy machine) proves
/// nothing, so it is tried again with fresh windows.
#[tokio::test(flavor = "multi_thread")]
async fn a_burst_of_51_draws_one_global_429() {
    let (fake, http) = limited();
    let channels: Vec<u64> = (0..51).map(|_| fake.add_text_channel()).collect();
    for _ in 0..5 {
        fake.set_limits(Some(Limits::discord()));
        fake.clear_requests();
        let before = fake.rate_limited();
        let burst = channels.iter().map(|c| get_channel(&http, &fake, *c));
        let responses = join_all(burst).await;
        let arrivals: Vec<Instant> = fake.requests().iter().map(|r| r.at).collect();
        if arrivals[50] - arrivals[0] >= Duration::from_secs(1) {
            continue;
        }
        let refused: Vec<&Response> = responses.iter().filter(|r| r.status() == 429).collect();
        assert_eq!(refused.len(), 1);
        let refused = refused[0];
        assert_eq!(header(refused, "x-ratelimit-scope"), "global");
        assert_eq!(header(refused, "x-ratelimit-global"), "true");
        assert!(seconds(refused, "retry-after") <= 1.0);
        let ok = fake.requests().iter().filter(|r| r.status == 200).count();
        assert_eq!(ok, 50);
        let after = fake.rate_limited();
        assert_eq!((after.global - before.global, after.user), (1, 0));
        return;
    }
    panic!("this machine could not send 51 requests within one second, five times");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_global_429_body_says_global() {
    let (fake, http) = limited();
    fake.inject(Fault {
        route: Route::GetChannel,
        kind: FaultKind::RateLimitedGlobal { retry_after: 0.25 },
        times: 1,
    });
    let channel = fake.add_text_channel();
    let refused = get_channel(&http, &fake, channel).await;
    assert_eq!(refused.status(), 429);
    assert_eq!(header(&refused, "x-ratelimit-scope"), "global");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["global"], true);
    assert_eq!(body["message"], "You are being rate limited.");
    assert!(body["retry_after"].as_f64().unwrap() <= 0.25);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_global_fault_pauses_every_route_for_retry_after() {
    // Limits stay off: an injected global 429 pauses the fake either way.
    let fake = FakeDiscord::start();
    let http = Client::new();
    let (a, b) = (fake.add_text_channel(), fake.add_text_channel());
    let pause = Duration::from_secs(2);
    fake.inject(Fault {
        route: Route::CreateMessage,
        kind: FaultKind::RateLimitedGlobal {
            retry_after: pause.as_secs_f64(),
        },
        times: 1,
    });
    let first = post(&http, &fake, a, "paused").await;
    assert_eq!(first.status(), 429);
    assert_eq!(header(&first, "x-ratelimit-global"), "true");
    assert_eq!(header(&first, "retry-after"), "2");
    let during = [
        post(&http, &fake, b, "other channel").await,
        get_channel(&http, &fake, a).await,
    ];
    for response in &during {
        assert_eq!(response.status(), 429);
        assert_eq!(header(response, "x-ratelimit-scope"), "global");
        assert!(seconds(response, "retry-after") <= 2.0);
    }
    tokio::time::sleep(pause).await;
    let after = post(&http, &fake, a, "after the pause").await;
    assert_eq!(after.status(), 200);

    // Judged by arrival: everything within the pause was refused.
    let requests = fake.requests();
    let paused_at = requests[0].at;
    for r in &requests {
        let within = r.at < paused_at + pause;
        assert_eq!(
            r.status == 429,
            within,
            "{} at {:?}",
            r.path,
            r.at - paused_at
        );
    }
    assert_eq!(fake.messages(a).len(), 1);
    assert!(fake.messages(b).is_empty());
    assert_eq!(fake.rate_limited().global, 3);
    assert_eq!(fake.pending_faults(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_injected_user_429_carries_the_buckets_limit_and_consumes_nothing() {
    let (fake, http) = limited();
    let channel = fake.add_text_channel();
    fake.inject(Fault {
        route: Route::CreateMessage,
        kind: FaultKind::RateLimited { retry_after: 0.5 },
        times: 1,
    });
    let refused = post(&http, &fake, channel, "injected").await;
    assert_eq!(refused.status(), 429);
    assert_eq!(header(&refused, "x-ratelimit-scope"), "user");
    assert_eq!(header(&refused, "x-ratelimit-limit"), "5");
    assert_eq!(header(&refused, "retry-after"), "1");
    let next = post(&http, &fake, channel, "next").await;
    assert_eq!(next.status(), 200);
    assert_bucket_headers(&next, 5, 4, 5.0);
    assert_eq!(fake.handle().rate_limited().user, 1);
}
