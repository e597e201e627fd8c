//! The fake's reading routes against Discord's rules: newest first for
//! every anchor, `limit` 1–100 (default 50), snowflakes that carry their
//! time, 10003 for an unknown channel, the bot's `GET /users/@me`; and
//! twilight's models parse what it sends.

use crate::support::fake_discord::{Author, FakeDiscord};
use reqwest::Client;
use serde_json::Value;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use twilight_model::id::Id;

const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

async fn get(fake: &FakeDiscord, path_and_query: &str) -> (u16, Value) {
    let url = format!("{}/api/v10/{path_and_query}", fake.base_url());
    let res = Client::new()
        .get(url)
        .header("Authorization", "Bot test")
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

fn ids(page: &Value) -> Vec<u64> {
    let page = page.as_array().expect("a JSON array");
    page.iter()
        .map(|m| m["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_come_newest_first_whatever_the_anchor() {
    let fake = FakeDiscord::start();
    let c = fake.add_text_channel();
    let m: Vec<u64> = (0..5)
        .map(|i| fake.seed_message(c, Author::Bot, &format!("m{i}")))
        .collect();
    let page = |q: String| {
        let fake = &fake;
        async move { ids(&get(fake, &format!("channels/{c}/messages{q}")).await.1) }
    };
    assert_eq!(page(String::new()).await, [m[4], m[3], m[2], m[1], m[0]]);
    assert_eq!(page("?limit=2".into()).await, [m[4], m[3]]);
    assert_eq!(
        page(format!("?before={}&limit=2", m[3])).await,
        [m[2], m[1]]
    );
    // `after` gives the oldest ones after the id, still newest first.
    assert_eq!(page(format!("?after={}&limit=2", m[0])).await, [m[2], m[1]]);
    assert_eq!(page(format!("?after={}", m[4])).await, Vec::<u64>::new());
    assert_eq!(
        page(format!("?around={}&limit=3", m[2])).await,
        [m[3], m[2], m[1]]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_default_page_is_fifty_and_the_limit_is_one_to_a_hundred() {
    let fake = FakeDiscord::start();
    let c = fake.add_text_channel();
    for i in 0..120 {
        fake.seed_message(c, Author::Bot, &format!("m{i}"));
    }
    let (status, page) = get(&fake, &format!("channels/{c}/messages")).await;
    assert_eq!((status, ids(&page).len()), (200, 50));
    let (_, page) = get(&fake, &format!("channels/{c}/messages?limit=100")).await;
    assert_eq!(ids(&page).len(), 100);
    for bad in ["limit=0", "limit=101", "limit=x", "after=x", "before=-1"] {
        let (status, body) = get(&fake, &format!("channels/{c}/messages?{bad}")).await;
        assert_eq!((status, body["code"].as_u64()), (400, Some(50035)), "{bad}");
    }
    let (status, body) = get(&fake, "channels/42/messages").await;
    assert_eq!((status, body["code"].as_u64()), (404, Some(10003)));
    let last = fake.requests().pop().unwrap();
    assert_eq!(
        (last.path.as_str(), last.query.as_str()),
        ("/api/v10/channels/42/messages", "")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ids_carry_their_time_and_authors_tell_the_bot_from_people() {
    let fake = FakeDiscord::start();
    let c = fake.add_text_channel();
    let by_bot = fake.seed_message(c, Author::Bot, "bot");
    let by_person = fake.seed_message(c, Author::Person, "person");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let made = (by_bot >> 22) + DISCORD_EPOCH_MS;
    assert!(now.abs_diff(made) < 5_000, "{made} vs {now}");
    let (_, page) = get(&fake, &format!("channels/{c}/messages")).await;
    let (person, bot) = (&page[0], &page[1]);
    assert_eq!(ids(&page), [by_person, by_bot]);
    let (_, me) = get(&fake, "users/@me").await;
    assert_eq!(bot["author"]["id"], me["id"]);
    assert_eq!(
        (bot["author"]["bot"].as_bool(), me["bot"].as_bool()),
        (Some(true), Some(true))
    );
    assert_ne!(person["author"]["id"], me["id"]);
    assert_ne!(person["author"]["bot"].as_bool(), Some(true));
    let stamp = chrono::DateTime::parse_from_rfc3339(bot["timestamp"].as_str().unwrap()).unwrap();
    assert_eq!(stamp.timestamp_millis() as u64, made);
}

#[tokio::test(flavor = "multi_thread")]
async fn twilight_reads_pages_and_the_current_user() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let fake = FakeDiscord::start();
    let http = twilight_http::Client::builder()
        .token("Bot test".into())
        .proxy(fake.proxy_addr(), true)
        .timeout(Duration::from_secs(2))
        .build();
    let c = fake.add_text_channel();
    let first = fake.seed_message(c, Author::Bot, "first");
    let second = fake.seed_message(c, Author::Person, "second");
    let page = http
        .channel_messages(Id::new(c))
        .after(Id::new(first))
        .limit(100)
        .await
        .unwrap()
        .models()
        .await
        .unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(
        (page[0].id.get(), page[0].content.as_str()),
        (second, "second")
    );
    assert!(!page[0].author.bot);
    let me = http.current_user().await.unwrap().model().await.unwrap();
    assert!(me.bot);
    let all = http
        .channel_messages(Id::new(c))
        .await
        .unwrap()
        .models()
        .await
        .unwrap();
    assert_eq!(all[1].author.id, me.id);
}
