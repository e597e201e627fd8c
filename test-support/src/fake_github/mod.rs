//! A fake of GitHub's REST API for integration tests, beside the fake
//! Discord: the routes Threadline calls, with the status codes, headers
//! (`X-RateLimit-*`, `retry-after`, `Link`) and JSON shapes of GitHub's
//! REST description (github/rest-api-description). It checks credentials
//! (a token, installation tokens it minted, App JWTs verified with the
//! App's public key), keeps hooks and their delivery attempts, sends
//! deliveries to `web` signed as GitHub does, and redelivers on
//! `POST .../attempts`. Rate limits and secondary limits come on demand.

mod comments;
mod deliveries;
mod pulls;
mod routes;
mod server;
mod state;

#[allow(unused_imports)]
pub use comments::{APP_BOT, TOKEN_USER};
#[allow(unused_imports)]
pub use pulls::pull_request;
#[allow(unused_imports)]
pub use state::{Attempt, Seen};

use actix_web::dev::ServerHandle;
use server::Shared;
use state::{now_ms, Hook, Original, State};
use std::net::TcpListener;
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The App's private key; the fake holds its public half.
pub const APP_KEY_PEM: &str = include_str!("../../../tests/support/fake_github/app-key.pem");
const APP_PUBLIC_DER: &[u8] = include_bytes!("../../../tests/support/fake_github/app-pub.der");
pub const TOKEN: &str = "ghp_fake_token_of_threadline_tests";

/// The running fake; the server stops when this is dropped.
pub struct FakeGithub {
    url: String,
    state: Shared,
    server: ServerHandle,
}

impl FakeGithub {
    pub fn start() -> FakeGithub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("fake github: bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("fake github: local addr");
        let state = Arc::new(Mutex::new(State::new(
            TOKEN.to_string(),
            APP_PUBLIC_DER.to_vec(),
        )));
        let (tx, rx) = mpsc::channel();
        let server_state = state.clone();
        std::thread::Builder::new()
            .name("fake-github".into())
            .spawn(move || server::serve(listener, server_state, tx))
            .expect("fake github: spawn thread");
        let server = rx.recv().expect("fake github: server failed to start");
        FakeGithub {
            url: format!("http://{addr}"),
            state,
            server,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// For `GITHUB_API_URL`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    pub fn app_id(&self) -> u64 {
        self.lock().app_id
    }

    /// Every request, in arrival order.
    pub fn requests(&self) -> Vec<Seen> {
        self.lock().requests.clone()
    }

    /// Requests whose path starts with `prefix`.
    pub fn requests_to(&self, method: &str, prefix: &str) -> Vec<Seen> {
        let all = self.requests();
        all.into_iter()
            .filter(|r| r.method == method && r.path.starts_with(prefix))
            .collect()
    }

    /// Installation tokens minted: (installation, token, expires epoch ms).
    pub fn minted(&self) -> Vec<(u64, String, u64)> {
        self.lock().minted.clone()
    }

    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.lock().token_lifetime = lifetime;
    }

    /// The next `n` requests get a secondary limit (`retry-after`, or
    /// none: the client must then wait 60 s).
    pub fn secondary_limit(&self, n: usize, retry_after: Option<u64>) {
        let mut st = self.lock();
        for _ in 0..n {
            st.secondary.push_back(retry_after);
        }
    }

    /// After `skip` more requests, the next `n` get a secondary limit.
    pub fn secondary_limit_after(&self, skip: usize, n: usize, retry_after: Option<u64>) {
        let mut st = self.lock();
        st.secondary_skip = skip;
        for _ in 0..n {
            st.secondary.push_back(retry_after);
        }
    }

    /// The next request uses up the primary limit, which resets at
    /// `reset_secs` (epoch seconds): its answer says `remaining: 0`.
    pub fn exhaust_until(&self, reset_secs: u64) {
        let mut st = self.lock();
        st.remaining = 1;
        st.reset_secs = reset_secs;
    }

    /// Requests that arrived while a limit said to wait.
    pub fn early(&self) -> usize {
        self.lock().early
    }

    /// Adds PRs (`pull-request` objects) to a repository.
    pub fn add_pulls(&self, full_name: &str, pulls: Vec<serde_json::Value>) {
        self.lock()
            .pulls
            .entry(full_name.to_string())
            .or_default()
            .extend(pulls);
    }

    /// The comments on issue (or PR) `number` of `repo`, oldest first.
    pub fn comments(&self, repo: &str, number: u64) -> Vec<serde_json::Value> {
        let st = self.lock();
        st.comments
            .iter()
            .filter(|c| c.repo == repo && c.issue == number)
            .map(|c| c.value.clone())
            .collect()
    }

