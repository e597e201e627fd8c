//! `POST /webhooks/github`: size, then signature, then headers and JSON,
//! then route and queue. One log line per delivery, whatever the outcome.

use super::route::{route, Routed};
use super::{signature, Intake, State, WebhookError};
use actix_web::http::header::HeaderMap;
use actix_web::{web, HttpRequest, HttpResponse};
use std::time::Instant;
use threadline_jobs::Delivery;

/// What the log line says about a delivery.
#[derive(Default)]
struct Trace {
    delivery: Option<String>,
    event: Option<String>,
    action: Option<String>,
}

pub async fn receive(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<State>,
) -> Result<HttpResponse, WebhookError> {
    let started = Instant::now();
    let mut trace = Trace::default();
    let result = handle(&req, &body, &state, &mut trace).await;
    let outcome = match &result {
        Ok((_, outcome)) => (*outcome).to_string(),
        Err(e) => e.to_string(),
    };
    log::info!(
        "delivery={} event={} action={} outcome={:?} duration_us={}",
        trace.delivery.as_deref().unwrap_or("-"),
        trace.event.as_deref().unwrap_or("-"),
        trace.action.as_deref().unwrap_or("-"),
        outcome,
        started.elapsed().as_micros()
    );
    result.map(|(response, _)| response)
}

async fn handle(
    req: &HttpRequest,
    body: &[u8],
    state: &State,
    trace: &mut Trace,
) -> Result<(HttpResponse, &'static str), WebhookError> {
    let headers = req.headers();
    let sig =
        single_header(headers, "x-hub-signature-256").map_err(|_| WebhookError::Unauthorized)?;
    signature::verify(state.secret.expose().as_bytes(), sig, body)
        .map_err(|_| WebhookError::Unauthorized)?;

    let event = required_header(headers, "x-github-event")?;
    let delivery = Delivery {
        id: required_header(headers, "x-github-delivery")?,
        hook_id: single_header(headers, "x-github-hook-id")
            .ok()
            .flatten()
            .and_then(|v| std::str::from_utf8(v).ok())
            .map(String::from),
    };
    trace.event = Some(event.clone());
    trace.delivery = Some(delivery.id.clone());
    let json = json_body(headers, body)?;
    let delivery_key = delivery.key();

    match route(&event, delivery, &json, &state.plan).map_err(WebhookError::BadRequest)? {
        Routed::Ping => Ok((HttpResponse::Ok().body("pong"), "pong")),
        Routed::Ignored { action } => {
            trace.action = action;
            Ok((HttpResponse::Accepted().body("ignored"), "ignored"))
        }
        Routed::Enqueue { action, job } => {
            trace.action = Some(action);
            let intake = state.intaker.accept(&delivery_key, *job).await;
            match intake.map_err(WebhookError::Unavailable)? {
                Intake::Queued => Ok((HttpResponse::Accepted().body("queued"), "queued")),
                Intake::Duplicate => Ok((HttpResponse::Accepted().body("duplicate"), "duplicate")),
            }
        }
    }
}

/// The one value of a header; a repeated header is an error.
fn single_header<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a [u8]>, ()> {
    let mut values = headers.get_all(name);
    let first = values.next();
    if values.next().is_some() {
        return Err(());
    }
    Ok(first.map(|v| v.as_bytes()))
}

fn required_header(headers: &HeaderMap, name: &str) -> Result<String, WebhookError> {
    let missing = || WebhookError::BadRequest(format!("missing or invalid {name} header"));
    let value = single_header(headers, name)
        .map_err(|_| missing())?
        .ok_or_else(missing)?;
    let value = std::str::from_utf8(value).map_err(|_| missing())?.trim();
    if value.is_empty() || value.len() > 200 {
        return Err(missing());
    }
    Ok(value.to_string())
}

/// The JSON document: the body itself, or the `payload` field of a form.
fn json_body<'a>(
    headers: &HeaderMap,
    body: &'a [u8],
) -> Result<std::borrow::Cow<'a, [u8]>, WebhookError> {
    let is_form = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok(std::borrow::Cow::Borrowed(body));
    }
    #[derive(serde::Deserialize)]
    struct Form {
        payload: String,
    }
    let form: Form = serde_urlencoded::from_bytes(body)
        .map_err(|e| WebhookError::BadRequest(format!("form body without a payload field: {e}")))?;
    Ok(std::borrow::Cow::Owned(form.payload.into_bytes()))
}
