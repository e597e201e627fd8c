//! Limits mode through twilight-http, the client the worker uses: it must
//! parse the fake's 429s and wait them out, and several independent
//! clients (as several worker processes are) must leave every message
//! posted exactly once.

use crate::support::fake_discord::{BucketLimit, FakeDiscord, Limits};
use crate::support::wait::join_all;
use std::time::Duration;
use twilight_http::Client;
use twilight_model::id::Id;

fn client(fake: &FakeDiscord) -> Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::builder()
        .token("Bot test".into())
        .proxy(fake.proxy_addr(), true)
        .timeout(Duration::from_secs(5))
        .build()
}

async fn post(http: &Client, channel: u64, content: &str) {
    let request = http.create_message(Id::new(channel)).content(content);
    let answer = tokio::time::timeout(Duration::from_secs(60), request).await;
    answer.expect("no hang").expect("posted");
}

#[tokio::test(flavor = "multi_thread")]
async fn twilight_learns_the_bucket_from_a_429_and_waits() {
    let fake = FakeDiscord::start();
    fake.set_limits(Some(Limits::discord()));
    let http = client(&fake);
    let channel = fake.add_text_channel();

    for i in 0..7 {
        post(&http, channel, &format!("m{i}")).await;
    }
    let contents: Vec<String> = fake
        .messages(channel)
        .into_iter()
        .map(|m| m.content)
        .collect();
    let expected: Vec<String> = (0..7).map(|i| format!("m{i}")).collect();
    assert_eq!(contents, expected, "each posted once, in order");
    let limited = fake.rate_limited();
    // twilight reads bucket headers only off a 429, so it hits the limit
    // once, then waits out the reset instead of retrying at once.
    assert!((1..=2).contains(&limited.user), "{limited:?}");
    assert_eq!(limited.global, 0);
}

/// Four clients with limiters of their own, like four worker processes,
/// all posting into one channel: they draw 429s (nothing coordinates
/// them), and the fake still posts each message exactly once.
#[tokio::test(flavor = "multi_thread")]
async fn four_independent_clients_each_message_posted_once() {
    let fake = FakeDiscord::start();
    let limits = Limits {
        create_message: BucketLimit {
            limit: 5,
            window: Duration::from_millis(500),
        },
        ..Limits::discord()
    };
    fake.set_limits(Some(limits));
    let channel = fake.add_text_channel();
    let clients: Vec<Client> = (0..4).map(|_| client(&fake)).collect();
    let senders = clients.iter().enumerate().map(|(c, http)| async move {
        for i in 0..10 {
            post(http, channel, &format!("c{c} m{i}")).await;
        }
    });
    join_all(senders).await;

    let mut contents: Vec<String> = fake
        .messages(channel)
        .into_iter()
        .map(|m| m.content)
        .collect();
    contents.sort();
    let mut expected: Vec<String> = (0..4)
        .flat_map(|c| (0..10).map(move |i| format!("c{c} m{i}")))
        .collect();
    expected.sort();
    assert_eq!(contents, expected, "each posted exactly once");
    let requests = fake.requests();
    let refused = requests.iter().filter(|r| r.status == 429).count();
    assert_eq!(requests.len(), 40 + refused, "only 200s and 429s");
    assert!(refused > 0, "uncoordinated clients draw 429s");
    assert_eq!(fake.rate_limited().total(), refused);
}
