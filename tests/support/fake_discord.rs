//! A fake of Discord's REST API v10 for integration tests and benches. It runs
//! an actix-web server on 127.0.0.1 in its own thread and `actix_web::rt::System`,
//! so it works under any caller runtime. twilight-http reaches it through
//! `ClientBuilder::proxy(fake.proxy_addr(), true)`. It implements the few routes
//! Threadline uses (create message, start thread from message, update channel,
//! get channel) with Discord's limits, error codes and 429 headers, records every
//! request, and can inject faults such as lost replies and rate limits.

use actix_web::{
    dev::ServerHandle, http::StatusCode, web, App, HttpRequest, HttpResponse, HttpServer,
};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, VecDeque};
use std::net::{SocketAddr, TcpListener};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const FIRST_ID: u64 = 1_100_000_000_000_000_000;
const BOT_USER_ID: &str = "1000000000000000001";
const GUILD_ID: &str = "1";
const TIMESTAMP: &str = "2026-01-01T00:00:00.000000+00:00";
const NONCE_WINDOW: Duration = Duration::from_secs(300);
const DEFAULT_RENAME_WINDOW: Duration = Duration::from_secs(600);
const RENAMES_PER_WINDOW: usize = 2;
const ARCHIVE_DURATIONS: [u64; 4] = [60, 1440, 4320, 10080];
const DEFAULT_ARCHIVE_DURATION: u64 = 1440;
const MAX_CONTENT_CHARS: usize = 2000;
const MAX_NAME_CHARS: usize = 100;
const MAX_NONCE_CHARS: usize = 25;
const MAX_EMBEDS: usize = 10;
const MAX_EMBED_CHARS: usize = 6000;
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// One request as the fake received it. `status` is 0 until it is answered.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub body: Value,
    pub authorization: Option<String>,
    pub status: u16,
}

/// A message stored in a channel or thread.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredMessage {
    pub id: u64,
    pub channel_id: u64,
    pub content: String,
    pub nonce: Option<String>,
    pub allowed_mentions: Option<Value>,
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
    /// Answer 429 with Discord's rate-limit headers and do nothing.
    RateLimited { retry_after: f64 },
    /// Sleep, then handle the request normally.
    Delay(Duration),
    /// Do the work, then answer this status instead: a lost reply.
    AfterSuccess(u16),
    /// Do the work, then sleep before answering: a lost reply once the client times out.
    DelayAfterSuccess(Duration),
}

/// The running fake; the server stops when this is dropped.
pub struct FakeDiscord {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    server: ServerHandle,
}

/// A cheap, `Send` handle on the fake's state, for background tasks
/// such as fault injectors.
#[derive(Clone)]
pub struct FakeHandle {
    state: Arc<Mutex<State>>,
}

impl FakeHandle {
    pub fn inject(&self, fault: Fault) {
        if fault.times > 0 {
            self.state.lock().unwrap().faults.push_back(fault);
        }
    }

    pub fn pending_faults(&self) -> usize {
        self.state.lock().unwrap().faults.len()
    }

    /// How many requests arrived so far.
    pub fn requests_seen(&self) -> usize {
        self.state.lock().unwrap().requests.len()
    }
}

