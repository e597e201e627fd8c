//! The API's named tokens (`DIBS_API_TOKENS`): a hold is bound to the
//! token that took it, so another pipeline ends it only with `force`, and
//! `force` on a person's hold needs a token marked `:force`.

use super::api::call;
use super::{text, user, Dibs, ALL_ON};
use serde_json::{json, Value};
use threadline::settings::{ApiToken, Secret};

const DEPLOY: &str = "token-of-the-deploy-bot";
const RELEASE: &str = "token-of-the-release-pipeline";
const ADMIN: &str = "token-that-may-force-people";

fn token(name: &str, secret: &str, force: bool) -> ApiToken {
    ApiToken {
        name: name.into(),
        secret: Secret(secret.into()),
        force,
    }
}

fn holder(state: &Value) -> Value {
    state["holder"]["id"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hold_is_bound_to_its_token() {
    let dibs = Dibs::start_tweaked(ALL_ON, |d| {
        d.api_tokens = vec![
            token("deploy-bot", DEPLOY, false),
            token("release", RELEASE, false),
            token("admin", ADMIN, true),
        ]
    })
    .await;
    // Without `holder`, the holder is the token's name.
    let (status, state) = call(&dibs, DEPLOY, "staging", json!({"action": "take"})).await;
    assert_eq!(status, 200, "{state}");
    assert_eq!(holder(&state), "api:deploy-bot");
    assert_eq!(state["holder"]["token"], "deploy-bot");

    // Another token naming the same holder neither extends nor releases it.
    let as_deploy = |action: &str| json!({"action": action, "holder": "deploy-bot", "for": "2h"});
    let (status, state) = call(&dibs, RELEASE, "staging", as_deploy("take")).await;
    assert_eq!(status, 409, "{state}");
    let (status, state) = call(&dibs, RELEASE, "staging", as_deploy("release")).await;
    assert_eq!(status, 409, "{state}");
    assert_eq!(holder(&state), "api:deploy-bot");

    // With `force`, any token ends another pipeline's hold.
    let forced = json!({"action": "release", "force": true});
    let (status, state) = call(&dibs, RELEASE, "staging", forced.clone()).await;
    assert_eq!(status, 200, "{state}");
    assert_eq!(holder(&state), Value::Null);

    // A person's hold: only a token marked `:force`.
    let took = text(&dibs.dibs(user(1), "on", &[("resource", "staging")]).await);
    assert!(took.contains("has **staging**"), "{took}");
    let (status, state) = call(&dibs, RELEASE, "staging", forced.clone()).await;
    assert_eq!(status, 403, "{state}");
    assert!(
        state["error"].as_str().unwrap().contains(":force"),
        "{state}"
    );
    assert!(dibs
        .status("staging")
        .await
        .contains(&format!("held by <@{}>", user(1))));
    let (status, state) = call(&dibs, ADMIN, "staging", forced).await;
    assert_eq!(status, 200, "{state}");
    assert_eq!(holder(&state), Value::Null);

    // The token's own hold is its to release, and the old single token
    // still works beside the named ones.
    let (status, _) = call(&dibs, DEPLOY, "pixel", json!({"action": "take"})).await;
    assert_eq!(status, 200);
    let (status, state) = call(&dibs, DEPLOY, "pixel", json!({"action": "release"})).await;
    assert_eq!((status, holder(&state)), (200, Value::Null), "{state}");
    let legacy = json!({"action": "take", "holder": "nightly"});
    let (status, state) = call(&dibs, super::API_TOKEN, "pixel", legacy).await;
    assert_eq!(status, 200, "{state}");
    assert_eq!(state["holder"]["token"], Value::Null);
    let (status, _) = call(&dibs, "nope", "pixel", json!({"action": "take"})).await;
    assert_eq!(status, 401);
}
