//! The HTTP side: an actix-web server in its own thread and `System`, and
//! the life of one request. On arrival, under one lock, the request is
//! recorded and its fate decided: authorization, rate limits, faults. Then
//! it sleeps out the latency (and any fault delay) unlocked, concurrently
//! with every other request, does the work under the lock, and answers.

use super::channels::{get_channel, start_thread, update_channel};
use super::edits::{delete_message, edit_message};
use super::endpoint::{BucketKind, Endpoint};
use super::forum::{active_threads, archived_public, create_post};
use super::history::{current_user, list_messages};
use super::members::{add_member, list_members, remove_member};
use super::messages::create_message;
use super::reply::{error_message, BucketState, Reply};
use super::state::{lock, Shared, State};
use super::types::{FaultKind, Recorded};
use actix_web::{dev::ServerHandle, web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::Value;
use std::net::TcpListener;
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
// Longer than hyper's 90 s idle-pool timeout, so the client always closes
// an idle connection first; actix's 5 s default races a pooled reuse and
// fails a request now and then, more often with several worker processes.
const KEEP_ALIVE: Duration = Duration::from_secs(120);

/// Runs the server on `listener` until stopped; sends its handle first.
pub(super) fn serve(listener: TcpListener, state: Shared, tx: mpsc::Sender<ServerHandle>) {
    let system = actix_web::rt::System::new();
    let result = system.block_on(async move {
        let data = web::Data::from(state);
        // One worker thread is plenty: every request is its own task, and
        // a request holds the state lock only for microseconds.
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
                .default_service(web::to(handle))
        })
        .workers(1)
        .keep_alive(KEEP_ALIVE)
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

/// What arrived, copied out of actix types.
struct Incoming {
    method: String,
    path: String,
    query: String,
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
        query: req.query_string().to_owned(),
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

/// How a request will be answered, decided when it arrives.
enum Plan {
    /// Answered as is: a 401, a 429, an unknown route.
    Answer(Reply),
    /// Do the work, as `doing` says, and report `bucket` in the headers.
    Run {
        endpoint: Endpoint,
        doing: Doing,
        bucket: Option<BucketState>,
    },
}

/// What an injected fault (or none) does to the work.
enum Doing {
    Normal,
    Fail(Reply),
    DelayFirst(Duration),
    LoseReply(u16),
    HoldReply(Duration),
}

async fn process(state: Shared, incoming: Incoming) -> Reply {
    let (number, plan, latency) = {
        let mut st = lock(&state);
        let now = Instant::now();
        let number = st.record(recorded(&incoming, now));
        let plan = plan(&mut st, &incoming, now);
        (number, plan, st.latency)
    };
    tokio::time::sleep(latency).await;
    let (reply, hold) = match plan {
        Plan::Answer(reply) => (reply, Duration::ZERO),
        Plan::Run {
            endpoint,
            doing,
            bucket,
        } => {
            let (mut reply, hold) = run(&state, endpoint, &incoming, doing).await;
            // The rename window's own 429 headers win over the bucket's.
            reply.bucket = reply.bucket.or(bucket);
            (reply, hold)
        }
    };
    {
        let mut st = lock(&state);
        st.answered(number, reply.status);
        if let Some(refusal) = reply.refusal {
            st.limiter.counts.add(refusal.scope);
        }
    }
    tokio::time::sleep(hold).await;
    reply
}

fn recorded(incoming: &Incoming, at: Instant) -> Recorded {
    Recorded {
        method: incoming.method.clone(),
        path: incoming.path.clone(),
        query: incoming.query.clone(),
        body: incoming.body.clone(),
        authorization: incoming.authorization.clone(),
        status: 0,
        at,
    }
}

/// Authorization, then limits (global before bucket), then faults. Only a
/// request that will be answered without a 429 counts toward the limits.
fn plan(st: &mut State, incoming: &Incoming, now: Instant) -> Plan {
    let authorized = incoming
        .authorization
        .as_deref()
        .is_some_and(|a| a.starts_with("Bot "));
    if !authorized && !super::interactions::Call::is_webhook(&incoming.path) {
        return Plan::Answer(Reply::error(401, 0, "401: Unauthorized"));
    }
    let key = BucketKind::of(&incoming.method, &incoming.path);
    if let Err(refused) = st.limiter.check(key, now) {
        return Plan::Answer(refused);
    }
    let endpoint = match Endpoint::parse(&incoming.method, &incoming.path, &incoming.query) {
        Ok(endpoint) => endpoint,
        Err(mut reply) => {
            reply.bucket = st.limiter.take(key, now);
            return Plan::Answer(reply);
        }
    };
    let doing = match st.take_fault(endpoint.route()) {
        None => Doing::Normal,
        Some(FaultKind::RateLimited { retry_after }) => {
            return Plan::Answer(st.limiter.injected_user(key, retry_after))
        }
        Some(FaultKind::RateLimitedGlobal { retry_after }) => {
            return Plan::Answer(st.limiter.pause(key, now, retry_after))
        }
        Some(FaultKind::Status(status)) => Doing::Fail(Reply::error(status, 0, "Injected fault")),
        Some(FaultKind::ApiError(status, code)) => {
            Doing::Fail(Reply::error(status, code, error_message(code)))
        }
        Some(FaultKind::Delay(d)) => Doing::DelayFirst(d),
        Some(FaultKind::AfterSuccess(status)) => Doing::LoseReply(status),
        Some(FaultKind::DelayAfterSuccess(d)) => Doing::HoldReply(d),
    };
    let bucket = st.limiter.take(key, now);
    Plan::Run {
        endpoint,
        doing,
        bucket,
    }
}

/// The reply, plus how long to hold it back after the work is done.
async fn run(
    state: &Shared,
    endpoint: Endpoint,
    incoming: &Incoming,
    doing: Doing,
) -> (Reply, Duration) {
    let work = || execute(&mut lock(state), endpoint, &incoming.path, &incoming.body);
    match doing {
        Doing::Normal => (work(), Duration::ZERO),
        Doing::Fail(reply) => (reply, Duration::ZERO),
        Doing::DelayFirst(d) => {
            tokio::time::sleep(d).await;
            (work(), Duration::ZERO)
        }
        Doing::LoseReply(status) => (lose_reply(work(), status), Duration::ZERO),
        Doing::HoldReply(d) => (work(), d),
    }
}

fn lose_reply(reply: Reply, status: u16) -> Reply {
    if reply.is_success() {
        Reply::error(status, 0, "Injected fault after success")
    } else {
        reply
    }
}

fn execute(st: &mut State, endpoint: Endpoint, path: &str, body: &Value) -> Reply {
    let result = match endpoint {
        Endpoint::CreateMessage(channel_id) => create_message(st, channel_id, body),
        Endpoint::StartThread(channel_id, message_id) => {
            start_thread(st, channel_id, message_id, body)
        }
        Endpoint::UpdateChannel(id) => update_channel(st, id, body),
        Endpoint::GetChannel(id) => get_channel(st, id),
        Endpoint::EditMessage(c, m) => edit_message(st, c, m, body),
        Endpoint::DeleteMessage(c, m) => delete_message(st, c, m),
        Endpoint::ListMessages(id, page) => list_messages(st, id, page),
        Endpoint::CurrentUser => current_user(),
        Endpoint::Interaction(call) => super::interactions::execute(st, call, path, body),
        Endpoint::CreateForumPost(forum) => create_post(st, forum, body),
        Endpoint::ActiveThreads(guild) => active_threads(st, guild),
        Endpoint::ArchivedPublic(channel) => archived_public(st, channel),
        Endpoint::AddMember(t, u) => add_member(st, t, u),
        Endpoint::RemoveMember(t, u) => remove_member(st, t, u),
        Endpoint::ListMembers(t) => list_members(st, t),
    };
    result.unwrap_or_else(|reply| reply)
}