impl FakeDiscord {
    pub fn handle(&self) -> FakeHandle {
        FakeHandle {
            state: self.state.clone(),
        }
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
            .spawn(move || serve(listener, server_state, tx))
            .expect("fake discord: spawn thread");
        let server = rx.recv().expect("fake discord: server failed to start");
        FakeDiscord {
            addr,
            state,
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
        self.lock().requests.clear();
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
        if fault.times > 0 {
            self.lock().faults.push_back(fault);
        }
    }

    /// Faults not yet consumed.
    pub fn pending_faults(&self) -> usize {
        self.lock().faults.len()
    }

    /// Delay added before every response.
    pub fn set_latency(&self, d: Duration) {
        self.lock().latency = d;
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

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        // Stop is sent at once; waiting for it would need a runtime here.
        drop(self.server.stop(false));
    }
}

fn serve(listener: TcpListener, state: Arc<Mutex<State>>, tx: mpsc::Sender<ServerHandle>) {
    let system = actix_web::rt::System::new();
    let result = system.block_on(async move {
        let data = web::Data::from(state);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
                .default_service(web::to(handle))
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(0)
        .listen(listener)?
        .run();
        let _ = tx.send(server.handle());
        server.await
    });
    if let Err(err) = result {
        log::error!("fake discord server failed: {err}");
    }
}

type Shared = Arc<Mutex<State>>;

struct State {
    next_id: u64,
    channels: BTreeMap<u64, Channel>,
    messages: Vec<MessageEntry>,
    faults: VecDeque<Fault>,
    requests: Vec<Recorded>,
    latency: Duration,
    rename_window: Duration,
}

impl State {
    fn new() -> State {
        State {
            next_id: FIRST_ID,
            channels: BTreeMap::new(),
            messages: Vec::new(),
            faults: VecDeque::new(),
            requests: Vec::new(),
            latency: Duration::ZERO,
            rename_window: DEFAULT_RENAME_WINDOW,
        }
    }

    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn take_fault(&mut self, route: Route) -> Option<FaultKind> {
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

    fn message_count(&self, channel_id: u64) -> usize {
        self.messages
            .iter()
            .filter(|m| m.stored.channel_id == channel_id)
            .count()
    }
}

struct Channel {
    id: u64,
    name: String,
    renames: VecDeque<Instant>,
    thread: Option<ThreadInfo>,
}

struct ThreadInfo {
    parent_id: u64,
    archived: bool,
    locked: bool,
    auto_archive_duration: u64,
    starter_message_id: Option<u64>,
}

impl Channel {
    fn text(id: u64) -> Channel {
        let name = format!("channel-{}", id - FIRST_ID);
        Channel {
            id,
            name,
            renames: VecDeque::new(),
            thread: None,
        }
    }

