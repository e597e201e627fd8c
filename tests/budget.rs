//! The shared Discord budget against real Redis: several `Budget`s stand
//! for several worker processes (each with its own connection), under a
//! namespace of their own.

use threadline_test_support as support;

use std::time::Duration;
use support::servers::{shared_redis_url, unique_namespace};
use threadline::discord::bucket::Route;
use threadline::discord::transport::RateHeaders;
use threadline::discord::{Budget, BudgetSettings, DiscordError, Pass};

/// A budget on its own Redis connection, like another process.
async fn process(namespace: &str) -> Budget {
    let redis = threadline::redis_conn::connect(&shared_redis_url())
        .await
        .expect("the test Redis answers");
    let settings = BudgetSettings {
        global_per_sec: 50,
        in_flight: Duration::from_secs(10),
    };
    Budget::new(redis, &format!("threadline:{namespace}:"), settings)
}

fn post(channel: u64) -> Route {
    Route::of("POST", &format!("channels/{channel}/messages"))
}

/// Asks for a permit and, when granted, reports an answer without rate-limit
/// headers (which ends the request's time in flight); `Ok(waited)` or the
/// deferral's ticket id and time.
async fn ask(budget: &Budget, route: &Route, pass: &Pass) -> Result<Duration, (String, u64)> {
    match budget.acquire(route, pass).await {
        Ok(permit) => {
            budget
                .learn(route, &permit, Duration::ZERO, 200, &RateHeaders::default())
                .await;
            Ok(permit.waited)
        }
        Err(DiscordError::Deferred {
            retry_at_ms,
            ticket,
        }) => Err((ticket.id, retry_at_ms)),
        Err(e) => panic!("the budget failed: {e}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_processes_never_take_more_than_the_bucket_holds() {
    let ns = unique_namespace();
    let (a, b) = (process(&ns).await, process(&ns).await);
    // Teach the route's hash first, so that requests may run in parallel.
    let route = post(41);
    let first = a.acquire(&route, &Pass::default()).await.unwrap();
    let headers = RateHeaders {
        bucket: Some("messages".into()),
        limit: Some(5),
        remaining: Some(4),
        reset_after_ms: Some(5000),
        ..Default::default()
    };
    a.learn(&route, &first, Duration::ZERO, 200, &headers).await;

    let asks = (0..20).map(|i| {
        let budget = if i % 2 == 0 { a.clone() } else { b.clone() };
        let route = route.clone();
        tokio::spawn(async move { ask(&budget, &route, &Pass::default()).await })
    });
    let mut granted = 1;
    let mut deferred = Vec::new();
    for task in asks {
        match task.await.unwrap() {
            Ok(_) => granted += 1,
            Err((ticket, at)) => deferred.push((ticket, at)),
        }
    }
    assert_eq!(granted, 5, "exactly the bucket's limit is granted at once");
    assert_eq!(deferred.len(), 16);
    // Later tickets are promised later (or equal) times: their order holds.
    deferred.sort();
    let times: Vec<u64> = deferred.iter().map(|d| d.1).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1] + 50), "{times:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pushed_back_ticket_is_not_overtaken() {
    let ns = unique_namespace();
    let budget = process(&ns).await;
    let route = post(42);
    for _ in 0..5 {
        ask(&budget, &route, &Pass::default()).await.unwrap();
    }
    let (first, _) = ask(&budget, &route, &Pass::default()).await.unwrap_err();
    let (second, _) = ask(&budget, &route, &Pass::default()).await.unwrap_err();
    assert!(first < second);
    // Another process comes with a fresh request: it queues behind both.
    let other = process(&ns).await;
    let (third, _) = ask(&other, &route, &Pass::default()).await.unwrap_err();
    assert!(second < third);
    // The pushed-back job coming back with its ticket keeps its place.
    let held = threadline::discord::Ticket {
        bucket: format!("threadline:{ns}:rl:b:POST /channels/{{id}}/messages:42"),
        id: first.clone(),
    };
    let (again, _) = ask(&budget, &route, &Pass::new(Some(held)))
        .await
        .unwrap_err();
    assert_eq!(again, first, "the ticket is reused, not replaced");
}

#[tokio::test(flavor = "multi_thread")]
async fn buckets_of_two_threads_never_wait_on_each_other() {
    let ns = unique_namespace();
    let budget = process(&ns).await;
    for _ in 0..5 {
        ask(&budget, &post(43), &Pass::default()).await.unwrap();
    }
    assert!(ask(&budget, &post(43), &Pass::default()).await.is_err());
    let waited = ask(&budget, &post(44), &Pass::default()).await.unwrap();
    assert!(waited < Duration::from_secs(1), "{waited:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn learned_limits_reach_every_process() {
    let ns = unique_namespace();
    let (a, b) = (process(&ns).await, process(&ns).await);
    let permit = a.acquire(&post(45), &Pass::default()).await.unwrap();
    let smaller = RateHeaders {
        bucket: Some("abc".into()),
        limit: Some(2),
        remaining: Some(1),
        reset_after_ms: Some(5000),
        ..Default::default()
    };
    a.learn(&post(45), &permit, Duration::ZERO, 200, &smaller)
        .await;
    // A thread b has never posted to: the learned 2 per 5 s apply, not the seed's 5.
    ask(&b, &post(46), &Pass::default()).await.unwrap();
    ask(&b, &post(46), &Pass::default()).await.unwrap();
    assert!(ask(&b, &post(46), &Pass::default()).await.is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_global_429_pauses_every_process() {
    let ns = unique_namespace();
    let (a, b) = (process(&ns).await, process(&ns).await);
    let permit = a.acquire(&post(47), &Pass::default()).await.unwrap();
    let limited = RateHeaders {
        retry_after_ms: Some(8000),
        scope: Some("global".into()),
        global: true,
        ..Default::default()
    };
    a.learn(&post(47), &permit, Duration::ZERO, 429, &limited)
        .await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let (_, at) = ask(&b, &post(48), &Pass::default()).await.unwrap_err();
    assert!(at >= now + 7000, "b must wait out the global pause");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_route_429_pauses_only_its_bucket() {
    let ns = unique_namespace();
    let (a, b) = (process(&ns).await, process(&ns).await);
    let permit = a.acquire(&post(49), &Pass::default()).await.unwrap();
    let limited = RateHeaders {
        retry_after_ms: Some(8000),
        scope: Some("user".into()),
        ..Default::default()
    };
    a.learn(&post(49), &permit, Duration::ZERO, 429, &limited)
        .await;
    assert!(ask(&b, &post(49), &Pass::default()).await.is_err());
    ask(&b, &post(50), &Pass::default()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn without_redis_nothing_is_permitted() {
    // A port nothing listens on: the connection manager cannot connect.
    let port = support::servers::free_port();
    let url = format!("redis://127.0.0.1:{port}");
    assert!(threadline::redis_conn::connect(&url).await.is_err());
    let mut redis_server = support::servers::RedisServer::start();
    let redis = threadline::redis_conn::connect(&redis_server.url())
        .await
        .expect("the private Redis answers");
    let budget = Budget::new(
        redis,
        "threadline:down:",
        BudgetSettings {
            global_per_sec: 50,
            in_flight: Duration::from_secs(10),
        },
    );
    redis_server.stop();
    match budget.acquire(&post(51), &Pass::default()).await {
        Err(DiscordError::Budget(_)) => {}
        Err(other) => panic!("expected a budget error, got {other}"),
        Ok(_) => panic!("a permit was granted without Redis"),
    }
}
