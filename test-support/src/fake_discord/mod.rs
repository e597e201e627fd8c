//! A fake of Discord's REST API v10 for integration tests and benches. It runs
//! an actix-web server on 127.0.0.1 in its own thread and `actix_web::rt::System`,
//! so it works under any caller runtime. twilight-http reaches it through
//! `ClientBuilder::proxy(fake.proxy_addr(), true)`. It implements the few routes
//! Threadline uses (create message, start thread from message, update channel,
//! get channel, edit and delete message, list messages, get current user,
//! for forums (`forum`) create a post and list threads, and add, remove
//! and list thread members (`members`))
//! with Discord's validation, error codes, snowflake ids that carry their
//! creation time, and rename window,
//! records every request, and can inject faults such as lost replies and rate
//! limits, or refuse words as AutoMod does (`automod`). A rate-limits mode (`set_limits`, off by default) adds Discord's
//! global limit and per-route buckets, with their headers on every response.
//!
//! This file is the public surface; the submodules hold the server, the
//! state, the limiter and one module per group of routes.

mod automod;
mod channels;
mod edits;
mod endpoint;
mod fields;
mod forum;
mod handle;
mod history;
mod interactions;
mod limits;
mod members;
mod messages;
mod reply;
mod server;
mod state;
mod types;

// Each test crate uses only part of this surface; the rest is not dead.
#[allow(unused_imports)]
pub use handle::FakeHandle;
#[allow(unused_imports)]
pub use history::Author;
#[allow(unused_imports)]
pub use interactions::APPLICATION_ID;
#[allow(unused_imports)]
pub use limits::{BucketLimit, Limits, RateLimitCounts};
#[allow(unused_imports)]
pub use types::{Fault, FaultKind, Recorded, Route, StoredMessage, StoredThread};

use actix_web::dev::ServerHandle;
use state::{Channel, State, ThreadInfo};
use std::net::{SocketAddr, TcpListener};
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The running fake; the server stops when this is dropped.
pub struct FakeDiscord {
    addr: SocketAddr,
    handle: FakeHandle,
    server: ServerHandle,
}

impl FakeDiscord {
    pub fn handle(&self) -> FakeHandle {
        self.handle.clone()
    }

    /// Binds 127.0.0.1:0 and returns once the socket is listening.
    pub fn start() -> FakeDiscord {
        let listener = TcpListener::bind("127.0.0.1:0").expect("fake discord: bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("fake discord: local addr");
        let state = Arc::new(Mutex::new(State::new()));
        let (tx, rx) = mpsc::channel();
        let server_state = state.clone();
        std::thread::Builder::new()
            .name("fake-discord".into())
            .spawn(move || server::serve(listener, server_state, tx))
            .expect("fake discord: spawn thread");
        let server = rx.recv().expect("fake discord: server failed to start");
        FakeDiscord {
            addr,
            handle: FakeHandle { state },
            server,
        }
    }

    /// `127.0.0.1:PORT`, for twilight's `ClientBuilder::proxy`.
    pub fn proxy_addr(&self) -> String {
        self.addr.to_string()
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Creates a guild text channel (type 0) and returns its id.
    pub fn add_text_channel(&self) -> u64 {
        let mut st = self.lock();
        let id = st.next_id();
        st.channels.insert(id, Channel::text(id));
        id
    }

    /// Every request received, in arrival order, including failed ones.
    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    /// Forgets the recorded requests (e.g. between bench phases).
    pub fn clear_requests(&self) {
        self.lock().clear_requests();
    }

    /// Messages currently in that channel or thread, in creation order.
    pub fn messages(&self, channel_id: u64) -> Vec<StoredMessage> {
        let st = self.lock();
        let in_channel = st
            .messages
            .iter()
            .filter(|m| m.stored.channel_id == channel_id);
        in_channel.map(|m| m.stored.clone()).collect()
    }

    /// One stored message by id, wherever it is.
    pub fn message(&self, id: u64) -> Option<StoredMessage> {
        let st = self.lock();
        st.messages
            .iter()
            .find(|m| m.stored.id == id)
            .map(|m| m.stored.clone())
    }

    /// All live threads, by id.
    pub fn threads(&self) -> Vec<StoredThread> {
        self.lock()
            .channels
            .values()
            .filter_map(Channel::stored_thread)
            .collect()
    }

    /// One live thread; `None` if unknown or deleted.
    pub fn thread(&self, id: u64) -> Option<StoredThread> {
        self.lock()
            .channels
            .get(&id)
            .and_then(Channel::stored_thread)
    }

    /// Queues a fault; faults are consumed FIFO by the first matching request.
    /// A fault with `times == 0` is ignored.
    pub fn inject(&self, fault: Fault) {
        self.handle.inject(fault);
    }

    /// Faults not yet consumed.
    pub fn pending_faults(&self) -> usize {
        self.handle.pending_faults()
    }

    /// Turns Discord-like rate limits on (`Some`) or off (`None`, the default).
    pub fn set_limits(&self, limits: Option<Limits>) {
        self.handle.set_limits(limits);
    }

    /// 429s answered so far, by scope.
    pub fn rate_limited(&self) -> RateLimitCounts {
        self.handle.rate_limited()
    }

    /// Delay added before every response.
    pub fn set_latency(&self, d: Duration) {
        self.lock().latency = d;
    }

    /// How long Discord remembers a nonce sent with `enforce_nonce`
    /// (default 300 s); a repeat after it posts again.
    pub fn set_nonce_window(&self, d: Duration) {
        self.lock().nonce_window = d;
    }

    /// Blocks `word` as Discord's AutoMod would: a message holding it is
    /// refused with 400 code 200000, a thread or post name with 200001.
    pub fn block_word(&self, word: &str) {
        self.lock().blocked_words.push(word.to_lowercase());
    }

    /// Window for Discord's "two renames per channel" limit (default 600 s).
    pub fn set_rename_window(&self, d: Duration) {
        self.lock().rename_window = d;
    }

    /// Simulates deletion on Discord: the thread and its messages are gone and
    /// later calls get 404 10003. The starter message stays and still counts
    /// as having had a thread, so starting another thread from it gets 160004.
    pub fn delete_thread(&self, id: u64) {
        let mut st = self.lock();
        st.channels.remove(&id);
        st.messages.retain(|m| m.stored.channel_id != id);
    }

    /// Archives a thread as Discord's inactivity timer would.
    pub fn archive_thread(&self, id: u64) {
        self.with_thread(id, |t| t.archived = true);
    }

    /// Locks a thread as a moderator would.
    pub fn lock_thread(&self, id: u64) {
        self.with_thread(id, |t| t.locked = true);
    }

    fn with_thread(&self, id: u64, change: impl FnOnce(&mut ThreadInfo)) {
        let mut st = self.lock();
        let thread = st.channels.get_mut(&id).and_then(|c| c.thread.as_mut());
        change(thread.expect("fake discord: no such thread"));
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.handle.lock()
    }
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        // Stop is sent at once; waiting for it would need a runtime here.
        drop(self.server.stop(false));
    }
}