    fn stored_thread(&self) -> Option<StoredThread> {
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
    fn rename_wait(&mut self, window: Duration) -> Option<f64> {
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

struct MessageEntry {
    stored: StoredMessage,
    created: Instant,
    has_thread: bool,
    json: Value,
}

/// The fake's answer, kept `Send` so it can cross the spawned task.
struct Reply {
    status: u16,
    body: Value,
    rate_limit: Option<(f64, &'static str)>,
}

impl Reply {
    fn ok(body: Value) -> Reply {
        Reply {
            status: 200,
            body,
            rate_limit: None,
        }
    }

    fn error(status: u16, code: u64, message: &str) -> Reply {
        let body = json!({ "code": code, "message": message });
        Reply {
            status,
            body,
            rate_limit: None,
        }
    }

    fn invalid_form(field: &str, problem: &str) -> Reply {
        let errors =
            json!({ field: { "_errors": [{ "code": "BASE_TYPE_INVALID", "message": problem }] } });
        let body = json!({ "code": 50035, "errors": errors, "message": "Invalid Form Body" });
        Reply {
            status: 400,
            body,
            rate_limit: None,
        }
    }

    fn invalid_json() -> Reply {
        Reply::error(400, 50109, "The request body contains invalid JSON.")
    }

    fn unknown_channel() -> Reply {
        Reply::error(404, 10003, "Unknown Channel")
    }

    fn rate_limited(retry_after: f64, bucket: &'static str) -> Reply {
        // Rounded up so a client that waits exactly this long is not early.
        let retry_after = (retry_after * 1000.0).ceil() / 1000.0;
        let body = json!({ "message": "You are being rate limited.", "retry_after": retry_after, "global": false });
        Reply {
            status: 429,
            body,
            rate_limit: Some((retry_after, bucket)),
        }
    }

    fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    fn into_response(self) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut builder = HttpResponse::build(status);
        if let Some((retry_after, bucket)) = self.rate_limit {
            add_rate_limit_headers(&mut builder, retry_after, bucket);
        }
        builder
            .content_type("application/json")
            .body(self.body.to_string())
    }
}

fn add_rate_limit_headers(
    builder: &mut actix_web::HttpResponseBuilder,
    retry_after: f64,
    bucket: &str,
) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let reset = now.as_secs_f64() + retry_after;
    builder
        .insert_header(("Retry-After", retry_after.ceil().to_string()))
        .insert_header(("X-RateLimit-Limit", "2"))
        .insert_header(("X-RateLimit-Remaining", "0"))
        .insert_header(("X-RateLimit-Reset", format!("{reset:.3}")))
        .insert_header(("X-RateLimit-Reset-After", format!("{retry_after:.3}")))
        .insert_header(("X-RateLimit-Bucket", bucket.to_owned()))
        .insert_header(("X-RateLimit-Scope", "user"));
}

/// A request the fake understands, with ids parsed.
#[derive(Clone, Copy)]
enum Endpoint {
    CreateMessage(u64),
    StartThread(u64, u64),
    UpdateChannel(u64),
    GetChannel(u64),
}

impl Endpoint {
    /// `Err` carries the reply for paths that are unknown or have a bad id.
    fn parse(method: &str, path: &str) -> Result<Endpoint, Reply> {
        let not_found = || Reply::error(404, 0, "404: Not Found");
        let rest = path.strip_prefix("/api/v10/").ok_or_else(not_found)?;
        let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
        match (method, segments.as_slice()) {
            ("POST", ["channels", c, "messages"]) => Ok(Endpoint::CreateMessage(snowflake(c)?)),
            ("POST", ["channels", c, "messages", m, "threads"]) => {
                Ok(Endpoint::StartThread(snowflake(c)?, snowflake(m)?))
            }
            ("PATCH", ["channels", c]) => Ok(Endpoint::UpdateChannel(snowflake(c)?)),
            ("GET", ["channels", c]) => Ok(Endpoint::GetChannel(snowflake(c)?)),
            _ => Err(not_found()),
        }
    }

    fn route(self) -> Route {
        match self {
            Endpoint::CreateMessage(_) => Route::CreateMessage,
            Endpoint::StartThread(..) => Route::StartThreadFromMessage,
            Endpoint::UpdateChannel(_) => Route::UpdateChannel,
            Endpoint::GetChannel(_) => Route::GetChannel,
        }
    }
}

fn snowflake(segment: &str) -> Result<u64, Reply> {
    segment
        .parse()
        .map_err(|_| Reply::invalid_form("id", "Value is not snowflake."))
}

fn bucket(route: Route) -> &'static str {
    match route {
        Route::CreateMessage => "80c17d2f203122d936070c88c8d10f33",
        Route::StartThreadFromMessage => "1d9b2f6c8e0a4b3d5f7e9c1a2b4d6f80",
        Route::UpdateChannel => "a06de2b7c1f34e5d9b8a7c6d5e4f3a21",
        Route::GetChannel => "3f2e1d0c9b8a79685746352413021f0e",
        Route::Any => "00000000000000000000000000000000",
    }
}

/// What arrived, copied out of actix types.
struct Incoming {
    method: String,
    path: String,
    body: Value,
    authorization: Option<String>,
}

async fn handle(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<Mutex<State>>,
) -> HttpResponse {
    let incoming = Incoming {
        method: req.method().to_string(),
        path: req.path().to_owned(),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        authorization: req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    // Spawned so the work finishes even if the client hangs up mid-request.
    let task = actix_web::rt::spawn(process(state.into_inner(), incoming));
    let reply = task
        .await
        .unwrap_or_else(|_| Reply::error(500, 0, "fake discord panicked"));
    reply.into_response()
}

async fn process(state: Shared, incoming: Incoming) -> Reply {
    let index = record(&state, &incoming);
    let latency = state.lock().unwrap().latency;
    tokio::time::sleep(latency).await;
    let (reply, delay) = respond(&state, &incoming).await;
    state.lock().unwrap().requests[index].status = reply.status;
    tokio::time::sleep(delay).await;
    reply
}

fn record(state: &Shared, incoming: &Incoming) -> usize {
    let mut st = state.lock().unwrap();
    st.requests.push(Recorded {
        method: incoming.method.clone(),
        path: incoming.path.clone(),
        body: incoming.body.clone(),
        authorization: incoming.authorization.clone(),
        status: 0,
    });
    st.requests.len() - 1
}

/// The reply, plus how long to hold it back after the work is done.
async fn respond(state: &Shared, incoming: &Incoming) -> (Reply, Duration) {
    let authorized = incoming
        .authorization
        .as_deref()
        .is_some_and(|a| a.starts_with("Bot "));
    if !authorized {
        return (Reply::error(401, 0, "401: Unauthorized"), Duration::ZERO);
    }
    let endpoint = match Endpoint::parse(&incoming.method, &incoming.path) {
        Ok(endpoint) => endpoint,
        Err(reply) => return (reply, Duration::ZERO),
    };
    let fault = state.lock().unwrap().take_fault(endpoint.route());
    apply_fault(state, endpoint, &incoming.body, fault).await
}

async fn apply_fault(
    state: &Shared,
    endpoint: Endpoint,
    body: &Value,
    fault: Option<FaultKind>,
) -> (Reply, Duration) {
    let run = || execute(&mut state.lock().unwrap(), endpoint, body);
    let reply = match fault {
        None => run(),
        Some(FaultKind::Status(status)) => Reply::error(status, 0, "Injected fault"),
        Some(FaultKind::ApiError(status, code)) => Reply::error(status, code, error_message(code)),
        Some(FaultKind::RateLimited { retry_after }) => {
            Reply::rate_limited(retry_after, bucket(endpoint.route()))
        }
        Some(FaultKind::Delay(d)) => {
            tokio::time::sleep(d).await;
            run()
        }
        Some(FaultKind::AfterSuccess(status)) => lose_reply(run(), status),
        Some(FaultKind::DelayAfterSuccess(d)) => return (run(), d),
    };
    (reply, Duration::ZERO)
}

fn lose_reply(reply: Reply, status: u16) -> Reply {
    if reply.is_success() {
        Reply::error(status, 0, "Injected fault after success")
    } else {
        reply
    }
}

fn error_message(code: u64) -> &'static str {
    match code {
        10003 => "Unknown Channel",
        10008 => "Unknown Message",
        50001 => "Missing Access",
        50013 => "Missing Permissions",
        50083 => "Thread is archived",
        160004 => "A thread has already been created for this message",
        160005 => "Thread is locked",
        _ => "Injected error",
    }
}

fn execute(st: &mut State, endpoint: Endpoint, body: &Value) -> Reply {
    let result = match endpoint {
        Endpoint::CreateMessage(channel_id) => create_message(st, channel_id, body),
        Endpoint::StartThread(channel_id, message_id) => {
            start_thread(st, channel_id, message_id, body)
        }
        Endpoint::UpdateChannel(id) => update_channel(st, id, body),
        Endpoint::GetChannel(id) => get_channel(st, id),
    };
    result.unwrap_or_else(|reply| reply)
}

// ---- create message ----

struct NewMessage {
    content: String,
    nonce: Option<String>,
    enforce_nonce: bool,
    allowed_mentions: Option<Value>,
    embeds: Vec<Value>,
}

fn create_message(st: &mut State, channel_id: u64, body: &Value) -> Result<Reply, Reply> {
    let channel = st
        .channels
        .get(&channel_id)
        .ok_or_else(Reply::unknown_channel)?;
    let new = parse_new_message(body)?;
    if channel.thread.as_ref().is_some_and(|t| t.locked) {
        return Err(Reply::error(403, 160005, "Thread is locked"));
    }
    if let Some(existing) = find_by_nonce(st, &new) {
        return Ok(Reply::ok(existing));
    }
    if let Some(thread) = st
        .channels
        .get_mut(&channel_id)
        .and_then(|c| c.thread.as_mut())
    {
        thread.archived = false;
    }
    let id = st.next_id();
    let entry = message_entry(id, channel_id, new, body);
    let reply = Reply::ok(entry.json.clone());
    st.messages.push(entry);
    Ok(reply)
}

fn find_by_nonce(st: &State, new: &NewMessage) -> Option<Value> {
    let nonce = new.nonce.as_ref().filter(|_| new.enforce_nonce)?;
    let recent = st
        .messages
        .iter()
        .filter(|m| m.created.elapsed() < NONCE_WINDOW);
    let mut same = recent.filter(|m| m.stored.nonce.as_ref() == Some(nonce));
    same.next().map(|m| m.json.clone())
}

fn message_entry(id: u64, channel_id: u64, new: NewMessage, body: &Value) -> MessageEntry {
    let json = message_json(id, channel_id, &new);
    let stored = StoredMessage {
        id,
        channel_id,
        content: new.content,
        nonce: new.nonce,
        allowed_mentions: new.allowed_mentions,
        body: body.clone(),
    };
    MessageEntry {
        stored,
        created: Instant::now(),
        has_thread: false,
        json,
    }
}

fn message_json(id: u64, channel_id: u64, new: &NewMessage) -> Value {
    let mut json = json!({
        "id": id.to_string(),
        "channel_id": channel_id.to_string(),
        "type": 0,
        "content": new.content,
        "author": {
            "id": BOT_USER_ID, "username": "threadline", "discriminator": "0000",
            "bot": true, "avatar": null, "global_name": null,
        },
        "attachments": [],
        "embeds": new.embeds,
        "mentions": [],
        "mention_roles": [],
        "mention_everyone": false,
        "pinned": false,
        "tts": false,
        "timestamp": TIMESTAMP,
        "edited_timestamp": null,
        "flags": 0,
        "components": [],
    });
    if let Some(nonce) = &new.nonce {
        json["nonce"] = Value::String(nonce.clone());
    }
    json
}

fn parse_new_message(body: &Value) -> Result<NewMessage, Reply> {
    let obj = body.as_object().ok_or_else(Reply::invalid_json)?;
    let content = optional_string(obj, "content")?.unwrap_or_default();
    if content.chars().count() > MAX_CONTENT_CHARS {
        return Err(Reply::invalid_form(
            "content",
            "Must be 2000 or fewer in length.",
        ));
    }
    let embeds = parse_embeds(obj)?;
    if content.is_empty() && embeds.is_empty() {
        return Err(Reply::error(400, 50006, "Cannot send an empty message"));
    }
    Ok(NewMessage {
        content,
        nonce: parse_nonce(obj)?,
        enforce_nonce: optional_bool(obj, "enforce_nonce")?.unwrap_or(false),
        allowed_mentions: optional_object(obj, "allowed_mentions")?,
        embeds,
    })
}

fn parse_nonce(obj: &Map<String, Value>) -> Result<Option<String>, Reply> {
    match obj.get("nonce") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.is_u64() || n.is_i64() => Ok(Some(n.to_string())),
        Some(Value::String(s)) if s.chars().count() <= MAX_NONCE_CHARS => Ok(Some(s.clone())),
        Some(_) => Err(Reply::invalid_form(
            "nonce",
            "Must be an integer or a string of 25 or fewer characters.",
        )),
    }
}

fn parse_embeds(obj: &Map<String, Value>) -> Result<Vec<Value>, Reply> {
    let embeds = match obj.get("embeds") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(embeds)) if embeds.len() <= MAX_EMBEDS => embeds,
        Some(_) => {
            return Err(Reply::invalid_form(
                "embeds",
                "Must be an array of 10 or fewer embeds.",
            ))
        }
    };
    if embeds.iter().any(|e| !e.is_object()) {
        return Err(Reply::invalid_form("embeds", "Must be objects."));
    }
    if embeds.iter().map(embed_chars).sum::<usize>() > MAX_EMBED_CHARS {
        return Err(Reply::invalid_form(
            "embeds",
            "Embed size exceeds maximum size of 6000",
        ));
    }
    Ok(embeds.iter().cloned().map(with_embed_type).collect())
}

