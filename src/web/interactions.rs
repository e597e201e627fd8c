//! `POST /webhooks/discord`: Discord's interactions endpoint, for `/dibs`.
//!
//! The body is read within the door's budget and deadline, then its
//! Ed25519 signature is checked (401 if bad or missing); only then is the
//! connection treated as verified. A PING is answered `{"type":1}`; a
//! `/dibs` command is run against Redis and answered at once with a
//! message (type 4) that pings nobody, an error only to its reader
//! (flags 64). Without `DISCORD_PUBLIC_KEY` the endpoint answers 404.
//! A signed request is trusted once, and only while fresh ([`once`]).

mod once;

use super::dibs::interaction::{self as dibs_interaction, Invocation};
use super::dibs::DibsWeb;
use super::dibs_commands::Answer;
use super::{body, door, ed25519, State, WebhookError};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

/// Interactions are small; Discord's own payloads are a few KB.
const MAX_INTERACTION: usize = 64 * 1024;
const PING: u8 = 1;
const APPLICATION_COMMAND: u8 = 2;
const EPHEMERAL: u64 = 64;

#[derive(Deserialize)]
struct Interaction {
    #[serde(rename = "type")]
    kind: u8,
    /// Discord's id of this interaction, for [`once`].
    #[serde(default)]
    id: Option<String>,
    /// What `/dibs` reads (guild, member, options): `dibs_interaction`.
    #[serde(flatten)]
    command: Invocation,
}

pub async fn receive(
    req: HttpRequest,
    mut payload: web::Payload,
    state: web::Data<State>,
    dibs: web::Data<DibsWeb>,
) -> Result<HttpResponse, WebhookError> {
    let Some(key) = &dibs.key else {
        return Ok(HttpResponse::NotFound().finish());
    };
    let headers = req.headers();
    let signature = headers.get("x-signature-ed25519").map(|v| v.as_bytes());
    let timestamp = headers.get("x-signature-timestamp").map(|v| v.as_bytes());
    let (Some(signature), Some(timestamp)) = (signature, timestamp) else {
        return Err(WebhookError::Unauthorized);
    };
    // A stale (or future) timestamp is refused before its body is read.
    once::fresh(timestamp, crate::clock::now_ms())?;
    let declared = super::headers::declared_length(headers)?;
    let deadline = tokio::time::Instant::now() + state.body_timeout;
    let body = body::admit_within(&state.budget, declared, MAX_INTERACTION)?
        .read(&mut payload, body::Unchecked, deadline)
        .await?;
    if !ed25519::verify(key, signature, timestamp, &body) {
        return Err(WebhookError::Unauthorized);
    }
    door::mark_verified(&req);
    let interaction: Interaction = serde_json::from_slice(&body)
        .map_err(|e| WebhookError::BadRequest(format!("not an interaction: {e}")))?;
    drop(body);
    match interaction.kind {
        PING => Ok(HttpResponse::Ok().json(json!({"type": 1}))),
        APPLICATION_COMMAND => {
            let answer = match once::sight(&state, interaction.id.as_deref()).await? {
                Ok(once::Sight::First) => dibs_interaction::run(&dibs, interaction.command).await,
                Ok(once::Sight::Again) => {
                    log::warn!(
                        "interaction {:?} seen before; not run again",
                        interaction.id
                    );
                    Answer::error(
                        "This interaction was already answered; nothing was done again.".into(),
                    )
                }
                Err(e) => {
                    log::error!("interaction seen before? {e:#}");
                    Answer::error("Dibs is unavailable right now (Redis); try again.".into())
                }
            };
            Ok(message(answer))
        }
        other => Err(WebhookError::BadRequest(format!(
            "interaction type {other} is not handled"
        ))),
    }
}

/// A type 4 answer that pings nobody.
fn message(answer: Answer) -> HttpResponse {
    let mut data = json!({
        "content": answer.content,
        "allowed_mentions": {"parse": []},
    });
    if answer.ephemeral {
        data["flags"] = json!(EPHEMERAL);
    }
    HttpResponse::Ok().json(json!({"type": 4, "data": data}))
}
