//! The fake's state behind one mutex: channels and threads, messages,
//! pending faults, recorded requests, the limiter and the settings. The
//! mutex is only ever held for short, synchronous work, never across an
//! await, so requests sleeping out latency or faults run concurrently.

use super::limits::Limiter;
use super::types::{Fault, FaultKind, Recorded, Route, StoredMessage, StoredThread};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub(super) const FIRST_ID: u64 = 1_100_000_000_000_000_000;
/// Discord's epoch (2015-01-01T00:00:00Z) in Unix milliseconds.
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;
const DEFAULT_NONCE_WINDOW: Duration = Duration::from_secs(300);
const DEFAULT_RENAME_WINDOW: Duration = Duration::from_secs(600);
pub(super) const RENAMES_PER_WINDOW: usize = 2;

pub(super) type Shared = Arc<Mutex<State>>;

/// Locks the state; a panic elsewhere (a failed test assertion on another
/// thread) must not turn every later request into a second panic.
pub(super) fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(super) struct State {
    next_id: u64,
    pub channels: BTreeMap<u64, Channel>,
    pub messages: Vec<MessageEntry>,
    /// Messages deleted through the API, for tests to read back.
    pub deleted: Vec<StoredMessage>,
    pub faults: VecDeque<Fault>,
    pub requests: Vec<Recorded>,
    /// Requests forgotten by `clear_requests`, so that indexes stay valid.
    pub cleared: usize,
    pub latency: Duration,
    pub rename_window: Duration,
    pub nonce_window: Duration,
    pub limiter: Limiter,
    pub interactions: super::interactions::Interactions,
    /// Thread id → its members' user ids.
    pub members: BTreeMap<u64, BTreeSet<u64>>,
    /// Lowercase words AutoMod refuses ([`super::automod`]).
    pub blocked_words: Vec<String>,
}

impl State {
    pub(super) fn new() -> State {
        State {
            next_id: FIRST_ID,
            channels: BTreeMap::new(),
            messages: Vec::new(),
            deleted: Vec::new(),
            faults: VecDeque::new(),
            requests: Vec::new(),
            cleared: 0,
            latency: Duration::ZERO,
            rename_window: DEFAULT_RENAME_WINDOW,
            nonce_window: DEFAULT_NONCE_WINDOW,
            limiter: Limiter::default(),
            interactions: Default::default(),
            members: BTreeMap::new(),
            blocked_words: Vec::new(),
        }
    }

    /// A snowflake like Discord's: the creation time in its top bits (ms
    /// since Discord's epoch, shifted by 22), always above the last one.
    pub(super) fn next_id(&mut self) -> u64 {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis() as u64;
        self.next_id = (self.next_id + 1).max(now.saturating_sub(DISCORD_EPOCH_MS) << 22);
        self.next_id
    }

    /// Records a request; the number identifies it for `answered`.
    pub(super) fn record(&mut self, request: Recorded) -> usize {
        self.requests.push(request);
        self.cleared + self.requests.len() - 1
    }

    /// Sets the status of request `number`, unless it was cleared since.
    pub(super) fn answered(&mut self, number: usize, status: u16) {
        let index = number.checked_sub(self.cleared);
        if let Some(r) = index.and_then(|i| self.requests.get_mut(i)) {
            r.status = status;
        }
    }

    pub(super) fn clear_requests(&mut self) {
        self.cleared += self.requests.len();
        self.requests.clear();
    }

    pub(super) fn take_fault(&mut self, route: Route) -> Option<FaultKind> {
        let pos = self
            .faults
            .iter()
            .position(|f| f.route == Route::Any || f.route == route)?;
        let fault = &mut self.faults[pos];
        let kind = fault.kind.clone();
        fault.times -= 1;
        if fault.times == 0 {
            self.faults.remove(pos);
        }
        Some(kind)
    }

    pub(super) fn message_count(&self, channel_id: u64) -> usize {
        self.messages
            .iter()
            .filter(|m| m.stored.channel_id == channel_id)
            .count()
    }
}

/// The ISO 8601 time of a snowflake, as Discord writes `timestamp`.
pub(super) fn timestamp_of(id: u64) -> String {
    let ms = (id >> 22) + DISCORD_EPOCH_MS;
    let at = chrono::DateTime::from_timestamp_millis(ms as i64).unwrap_or_default();
    at.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}

pub(super) struct Channel {
    pub id: u64,
    pub name: String,
    pub renames: VecDeque<Instant>,
    pub thread: Option<ThreadInfo>,
    /// Set on a forum channel (type 15).
    pub forum: Option<super::forum::ForumInfo>,
}

pub(super) struct ThreadInfo {
    pub parent_id: u64,
    pub archived: bool,
    pub locked: bool,
    pub auto_archive_duration: u64,
    pub starter_message_id: Option<u64>,
    /// A forum post's tags (ids), in their order.
    pub applied_tags: Vec<u64>,
}

impl Channel {
    pub(super) fn text(id: u64) -> Channel {
        let name = format!("channel-{}", id - FIRST_ID);
        Channel {
            id,
            name,
            renames: VecDeque::new(),
            thread: None,
            forum: None,
        }
    }

    pub(super) fn stored_thread(&self) -> Option<StoredThread> {
        let t = self.thread.as_ref()?;
        Some(StoredThread {
            id: self.id,
            parent_id: t.parent_id,
            name: self.name.clone(),
            archived: t.archived,
            locked: t.locked,
            starter_message_id: t.starter_message_id,
        })
    }

    /// Seconds until a rename is allowed again, or `None` if it is allowed now.
    pub(super) fn rename_wait(&mut self, window: Duration) -> Option<f64> {
        let now = Instant::now();
        while self
            .renames
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            self.renames.pop_front();
        }
        if self.renames.len() < RENAMES_PER_WINDOW {
            return None;
        }
        let oldest = self.renames.front()?;
        Some((window - now.duration_since(*oldest)).as_secs_f64())
    }
}

pub(super) struct MessageEntry {
    pub stored: StoredMessage,
    pub created: Instant,
    pub has_thread: bool,
    pub json: Value,
}