// Discord fills in `type`, and twilight's Embed requires it.
fn with_embed_type(mut embed: Value) -> Value {
    if embed.get("type").is_none() {
        embed["type"] = json!("rich");
    }
    embed
}

fn embed_chars(embed: &Value) -> usize {
    let text = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
    let fields = embed["fields"].as_array().map_or(0, |fields| {
        fields
            .iter()
            .map(|f| text(&f["name"]) + text(&f["value"]))
            .sum()
    });
    text(&embed["title"])
        + text(&embed["description"])
        + text(&embed["footer"]["text"])
        + text(&embed["author"]["name"])
        + fields
}

// ---- start thread from message ----

fn start_thread(
    st: &mut State,
    channel_id: u64,
    message_id: u64,
    body: &Value,
) -> Result<Reply, Reply> {
    let channel = st
        .channels
        .get(&channel_id)
        .ok_or_else(Reply::unknown_channel)?;
    if channel.thread.is_some() {
        return Err(Reply::error(
            400,
            50024,
            "Cannot execute action on this channel type",
        ));
    }
    let obj = body.as_object().ok_or_else(Reply::invalid_json)?;
    let name = required_name(obj)?;
    let auto_archive_duration = parse_archive_duration(obj)?.unwrap_or(DEFAULT_ARCHIVE_DURATION);
    let entry = st
        .messages
        .iter_mut()
        .find(|m| m.stored.id == message_id && m.stored.channel_id == channel_id);
    let entry = entry.ok_or_else(|| Reply::error(404, 10008, "Unknown Message"))?;
    if entry.has_thread {
        return Err(Reply::error(
            400,
            160004,
            "A thread has already been created for this message",
        ));
    }
    entry.has_thread = true;
    let thread = ThreadInfo {
        parent_id: channel_id,
        archived: false,
        locked: false,
        auto_archive_duration,
        starter_message_id: Some(message_id),
    };
    let channel = Channel {
        id: message_id,
        name,
        renames: VecDeque::new(),
        thread: Some(thread),
    };
    let reply = Reply::ok(channel_json(st, &channel));
    st.channels.insert(message_id, channel);
    Ok(reply)
}

