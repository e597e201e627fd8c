//! The Dibs API for CI/CD: `POST /api/dibs/{resource}` takes or releases
//! a resource for a pipeline, `GET /api/dibs` lists every resource. Both
//! need `Authorization: Bearer <token>`, one of `DIBS_API_TOKENS` or the
//! unnamed `DIBS_API_TOKEN` (compared in constant time, never logged);
//! without either the API answers 404. API holders are `api:<holder>` in
//! the same queue model as Discord users, but an API `take` of a held
//! resource is 409 rather than a place in the queue: a pipeline decides
//! itself whether to wait.
//!
//! A hold is bound to the named token that took it: another token may end
//! it only with `force`, and `force` on a person's hold needs a token
//! marked `:force` (the unnamed token keeps its old power over any hold).

use super::dibs::DibsWeb;
use super::{body, door, State, WebhookError};
use crate::dibs::ledger::Mode;
use crate::dibs::{Entry, Force, Outcome, Releaser, Resource, API_DEFAULT_FOR, MAX_FOR};
use crate::settings::ApiToken;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};
use subtle::ConstantTimeEq;

const MAX_REQUEST: usize = 16 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Request {
    action: String,
    /// Defaults to the token's name (required with the unnamed token).
    #[serde(default)]
    holder: Option<String>,
    #[serde(default, rename = "for")]
    hold: Option<String>,
    #[serde(default)]
    force: bool,
}

pub async fn change(
    req: HttpRequest,
    mut payload: web::Payload,
    path: web::Path<String>,
    state: web::Data<State>,
    dibs: web::Data<DibsWeb>,
) -> Result<HttpResponse, WebhookError> {
    let token = match authorised(&req, &dibs) {
        Ok(token) => token.clone(),
        Err(refused) => return Ok(refused.response()),
    };
    let declared = super::headers::declared_length(req.headers())?;
    let deadline = tokio::time::Instant::now() + state.body_timeout;
    let body = body::admit_within(&state.budget, declared, MAX_REQUEST)?
        .read(&mut payload, body::Unchecked, deadline)
        .await?;
    door::mark_verified(&req);
    let request: Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return Ok(error(400, &format!("bad request body: {e}"))),
    };
    let name = match dibs.settings.resource(&path) {
        Ok(name) => name,
        Err(why) => return Ok(error(400, &why)),
    };
    let who = match holder(&request, &token) {
        Ok(who) => who,
        Err(why) => return Ok(error(400, &why)),
    };
    Ok(match apply(&dibs, &name, &request, &token, who).await {
        Ok(response) => response,
        Err(e) => {
            log::error!("dibs api: {e:#}");
            error(503, "Dibs is unavailable right now (Redis); try again")
        }
    })
}

pub async fn list(req: HttpRequest, dibs: web::Data<DibsWeb>) -> HttpResponse {
    if let Err(refused) = authorised(&req, &dibs) {
        return refused.response();
    }
    door::mark_verified(&req);
    let listed = match dibs.store().await {
        Ok(store) => store.list().await,
        Err(e) => Err(e),
    };
    match listed {
        Ok(all) => {
            let views: Vec<Value> = all.iter().map(view).collect();
            HttpResponse::Ok().json(json!({ "resources": views }))
        }
        Err(e) => {
            log::error!("dibs api: {e:#}");
            error(503, "Dibs is unavailable right now (Redis); try again")
        }
    }
}

/// Why a request has no token.
enum Refused {
    /// No token is configured: the API is off (404).
    Off,
    /// None matched (401).
    Unknown,
}

impl Refused {
    fn response(self) -> HttpResponse {
        match self {
            Refused::Off => HttpResponse::NotFound().finish(),
            Refused::Unknown => error(401, "missing or wrong bearer token"),
        }
    }
}

/// The token the request carries. Every token is compared, in constant
/// time, so that the answer's timing says nothing about which came close.
fn authorised<'a>(req: &HttpRequest, dibs: &'a DibsWeb) -> Result<&'a ApiToken, Refused> {
    if dibs.api_tokens.is_empty() {
        return Err(Refused::Off);
    }
    let given = req
        .headers()
        .get("authorization")
        .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "))
        .unwrap_or_default();
    let mut found = None;
    for token in &dibs.api_tokens {
        let same: bool = token.secret.expose().as_bytes().ct_eq(given).into();
        if same && found.is_none() {
            found = Some(token);
        }
    }
    found.ok_or(Refused::Unknown)
}

