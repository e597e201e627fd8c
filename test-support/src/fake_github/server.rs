//! The HTTP side of the fake GitHub: an actix-web server in its own thread
//! and `System`. Every request is recorded, authenticated (the token, an
//! installation token it minted, or an App JWT checked with the App's
//! public key), rate-limited (headers on every answer, secondary limits on
//! demand), then routed.

use super::routes;
use super::state::{now_ms, now_secs, Seen, State};
use actix_web::{dev::ServerHandle, web, App, HttpRequest, HttpResponse, HttpServer};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::signature::{UnparsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use std::net::TcpListener;
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

pub type Shared = Arc<Mutex<State>>;

pub fn serve(listener: TcpListener, state: Shared, tx: mpsc::Sender<ServerHandle>) {
    let system = actix_web::rt::System::new();
    let result = system.block_on(async move {
        let data = web::Data::from(state);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(handle))
        })
        .workers(1)
        .keep_alive(Duration::from_secs(120))
        .disable_signals()
        .shutdown_timeout(0)
        .listen(listener)?
        .run();
        let _ = tx.send(server.handle());
        server.await
    });
    if let Err(err) = result {
        log::error!("fake github server failed: {err}");
    }
}

/// Who a request authenticated as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    Token,
    App,
    Installation(u64),
}

/// A request, copied out of actix types.
pub struct Incoming {
    pub method: String,
    pub path: String,
    pub query: String,
    pub caller: Caller,
    /// `scheme://host:port` of this server, for `Link` URLs.
    pub base: String,
    /// The request's body (JSON for the writes).
    pub body: Vec<u8>,
}

impl Incoming {
    pub fn param(&self, name: &str) -> Option<String> {
        self.query.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == name).then(|| v.to_string())
        })
    }
}

/// An answer before the rate headers are added.
pub struct Reply {
    pub status: u16,
    pub body: serde_json::Value,
    pub link: Option<String>,
    pub retry_after: Option<u64>,
    /// `Location`, as a 201 carries.
    pub location: Option<String>,
}

impl Reply {
    pub fn json(status: u16, body: serde_json::Value) -> Reply {
        Reply {
            status,
            body,
            link: None,
            retry_after: None,
            location: None,
        }
    }
    pub fn error(status: u16, message: &str) -> Reply {
        Reply::json(
            status,
            serde_json::json!({"message": message, "documentation_url": "https://docs.github.com/rest"}),
        )
    }
}

async fn handle(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<Mutex<State>>,
) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let state = state.into_inner();
    let mut st = state.lock().unwrap_or_else(|p| p.into_inner());
    let caller = authenticate(&st, &header("authorization"));
    let mut seen = Seen {
        method: req.method().to_string(),
        path: req.path().to_string(),
        query: req.query_string().to_string(),
        at: Instant::now(),
        auth: match &caller {
            Some(Caller::Token) => "token".into(),
            Some(Caller::App) => "app".into(),
            Some(Caller::Installation(id)) => format!("installation:{id}"),
            None => "none".into(),
        },
        accept: header("accept"),
        api_version: header("x-github-api-version"),
        user_agent: header("user-agent"),
        status: 0,
    };
    let reply = match caller {
        None => Reply::error(401, "Bad credentials"),
        Some(caller) => limited(&mut st).unwrap_or_else(|| {
            let incoming = Incoming {
                method: seen.method.clone(),
                path: seen.path.clone(),
                query: seen.query.clone(),
                caller,
                base: format!("http://{}", req.connection_info().host()),
                body: body.to_vec(),
            };
            routes::route(&mut st, &state, &incoming)
        }),
    };
    seen.status = reply.status;
    st.requests.push(seen);
    let mut out = HttpResponse::build(
        actix_web::http::StatusCode::from_u16(reply.status).unwrap_or_default(),
    );
    if st.remaining > 0 && reply.status != 403 && reply.status != 429 {
        st.remaining -= 1;
    }
    out.insert_header(("x-ratelimit-limit", st.limit.to_string()))
        .insert_header(("x-ratelimit-remaining", st.remaining.to_string()))
        .insert_header(("x-ratelimit-used", (st.limit - st.remaining).to_string()))
        .insert_header(("x-ratelimit-reset", st.reset_secs.to_string()))
        .insert_header(("x-ratelimit-resource", "core"))
        .insert_header(("x-github-api-version-selected", "2022-11-28"));
    if let Some(secs) = reply.retry_after {
        out.insert_header(("retry-after", secs.to_string()));
    }
    if let Some(location) = reply.location {
        out.insert_header(("location", location));
    }
    if let Some(link) = reply.link {
        out.insert_header(("link", link));
    }
    if reply.status == 204 {
        return out.finish();
    }
    out.content_type("application/json; charset=utf-8")
        .body(reply.body.to_string())
}