fn required_name(obj: &Map<String, Value>) -> Result<String, Reply> {
    optional_name(obj)?.ok_or_else(|| Reply::invalid_form("name", "This field is required"))
}

fn optional_name(obj: &Map<String, Value>) -> Result<Option<String>, Reply> {
    let name = optional_string(obj, "name")?;
    match name {
        Some(n) if n.is_empty() || n.chars().count() > MAX_NAME_CHARS => Err(Reply::invalid_form(
            "name",
            "Must be between 1 and 100 in length.",
        )),
        name => Ok(name),
    }
}

fn parse_archive_duration(obj: &Map<String, Value>) -> Result<Option<u64>, Reply> {
    match obj.get("auto_archive_duration") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_u64().filter(|d| ARCHIVE_DURATIONS.contains(d)) {
            Some(d) => Ok(Some(d)),
            None => Err(Reply::invalid_form(
                "auto_archive_duration",
                "Value must be one of {60, 1440, 4320, 10080}.",
            )),
        },
    }
}

// ---- update channel ----

struct ChannelPatch {
    name: Option<String>,
    archived: Option<bool>,
    locked: Option<bool>,
    auto_archive_duration: Option<u64>,
}

fn update_channel(st: &mut State, id: u64, body: &Value) -> Result<Reply, Reply> {
    let window = st.rename_window;
    let channel = st
        .channels
        .get_mut(&id)
        .ok_or_else(Reply::unknown_channel)?;
    let obj = body.as_object().ok_or_else(Reply::invalid_json)?;
    let patch = ChannelPatch {
        name: optional_name(obj)?,
        archived: optional_bool(obj, "archived")?,
        locked: optional_bool(obj, "locked")?,
        auto_archive_duration: parse_archive_duration(obj)?,
    };
    check_archived(channel, &patch)?;
    let renamed = patch.name.as_ref().is_some_and(|n| *n != channel.name);
    if renamed {
        if let Some(wait) = channel.rename_wait(window) {
            return Err(Reply::rate_limited(wait, bucket(Route::UpdateChannel)));
        }
        channel.renames.push_back(Instant::now());
    }
    apply_patch(channel, patch);
    let channel = &st.channels[&id];
    Ok(Reply::ok(channel_json(st, channel)))
}

