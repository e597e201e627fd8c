//! `POST /webhooks/github`: what can be refused from the headers first
//! (declared size, then the signature header's form), then the body read
//! within the in-flight budget and the body deadline and verified as it
//! arrives, then headers and JSON, then route and queue. One log line per
//! delivery, whatever the outcome.

mod form;

pub use form::payload_json;

use super::headers::{
    declared_length, delivery_header, hook_id_header, required_header, single_header, text_header,
};
use super::logbook::Record;
use super::router::{route, Routed};
use super::{body, door, secrets, Intake, State, WebhookError};
use crate::delivery_log::{Attempt, Entry};
use actix_web::http::header::HeaderMap;
use actix_web::{web, HttpRequest, HttpResponse};
use form::json_body;
use std::time::Instant;
use threadline_jobs::Delivery;

/// What the log line says about a delivery.
#[derive(Default)]
struct Trace {
    delivery: Option<String>,
    event: Option<String>,
    action: Option<String>,
    /// Why the config dropped it, for the log line.
    reason: Option<String>,
    /// Which webhook secret matched, when several are listed.
    secret: Option<usize>,
    /// For the delivery log: set once the delivery is verified and named.
    logged: Option<Logged>,
}

/// What the delivery log keeps of a verified delivery besides its outcome.
struct Logged {
    entry: Entry,
    body: Vec<u8>,
    jid: Option<String>,
}

pub async fn receive(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<State>,
) -> Result<HttpResponse, WebhookError> {
    let started = Instant::now();
    let mut trace = Trace::default();
    let result = handle(&req, payload, &state, &mut trace).await;
    let outcome = match &result {
        Ok((_, outcome)) => (*outcome).to_string(),
        Err(e) => e.to_string(),
    };
    // Rotating: which secret signed it, by position (never its value).
    let mut secret = trace
        .secret
        .map_or(String::new(), |n| format!(" secret=#{n}"));
    if let Some(reason) = &trace.reason {
        secret.push_str(&format!(" reason={reason:?}"));
    }
    log::info!(
        "delivery={} event={} action={} outcome={:?} duration_us={}{secret}",
        trace.delivery.as_deref().unwrap_or("-"),
        trace.event.as_deref().unwrap_or("-"),
        trace.action.as_deref().unwrap_or("-"),
        outcome,
        started.elapsed().as_micros()
    );
    // The header of an unverified request too: the metric bounds it.
    let event = req
        .headers()
        .get("x-github-event")
        .and_then(|v| v.to_str().ok());
    let seconds = started.elapsed().as_secs_f64();
    state
        .metrics
        .delivery(event, metric_outcome(&result), seconds);
    if let (Some(logbook), Some(logged)) = (&state.logbook, trace.logged) {
        logbook.offer(record(logged, &result, trace.reason.or(trace.action)));
    }
    result.map(|(response, _)| response)
}

/// The delivery log's record of one verified delivery's attempt.
fn record(logged: Logged, result: &Result<Answer, WebhookError>, action: Option<String>) -> Record {
    let (outcome, reason) = match result {
        Ok((_, "pong")) => ("ignored", "ping".to_string()),
        Ok((_, outcome)) => (*outcome, action.clone().unwrap_or_default()),
        Err(e) => (metric_outcome(result), e.to_string()),
    };
    Record {
        entry: Entry {
            action,
            ..logged.entry
        },
        attempt: Attempt {
            at_ms: crate::clock::now_ms(),
            outcome: outcome.to_string(),
            reason,
            jid: logged.jid,
        },
        body: logged.body,
    }
}

/// The delivery's outcome as `threadline_deliveries_total` names it.
fn metric_outcome(result: &Result<Answer, WebhookError>) -> &'static str {
    match result {
        // A filtered delivery counts as ignored: the metric's outcomes are a fixed set.
        Ok((_, "pong" | "filtered")) => "ignored",
        Ok((_, outcome)) => outcome,
        Err(WebhookError::Unauthorized) => "unauthorized",
        Err(WebhookError::BadRequest(_) | WebhookError::TooSlow) => "bad_request",
        Err(WebhookError::TooLarge) => "too_large",
        Err(WebhookError::Unavailable(_) | WebhookError::Busy) => "unavailable",
    }
}

/// What a delivery is answered, and (to `trace`) what its log line says:
/// verify, name it, route it, then act on the route.
async fn handle(
    req: &HttpRequest,
    mut payload: web::Payload,
    state: &State,
    trace: &mut Trace,
) -> Result<Answer, WebhookError> {
    let body = verified_body(req, &mut payload, state, trace).await?;
    let (event, delivery) = named(req.headers(), trace)?;
    keep_for_the_log(state, req.headers(), &event, &delivery, &body, trace);
    let delivery_key = delivery.key();
    let routed = {
        let json = json_body(req.headers(), &body)?;
        // Boxed, as below: only a verified delivery pays for it.
        Box::pin(super::hooks::learn(state, req.headers(), &json)).await;
        route(&event, delivery, &json, &state.plan).map_err(WebhookError::BadRequest)?
    };
    // Known by its signed bytes too, whatever GUID it came under (hashed
    // only when there is a job to queue).
    let queues = matches!(routed, Routed::Enqueue { .. });
    let seen = Seen {
        key: delivery_key,
        body_sha256: queues.then(|| super::intake::body_sha256(&body)),
    };
    // The job carries what it needs: the body goes back to the budget now.
    drop(body);
    act(routed, &seen, state, trace).await
}

