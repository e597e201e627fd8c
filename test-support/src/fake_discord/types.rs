//! The fake's public data types: what tests read back (recorded requests,
//! stored messages and threads) and what they inject (faults and the
//! routes those apply to).

use serde_json::Value;
use std::time::{Duration, Instant};

/// One request as the fake received it. `status` is 0 until it is answered.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// The query string, without `?` (empty when none).
    pub query: String,
    pub body: Value,
    pub authorization: Option<String>,
    pub status: u16,
    /// When the request arrived; rate limits are decided at this instant.
    pub at: Instant,
}

/// A message stored in a channel or thread.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredMessage {
    pub id: u64,
    pub channel_id: u64,
    pub content: String,
    pub nonce: Option<String>,
    pub allowed_mentions: Option<Value>,
    /// The message's flags (`4`: `SUPPRESS_EMBEDS`, no link previews).
    pub flags: u64,
    pub body: Value,
}

/// A thread as it currently stands on the fake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredThread {
    pub id: u64,
    pub parent_id: u64,
    pub name: String,
    pub archived: bool,
    pub locked: bool,
    pub starter_message_id: Option<u64>,
}

/// Which requests a fault applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    CreateMessage,
    StartThreadFromMessage,
    UpdateChannel,
    GetChannel,
    EditMessage,
    DeleteMessage,
    ListMessages,
    GetCurrentUser,
    /// `POST /channels/{forum}/threads`.
    CreateForumPost,
    /// The active and archived thread listings.
    ListThreads,
    /// Adding, removing and listing thread members.
    ThreadMembers,
    Any,
}

/// A fault for the next `times` requests whose route matches.
#[derive(Clone, Debug)]
pub struct Fault {
    pub route: Route,
    pub kind: FaultKind,
    pub times: usize,
}

/// What an injected fault does to a request.
#[derive(Clone, Debug)]
pub enum FaultKind {
    /// Answer this status with `{"code":0,...}` and do nothing.
    Status(u16),
    /// Answer this status with this Discord error code and do nothing.
    ApiError(u16, u64),
    /// Answer 429 (scope `user`) with Discord's rate-limit headers and do nothing.
    RateLimited { retry_after: f64 },
    /// Answer 429 (scope `global`) and do nothing; like Discord, keep
    /// answering every request with a global 429 for `retry_after` seconds.
    RateLimitedGlobal { retry_after: f64 },
    /// Sleep, then handle the request normally.
    Delay(Duration),
    /// Do the work, then answer this status instead: a lost reply.
    AfterSuccess(u16),
    /// Do the work, then sleep before answering: a lost reply once the client times out.
    DelayAfterSuccess(Duration),
}