/// Discord refuses changes to an archived thread unless they unarchive it.
fn check_archived(channel: &Channel, patch: &ChannelPatch) -> Result<(), Reply> {
    let Some(t) = &channel.thread else {
        return Ok(());
    };
    if !t.archived || patch.archived == Some(false) {
        return Ok(());
    }
    let renamed = patch.name.as_ref().is_some_and(|n| *n != channel.name);
    let changed = renamed
        || differs(patch.locked, t.locked)
        || differs(patch.auto_archive_duration, t.auto_archive_duration);
    if changed {
        return Err(Reply::error(400, 50083, "Thread is archived"));
    }
    Ok(())
}

fn differs<T: PartialEq>(new: Option<T>, old: T) -> bool {
    new.is_some_and(|n| n != old)
}

fn apply_patch(channel: &mut Channel, patch: ChannelPatch) {
    if let Some(name) = patch.name {
        channel.name = name;
    }
    let Some(t) = channel.thread.as_mut() else {
        return;
    };
    t.archived = patch.archived.unwrap_or(t.archived);
    t.locked = patch.locked.unwrap_or(t.locked);
    t.auto_archive_duration = patch
        .auto_archive_duration
        .unwrap_or(t.auto_archive_duration);
}

// ---- get channel ----

fn get_channel(st: &State, id: u64) -> Result<Reply, Reply> {
    let channel = st.channels.get(&id).ok_or_else(Reply::unknown_channel)?;
    Ok(Reply::ok(channel_json(st, channel)))
}

