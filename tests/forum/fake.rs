//! The fake's forum against Discord's rules, over HTTP as the worker
//! reaches it: a post's id is its first message's, tags are validated on
//! creation and PATCH, and both listings show posts.

use crate::support::fake_discord::FakeDiscord;
use serde_json::{json, Value};

async fn call(fake: &FakeDiscord, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let url = format!("{}/api/v10/{path}", fake.base_url());
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut request = reqwest::Client::new()
        .request(method, url)
        .header("Authorization", "Bot test");
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the fake answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn post_body(tags: &[u64]) -> Value {
    let tags: Vec<String> = tags.iter().map(u64::to_string).collect();
    json!({
        "name": "#1 Title",
        "message": { "content": "**o/r#1**: Title", "allowed_mentions": { "parse": [] } },
        "applied_tags": tags,
        "auto_archive_duration": 10080,
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn forum_posts_follow_discords_rules() {
    let fake = FakeDiscord::start();
    let (forum, tags) = fake.add_forum_channel(&[("Open", false), ("Merged", true)], true);
    let (status, channel) = call(&fake, "GET", &format!("channels/{forum}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(channel["type"], 15);
    assert_eq!(channel["flags"], 16);
    assert_eq!(channel["available_tags"][1]["moderated"], true);

    let threads = format!("channels/{forum}/threads");
    let (status, err) = call(&fake, "POST", &threads, Some(post_body(&[]))).await;
    assert_eq!((status, err["code"].clone()), (400, json!(40067)));
    let (status, _) = call(&fake, "POST", &threads, Some(post_body(&[7]))).await;
    assert_eq!(status, 400, "an unknown tag is refused");
    let six = [tags[0]; 6];
    let (status, _) = call(&fake, "POST", &threads, Some(post_body(&six))).await;
    assert_eq!(status, 400, "more than 5 tags are refused");
    assert!(fake.forum_posts(forum).is_empty());
    let (status, _) = call(&fake, "POST", &format!("channels/{forum}/messages"), None).await;
    assert_eq!(status, 400, "a forum takes no plain messages");

    let (status, post) = call(&fake, "POST", &threads, Some(post_body(&[tags[0]]))).await;
    assert_eq!(status, 200, "{post}");
    let id: u64 = post["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("id");
    assert_eq!(
        post["message"]["id"], post["id"],
        "a post's id is its message's"
    );
    assert_eq!(post["parent_id"], forum.to_string());
    assert_eq!(fake.messages(id)[0].id, id);

    let patch = json!({ "applied_tags": [tags[1].to_string(), tags[0].to_string()] });
    let (status, _) = call(&fake, "PATCH", &format!("channels/{id}"), Some(patch)).await;
    assert_eq!(status, 200);
    let (_, got) = call(&fake, "GET", &format!("channels/{id}"), None).await;
    assert_eq!(
        got["applied_tags"],
        json!([tags[1].to_string(), tags[0].to_string()])
    );
    let bad = json!({ "applied_tags": ["12"] });
    let (status, _) = call(&fake, "PATCH", &format!("channels/{id}"), Some(bad)).await;
    assert_eq!(status, 400);

    let (_, active) = call(&fake, "GET", "guilds/1/threads/active", None).await;
    assert_eq!(active["threads"][0]["id"], id.to_string());
    fake.archive_thread(id);
    let archived = format!("channels/{forum}/threads/archived/public");
    let (_, listed) = call(&fake, "GET", &archived, None).await;
    assert_eq!(listed["threads"][0]["id"], id.to_string());
    assert_eq!(listed["has_more"], false);
    let (_, active) = call(&fake, "GET", "guilds/1/threads/active", None).await;
    assert_eq!(active["threads"], json!([]));
}