/// What the intake knows a delivery by: its `hook:GUID` key and the hash
/// of its body.
struct Seen {
    key: String,
    body_sha256: Option<[u8; 32]>,
}

/// The response and the outcome word of the log line.
type Answer = (HttpResponse, &'static str);

/// The body, read within the budget and the deadline and verified as it
/// arrives; whatever the headers already refuse is refused before a byte
/// of it is read.
async fn verified_body<'s>(
    req: &HttpRequest,
    payload: &mut web::Payload,
    state: &'s State,
    trace: &mut Trace,
) -> Result<body::HeldBody<'s>, WebhookError> {
    let deadline = tokio::time::Instant::now() + state.body_timeout;
    let headers = req.headers();
    let declared = declared_length(headers)?;
    let sig =
        single_header(headers, "x-hub-signature-256").map_err(|_| WebhookError::Unauthorized)?;
    let verifier =
        secrets::Verifier::new(&state.secrets, sig).map_err(|_| WebhookError::Unauthorized)?;
    let body = body::admit(&state.budget, declared)?
        .read(payload, verifier, deadline)
        .await?;
    door::mark_verified(req);
    if state.secrets.len() > 1 {
        trace.secret = Some(body.secret);
    }
    Ok(body)
}

/// The event and the delivery a verified request names.
fn named(headers: &HeaderMap, trace: &mut Trace) -> Result<(String, Delivery), WebhookError> {
    let event = required_header(headers, "x-github-event")?;
    let delivery = Delivery {
        // Unsigned: taken only in GitHub's shape (see `headers`).
        id: delivery_header(headers)?,
        hook_id: hook_id_header(headers)?,
        // Stamped when the job is queued.
        seq: 0,
        replay: None,
    };
    trace.event = Some(event.clone());
    trace.delivery = Some(delivery.id.clone());
    Ok((event, delivery))
}

/// What the delivery log will keep of it, when there is a delivery log.
fn keep_for_the_log(
    state: &State,
    headers: &HeaderMap,
    event: &str,
    delivery: &Delivery,
    body: &[u8],
    trace: &mut Trace,
) {
    if state.logbook.is_none() {
        return;
    }
    trace.logged = Some(Logged {
        entry: Entry {
            id: delivery.id.clone(),
            event: event.to_string(),
            hook_id: delivery.hook_id.clone(),
            content_type: text_header(headers, "content-type"),
            repo: None,
            action: None,
            attempts: Vec::new(),
        },
        body: body.to_vec(),
        jid: None,
    });
}

/// Answers the route: pong, ignored, filtered (its gate recorded), or queued.
async fn act(
    routed: Routed,
    seen: &Seen,
    state: &State,
    trace: &mut Trace,
) -> Result<Answer, WebhookError> {
    match routed {
        Routed::Ping => Ok((HttpResponse::Ok().body("pong"), "pong")),
        Routed::Ignored { action } => {
            trace.action = action;
            Ok((HttpResponse::Accepted().body("ignored"), "ignored"))
        }
        Routed::Filtered {
            action,
            reason,
            gate,
        } => {
            trace.action = Some(action);
            if let Some(facts) = &gate {
                state
                    .intaker
                    .record_gate(facts)
                    .await
                    .map_err(WebhookError::Unavailable)?;
            }
            trace.reason = Some(reason);
            Ok((HttpResponse::Accepted().body("filtered"), "filtered"))
        }
        Routed::Enqueue { action, job, gate } => {
            // A ping that starts a backfill is still answered `pong`.
            let pong = action == super::router::install::PING;
            trace.action = Some(action);
            let answer = queue(job, gate, seen, state, trace).await?;
            Ok(if pong {
                (HttpResponse::Ok().body("pong"), "pong")
            } else {
                answer
            })
        }
    }
}

/// Hands the job to the intake: check, PUSH, then mark the delivery.
async fn queue(
    job: Box<crate::queue::Unqueued>,
    gate: Option<crate::pr_facts::GateFacts>,
    seen: &Seen,
    state: &State,
    trace: &mut Trace,
) -> Result<Answer, WebhookError> {
    if let Some(logged) = &mut trace.logged {
        logged.entry.repo = job.repo_name();
    }
    // Boxed: only a verified delivery pays for the queueing future, and the
    // one every connection holds while its body arrives stays small.
    let intake = state
        .intaker
        .accept(&seen.key, seen.body_sha256, *job, gate.as_ref());
    let intake = Box::pin(intake).await;
    match intake.map_err(WebhookError::Unavailable)? {
        Intake::Queued(jid) => {
            if let Some(logged) = &mut trace.logged {
                logged.jid = Some(jid);
            }
            Ok((HttpResponse::Accepted().body("queued"), "queued"))
        }
        Intake::Duplicate => Ok((HttpResponse::Accepted().body("duplicate"), "duplicate")),
    }
}