fn channel_json(st: &State, channel: &Channel) -> Value {
    match &channel.thread {
        None => text_channel_json(channel),
        Some(t) => thread_json(channel, t, st.message_count(channel.id)),
    }
}

fn text_channel_json(channel: &Channel) -> Value {
    json!({
        "id": channel.id.to_string(),
        "type": 0,
        "guild_id": GUILD_ID,
        "name": channel.name,
        "position": 0,
        "permission_overwrites": [],
        "nsfw": false,
        "topic": null,
        "last_message_id": null,
        "parent_id": null,
        "rate_limit_per_user": 0,
        "flags": 0,
    })
}

fn thread_json(channel: &Channel, t: &ThreadInfo, message_count: usize) -> Value {
    json!({
        "id": channel.id.to_string(),
        "type": 11,
        "guild_id": GUILD_ID,
        "parent_id": t.parent_id.to_string(),
        "name": channel.name,
        "owner_id": BOT_USER_ID,
        "thread_metadata": {
            "archived": t.archived,
            "auto_archive_duration": t.auto_archive_duration,
            "archive_timestamp": TIMESTAMP,
            "locked": t.locked,
        },
        "message_count": message_count,
        "total_message_sent": message_count,
        "member_count": 1,
        "rate_limit_per_user": 0,
        "flags": 0,
    })
}

// ---- body field helpers ----

fn optional_string(obj: &Map<String, Value>, field: &str) -> Result<Option<String>, Reply> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Reply::invalid_form(field, "Must be a string.")),
    }
}

fn optional_bool(obj: &Map<String, Value>, field: &str) -> Result<Option<bool>, Reply> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(Reply::invalid_form(field, "Must be a boolean.")),
    }
}

fn optional_object(obj: &Map<String, Value>, field: &str) -> Result<Option<Value>, Reply> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v @ Value::Object(_)) => Ok(Some(v.clone())),
        Some(_) => Err(Reply::invalid_form(field, "Must be an object.")),
    }
}