fn holder(request: &Request, token: &ApiToken) -> Result<Entry, String> {
    let name = match request.holder.as_deref() {
        Some(h) => h.trim(),
        None if !token.name.is_empty() => token.name.as_str(),
        None => return Err("holder is required with DIBS_API_TOKEN".into()),
    };
    if !crate::settings::holder_name(name) {
        return Err("holder must be 1–64 of letters, digits, `-`, `_`, `.`".into());
    }
    let hold = match request.hold.as_deref() {
        None => API_DEFAULT_FOR,
        Some(raw) => crate::duration::parse(raw)
            .filter(|d| !d.is_zero() && *d <= MAX_FOR)
            .ok_or_else(|| format!("`for` {raw:?} is not a duration up to 7d"))?,
    };
    Ok(Entry {
        id: format!("api:{name}"),
        name: name.to_string(),
        for_ms: hold.as_millis() as u64,
        token: token.name.clone(),
        ..Entry::default()
    })
}

/// What `force` may end: another pipeline's hold, and a person's only
/// with a token marked for it.
fn force(request: &Request, token: &ApiToken) -> Force {
    match (request.force, token.force) {
        (false, _) => Force::No,
        (true, false) => Force::Api,
        (true, true) => Force::All,
    }
}

async fn apply(
    dibs: &DibsWeb,
    name: &str,
    request: &Request,
    token: &ApiToken,
    who: Entry,
) -> anyhow::Result<HttpResponse> {
    let store = dibs.store().await?;
    let releaser = Releaser {
        id: &who.id,
        token: &who.token,
        force: force(request, token),
    };
    let cap = dibs.settings.max_resources();
    let change = match request.action.as_str() {
        "take" => store.take(name, &who, Mode::Refuse, cap).await?,
        "release" => store.release(name, releaser).await?,
        other => {
            return Ok(error(
                400,
                &format!("action {other:?} is neither take nor release"),
            ))
        }
    };
    let followed = dibs.follow(store, &change).await;
    let state = &change.state;
    let held_by = |r: &Resource| r.holder.as_ref().map(|h| h.id.clone()).unwrap_or_default();
    Ok(match change.outcome {
        Outcome::Full => error(409, &crate::dibs::render::full(cap)),
        Outcome::NotAllowed => error(
            403,
            &format!(
                "{name} is held by {}, a person: forcing it needs a token marked `:force`",
                held_by(state)
            ),
        ),
        Outcome::Held => conflict(state, &format!("{name} is held by {}", held_by(state))),
        Outcome::NotHolding if state.holder.is_some() => conflict(
            state,
            &format!(
                "{name} is held by {}; release with \"force\": true",
                held_by(state)
            ),
        ),
        _ => {
            let mut body = view(state);
            if !followed {
                body["warning"] = json!(crate::dibs::render::NOT_QUEUED);
            }
            HttpResponse::Ok().json(body)
        }
    })
}

fn conflict(state: &Resource, why: &str) -> HttpResponse {
    let mut body = view(state);
    body["error"] = json!(why);
    HttpResponse::Conflict().json(body)
}

fn error(status: u16, why: &str) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(status)
        .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status).json(json!({ "error": why }))
}

/// A resource as the API shows it; the holder is never in the queue.
fn view(r: &Resource) -> Value {
    let holder = r.holder.as_ref().map(|h| {
        json!({
            "id": h.id,
            "name": h.name,
            "since": rfc3339(h.since_ms),
            "until": (h.until_ms > 0).then(|| rfc3339(h.until_ms)),
            "note": h.note,
            "pr": h.pr,
            // The name of the token it is bound to (never the token).
            "token": (!h.token.is_empty()).then_some(&h.token),
        })
    });
    let queue: Vec<Value> = r
        .queue
        .iter()
        .map(|e| json!({ "id": e.id, "name": e.name }))
        .collect();
    json!({ "name": r.name, "holder": holder, "queue": queue })
}

fn rfc3339(ms: u64) -> String {
    chrono::DateTime::from_timestamp_millis(ms as i64)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
