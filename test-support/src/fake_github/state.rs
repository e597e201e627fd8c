//! What the fake GitHub holds: its credentials, the requests it saw, its
//! rate-limit counters and faults on demand, open PRs per repository, their
//! issue comments, and
//! every hook's delivery attempts.

use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: String,
    pub at: Instant,
    /// `token`, `app`, `installation:{id}` or `none` (refused).
    pub auth: String,
    pub accept: String,
    pub api_version: String,
    pub user_agent: String,
    pub status: u16,
}

/// One attempt of one delivery, as `GET .../deliveries` lists it.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub id: u64,
    pub guid: String,
    pub delivered_at_ms: u64,
    pub redelivery: bool,
    pub status: String,
    pub status_code: u16,
    pub event: String,
    pub action: Option<String>,
    pub installation_id: Option<u64>,
    pub repository_id: Option<u64>,
}

/// What a redelivery sends again: the original request.
#[derive(Debug, Clone)]
pub struct Original {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// A webhook: where it sends, and what it sent.
#[derive(Debug, Clone)]
pub struct Hook {
    pub id: u64,
    /// `repository`, `organization` or `integration`.
    pub target_type: String,
    /// The repository's `full_name`, the organisation's login, or the App id.
    pub target: String,
    /// `X-GitHub-Hook-Installation-Target-ID`.
    pub target_id: u64,
    pub url: String,
    pub secret: String,
    pub attempts: Vec<Attempt>,
    pub originals: BTreeMap<String, Original>,
}

pub struct State {
    pub token: String,
    pub app_id: u64,
    pub app_public_der: Vec<u8>,
    /// Installation tokens minted: (installation, token, expires epoch ms).
    pub minted: Vec<(u64, String, u64)>,
    pub token_lifetime: Duration,
    pub requests: Vec<Seen>,
    pub limit: u64,
    pub remaining: u64,
    pub reset_secs: u64,
    /// The next requests answered with a secondary limit: `retry-after`.
    pub secondary: VecDeque<Option<u64>>,
    /// Requests answered before `secondary` starts.
    pub secondary_skip: usize,
    /// When the last secondary limit was answered, and for how long.
    pub secondary_at: Option<(Instant, Duration)>,
    /// Requests that arrived while a limit said to wait.
    pub early: usize,
    pub pulls: BTreeMap<String, Vec<Value>>,
    /// Issue comments, oldest (lowest id) first.
    pub comments: Vec<super::comments::Comment>,
    pub hooks: Vec<Hook>,
    /// Where the App is installed: an account's login (every repository
    /// of it) or a repository's `owner/name`, to the installation id.
    pub installations: BTreeMap<String, u64>,
    pub next_id: u64,
}

impl State {
    pub fn new(token: String, public_der: Vec<u8>) -> State {
        State {
            token,
            app_id: 4242,
            app_public_der: public_der,
            minted: Vec::new(),
            token_lifetime: Duration::from_secs(3600),
            requests: Vec::new(),
            limit: 5000,
            remaining: 5000,
            reset_secs: now_secs() + 3600,
            secondary: VecDeque::new(),
            secondary_skip: 0,
            secondary_at: None,
            early: 0,
            pulls: BTreeMap::new(),
            comments: Vec::new(),
            hooks: Vec::new(),
            installations: BTreeMap::new(),
            next_id: 1000,
        }
    }

    pub fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn hook_mut(&mut self, id: u64) -> Option<&mut Hook> {
        self.hooks.iter_mut().find(|h| h.id == id)
    }
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

pub fn now_secs() -> u64 {
    now_ms() / 1000
}

/// GitHub's timestamps: `2026-01-01T00:00:00Z`.
pub fn iso(ms: u64) -> String {
    chrono::DateTime::from_timestamp_millis(ms as i64)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}
