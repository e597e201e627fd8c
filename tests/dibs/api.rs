//! The CI/CD API: take, 409 for a held resource (naming its holder) and
//! for releasing another's hold without `force`, release, a bad token,
//! and the API off without `DIBS_API_TOKEN`.

use super::{user, Dibs, Switches, ALL_ON, API_TOKEN};
use serde_json::{json, Value};

pub async fn call(dibs: &Dibs, token: &str, resource: &str, body: Value) -> (u16, Value) {
    let res = dibs
        .stack
        .app
        .http
        .post(format!("{}/api/dibs/{resource}", dibs.stack.app.address))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("web answers");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

pub async fn list(dibs: &Dibs) -> Value {
    let res = dibs
        .stack
        .app
        .http
        .get(format!("{}/api/dibs", dibs.stack.app.address))
        .bearer_auth(API_TOKEN)
        .send()
        .await
        .expect("web answers");
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn take_conflict_release_and_force() {
    let dibs = Dibs::start(ALL_ON).await;
    let take = json!({"action": "take", "holder": "deploy-pipeline", "for": "30m"});
    let before = chrono::Utc::now();
    let (status, state) = call(&dibs, API_TOKEN, "Staging", take.clone()).await;
    assert_eq!(status, 200, "{state}");
    assert_eq!(state["name"], "staging", "names are case-insensitive");
    assert_eq!(state["holder"]["id"], "api:deploy-pipeline");
    let until =
        chrono::DateTime::parse_from_rfc3339(state["holder"]["until"].as_str().unwrap()).unwrap();
    let minutes = (until.with_timezone(&chrono::Utc) - before).num_minutes();
    assert!((29..=30).contains(&minutes), "held for 30m: {minutes}");

    let other = json!({"action": "take", "holder": "nightly"});
    let (status, body) = call(&dibs, API_TOKEN, "staging", other).await;
    assert_eq!(status, 409, "an API take does not queue");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("api:deploy-pipeline"),
        "{body}"
    );
    assert_eq!(body["queue"], json!([]), "and nobody was queued");

    // A person queues behind the pipeline from Discord.
    let queued = super::text(&dibs.dibs(user(1), "on", &[("resource", "staging")]).await);
    assert!(queued.contains("#1 in line"), "{queued}");

    let release = json!({"action": "release", "holder": "nightly"});
    let (status, body) = call(&dibs, API_TOKEN, "staging", release).await;
    assert_eq!(status, 409, "releasing another's hold needs force: {body}");
    let forced = json!({"action": "release", "holder": "nightly", "force": true});
    let (status, body) = call(&dibs, API_TOKEN, "staging", forced).await;
    assert_eq!(status, 200);
    assert_eq!(
        body["holder"]["id"],
        user(1).to_string(),
        "the next in line holds it"
    );
    let until = body["holder"]["until"].as_str().expect("a release is due");
    let until = chrono::DateTime::parse_from_rfc3339(until).unwrap();
    let minutes = (until.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_minutes();
    assert!(
        (23 * 60..=24 * 60).contains(&minutes),
        "asked without for: held for max_hold, a day ({minutes} min)"
    );
    assert_eq!(body["queue"], json!([]), "the holder is never in the queue");

    let listed = list(&dibs).await;
    assert_eq!(listed["resources"][0]["holder"]["id"], user(1).to_string());
    let (status, _) = call(
        &dibs,
        API_TOKEN,
        "staging",
        json!({"action": "grab", "holder": "x"}),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = call(
        &dibs,
        API_TOKEN,
        "staging",
        json!({"action": "take", "holder": "x", "for": "8d"}),
    )
    .await;
    assert_eq!(status, 400, "at most 7d");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_token_is_401_and_without_a_token_the_api_is_404() {
    let dibs = Dibs::start(ALL_ON).await;
    let take = json!({"action": "take", "holder": "deploy"});
    let (status, _) = call(&dibs, "wrong", "staging", take.clone()).await;
    assert_eq!(status, 401);
    let (status, _) = call(&dibs, "", "staging", take.clone()).await;
    assert_eq!(status, 401);
    assert_eq!(list(&dibs).await["resources"], json!([]), "nothing taken");

    let off = Dibs::start(Switches {
        interactions: true,
        api: false,
    })
    .await;
    let (status, _) = call(&off, API_TOKEN, "staging", take).await;
    assert_eq!(status, 404);
}