    /// Adds a comment as `login` (`kind`: `User` or `Bot`), as if made
    /// elsewhere (or by a worker that died before recording it); its id.
    pub fn add_comment(&self, repo: &str, number: u64, body: &str, login: &str, kind: &str) -> u64 {
        let mut st = self.lock();
        let id = st.next_id();
        let at = state::iso(now_ms());
        let value = serde_json::json!({
            "id": id, "node_id": format!("IC_kwDO{id}"),
            "html_url": format!("https://github.com/{repo}/pull/{number}#issuecomment-{id}"),
            "body": body, "user": {"login": login, "id": 7001, "type": kind},
            "created_at": at, "updated_at": at, "author_association": "NONE",
        });
        st.comments.push(comments::Comment {
            repo: repo.to_string(),
            issue: number,
            value,
        });
        id
    }

    /// Installs the App on `account` (a login: all its repositories) or on
    /// one repository (`owner/name`), as installation `id`.
    pub fn install_app(&self, account: &str, id: u64) {
        self.lock().installations.insert(account.to_string(), id);
    }

    /// A hook of `target_type` (`repository`, `organization` or
    /// `integration`) on `target`, sending to `url` signed with `secret`.
    pub fn add_hook(
        &self,
        target_type: &str,
        target: &str,
        target_id: u64,
        url: &str,
        secret: &str,
    ) -> u64 {
        let mut st = self.lock();
        let id = st.next_id();
        let target = if target_type == "integration" {
            st.app_id.to_string()
        } else {
            target.to_string()
        };
        st.hooks.push(Hook {
            id,
            target_type: target_type.into(),
            target,
            target_id,
            url: url.into(),
            secret: secret.into(),
            attempts: Vec::new(),
            originals: Default::default(),
        });
        id
    }

    /// Sends one delivery as GitHub would, records the attempt, and
    /// returns its status code (0: no answer).
    /// `guid` may be a test's label: it is sent as its
    /// [`crate::fixtures::guid`], GitHub's shape.
    pub async fn deliver(&self, hook_id: u64, event: &str, guid: &str, body: &[u8]) -> u16 {
        let guid = crate::fixtures::guid(guid);
        let guid = guid.as_str();
        let (url, original, attempt) = {
            let mut st = self.lock();
            let id = st.next_id();
            let hook = st.hook_mut(hook_id).expect("fake github: no such hook");
            let payload: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
            let headers = vec![
                ("Content-Type".to_string(), "application/json".to_string()),
                ("User-Agent".into(), "GitHub-Hookshot/fake".into()),
                ("X-GitHub-Event".into(), event.into()),
                ("X-GitHub-Delivery".into(), guid.into()),
                ("X-GitHub-Hook-ID".into(), hook.id.to_string()),
                (
                    "X-GitHub-Hook-Installation-Target-Type".into(),
                    hook.target_type.clone(),
                ),
                (
                    "X-GitHub-Hook-Installation-Target-ID".into(),
                    hook.target_id.to_string(),
                ),
                ("X-Hub-Signature-256".into(), sign(&hook.secret, body)),
            ];
            let original = Original {
                headers,
                body: body.to_vec(),
            };
            hook.originals.insert(guid.to_string(), original.clone());
            let attempt = Attempt {
                id,
                guid: guid.into(),
                delivered_at_ms: now_ms(),
                redelivery: false,
                status: String::new(),
                status_code: 0,
                event: event.into(),
                action: payload["action"].as_str().map(str::to_string),
                installation_id: payload["installation"]["id"].as_u64(),
                repository_id: payload["repository"]["id"].as_u64(),
            };
            (hook.url.clone(), original, attempt)
        };
        let (status, code) = deliveries::send(&url, &original).await;
        let mut st = self.lock();
        let hook = st.hook_mut(hook_id).expect("fake github: no such hook");
        hook.attempts.push(Attempt {
            status,
            status_code: code,
            ..attempt
        });
        code
    }

    /// Rewrites the latest attempt of `guid`: e.g. a delivery that arrived
    /// but that GitHub recorded as timed out (`web` answered after 10 s).
    pub fn mark_latest(&self, hook_id: u64, guid: &str, status: &str, code: u16) {
        let guid = crate::fixtures::guid(guid);
        let mut st = self.lock();
        let hook = st.hook_mut(hook_id).expect("fake github: no such hook");
        if let Some(a) = hook.attempts.iter_mut().rev().find(|a| a.guid == guid) {
            a.status = status.into();
            a.status_code = code;
        }
    }

    /// Every attempt of the hook, oldest first.
    pub fn attempts(&self, hook_id: u64) -> Vec<Attempt> {
        let st = self.lock();
        st.hooks
            .iter()
            .find(|h| h.id == hook_id)
            .map(|h| h.attempts.clone())
            .unwrap_or_default()
    }

    /// Points a hook at another URL (a restarted `web`).
    pub fn set_hook_url(&self, hook_id: u64, url: &str) {
        if let Some(hook) = self.lock().hook_mut(hook_id) {
            hook.url = url.into();
        }
    }
}

impl Drop for FakeGithub {
    fn drop(&mut self) {
        // Stop is sent at once; waiting for it would need a runtime here.
        drop(self.server.stop(false));
    }
}

/// `sha256=<hex HMAC-SHA256 of the body>`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}