/// A limit in force answers before any route: the primary one while
/// exhausted, a secondary one while asked for.
fn limited(st: &mut State) -> Option<Reply> {
    let now = Instant::now();
    if let Some((at, wait)) = st.secondary_at {
        if now < at + wait {
            st.early += 1;
            return Some(secondary(None));
        }
    }
    if st.remaining == 0 {
        if now_secs() < st.reset_secs {
            st.early += 1;
            st.secondary_at = None;
            return Some(Reply::error(403, "API rate limit exceeded for user."));
        }
        st.remaining = st.limit;
        st.reset_secs = now_secs() + 3600;
    }
    if !st.secondary.is_empty() && st.secondary_skip > 0 {
        st.secondary_skip -= 1;
        return None;
    }
    if let Some(retry_after) = st.secondary.pop_front() {
        let wait = Duration::from_secs(retry_after.unwrap_or(60));
        st.secondary_at = Some((now, wait));
        return Some(secondary(retry_after));
    }
    None
}

fn secondary(retry_after: Option<u64>) -> Reply {
    let mut reply = Reply::error(
        403,
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
    );
    reply.retry_after = retry_after;
    reply
}

fn authenticate(st: &State, authorization: &str) -> Option<Caller> {
    let bearer = authorization
        .strip_prefix("Bearer ")
        .or_else(|| authorization.strip_prefix("token "))?;
    if bearer == st.token {
        return Some(Caller::Token);
    }
    let now = now_ms();
    if let Some((id, _, _)) = st
        .minted
        .iter()
        .find(|(_, t, exp)| t == bearer && *exp > now)
    {
        return Some(Caller::Installation(*id));
    }
    verify_jwt(st, bearer).then_some(Caller::App)
}

/// RS256 with the App's public key, `iss` the App id, `iat` in the past,
/// `exp` in the future and at most 10 minutes after `iat` + 60 s.
fn verify_jwt(st: &State, jwt: &str) -> bool {
    let Some((input, sig)) = jwt.rsplit_once('.') else {
        return false;
    };
    let Ok(sig) = URL_SAFE_NO_PAD.decode(sig) else {
        return false;
    };
    let key = UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &st.app_public_der);
    if key.verify(input.as_bytes(), &sig).is_err() {
        return false;
    }
    let Some(claims) = input.split('.').nth(1) else {
        return false;
    };
    let Ok(claims) = URL_SAFE_NO_PAD.decode(claims) else {
        return false;
    };
    let Ok(claims) = serde_json::from_slice::<serde_json::Value>(&claims) else {
        return false;
    };
    let now = now_secs();
    let (iat, exp) = (
        claims["iat"].as_u64().unwrap_or(u64::MAX),
        claims["exp"].as_u64().unwrap_or(0),
    );
    let iss_ok = claims["iss"].as_u64() == Some(st.app_id)
        || claims["iss"].as_str() == Some(&st.app_id.to_string());
    iss_ok && iat <= now && exp > now && exp <= iat + 660
}
