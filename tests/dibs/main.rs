//! Dibs end to end: signed Discord interactions and the CI/CD API sent to
//! a real `web`, with a private Faktory, the shared Redis, real `worker`
//! processes and the fake Discord. `signature` covers the interactions
//! endpoint's door (Ed25519, PING, 401, 404, latency), `queue` the fair
//! queue under concurrency and its notifications, `timed` timed releases
//! across restarts and stale ones, `api` the API, `register` the
//! `threadline commands register` command, `places` PR threads and a
//! fixed list of resources, `owner` who may use Dibs where and what it
//! holds (guilds, `max_hold`, force, names, the cap, `forget`), `tokens`
//! the API's named tokens, `outbox` a Faktory outage during a change.

use threadline_test_support as support;

mod api;
mod outbox;
mod owner;
mod places;
mod queue;
mod register;
mod signature;
mod timed;
mod tokens;

use ed25519_dalek::{Signer, SigningKey};
use serde_json::{json, Value};
use support::app::TestApp;
use support::fake_discord::FakeDiscord;
use support::servers::{shared_redis_url, FaktoryServer};
use support::stack::Stack;
use threadline::settings::{DibsWebSettings, Secret};

/// A fixed seed: the application's key pair in every test.
const SEED: [u8; 32] = [7; 32];
pub const API_TOKEN: &str = "dibs-api-token-for-tests";

pub struct Dibs {
    pub stack: Stack,
    pub key: SigningKey,
}

/// What `web` is started with.
#[derive(Clone, Copy)]
pub struct Switches {
    pub interactions: bool,
    pub api: bool,
}

pub const ALL_ON: Switches = Switches {
    interactions: true,
    api: true,
};

impl Dibs {
    pub async fn start(on: Switches) -> Dibs {
        Self::start_with(on, &[]).await
    }

    /// A stack whose resources are limited to `resources` (empty: any).
    pub async fn start_with(on: Switches, resources: &[&str]) -> Dibs {
        let resources: Vec<String> = resources.iter().map(|r| r.to_string()).collect();
        Self::start_tweaked(on, move |d| d.dibs.resources = resources).await
    }

    /// A stack whose Dibs settings `tweak` changes after `on` applied.
    pub async fn start_tweaked(on: Switches, tweak: impl FnOnce(&mut DibsWebSettings)) -> Dibs {
        let faktory = FaktoryServer::start();
        let discord = FakeDiscord::start();
        let channel = discord.add_text_channel();
        let key = SigningKey::from_bytes(&SEED);
        let public = hex::encode(key.verifying_key().to_bytes());
        let app = TestApp::builder()
            .faktory(&faktory.url())
            .redis(&shared_redis_url())
            .settings(|s| {
                s.dibs.public_key = on.interactions.then_some(public);
                s.dibs.api_token = on.api.then(|| Secret(API_TOKEN.into()));
                tweak(&mut s.dibs);
            })
            .spawn()
            .await;
        let stack = Stack {
            faktory,
            discord,
            channel,
            app,
        };
        Dibs { stack, key }
    }

    /// POSTs `body` to the interactions endpoint, signed with `key`.
    pub async fn post_signed(&self, key: &SigningKey, body: &[u8]) -> reqwest::Response {
        self.signed_with(key, body)
            .send()
            .await
            .expect("web answers")
    }

    /// The request of `body`, signed with the application's key.
    pub fn signed(&self, body: &[u8]) -> reqwest::RequestBuilder {
        self.signed_with(&self.key, body)
    }

    fn signed_with(&self, key: &SigningKey, body: &[u8]) -> reqwest::RequestBuilder {
        let timestamp = chrono::Utc::now().timestamp().to_string();
        let mut message = timestamp.as_bytes().to_vec();
        message.extend_from_slice(body);
        let signature = hex::encode(key.sign(&message).to_bytes());
        self.stack
            .app
            .http
            .post(format!("{}/webhooks/discord", self.stack.app.address))
            .header("X-Signature-Ed25519", signature)
            .header("X-Signature-Timestamp", timestamp)
            .header("Content-Type", "application/json")
            .body(body.to_vec())
    }

    /// Runs `/dibs <sub> [options]` as `user` in the stack's channel;
    /// returns the answer's `data` (content, flags, allowed_mentions).
    pub async fn dibs(&self, user: u64, sub: &str, options: &[(&str, &str)]) -> Value {
        self.dibs_in(self.stack.channel, user, sub, options).await
    }

    pub async fn dibs_in(
        &self,
        channel: u64,
        user: u64,
        sub: &str,
        options: &[(&str, &str)],
    ) -> Value {
        self.interact(command(channel, user, sub, options)).await
    }

    /// Posts an interaction of any shape; returns the answer's `data`.
    pub async fn interact(&self, body: Value) -> Value {
        let res = self
            .post_signed(&self.key, body.to_string().as_bytes())
            .await;
        assert_eq!(res.status(), 200, "{body} answered");
        let answer: Value = res.json().await.expect("a JSON answer");
        assert_eq!(answer["type"], 4, "a channel message: {answer}");
        answer["data"].clone()
    }

    /// `/dibs status` content.
    pub async fn status(&self, resource: &str) -> String {
        let data = self.dibs(1, "status", &[("resource", resource)]).await;
        text(&data)
    }

    /// Messages the worker posted in the stack's channel.
    pub fn posted(&self) -> Vec<support::fake_discord::StoredMessage> {
        self.stack.discord.messages(self.stack.channel)
    }
}

/// An APPLICATION_COMMAND interaction for `/dibs`, with an id of its own
/// (`web` runs an interaction id once).
pub fn command(channel: u64, user: u64, sub: &str, options: &[(&str, &str)]) -> Value {
    static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let id = 1_200_000_000_000_000_000 + NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let options: Vec<Value> = options
        .iter()
        .map(|(name, value)| json!({"type": 3, "name": name, "value": value}))
        .collect();
    json!({
        "type": 2,
        "id": id.to_string(),
        "application_id": support::fake_discord::APPLICATION_ID.to_string(),
        "token": "interaction-token",
        "version": 1,
        "channel_id": channel.to_string(),
        "guild_id": "1300000000000000000",
        "member": {"user": {"id": user.to_string(), "username": format!("user{user}")}},
        "data": {"id": "1400000000000000000", "name": "dibs", "type": 1,
                 "options": [{"type": 1, "name": sub, "options": options}]},
    })
}

pub fn text(data: &Value) -> String {
    data["content"].as_str().unwrap_or_default().to_string()
}

/// A user id that looks like a snowflake.
pub fn user(n: u64) -> u64 {
    700_000_000_000_000_000 + n
}
