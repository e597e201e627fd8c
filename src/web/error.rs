//! The typed errors of the webhook endpoint and the status each maps to.
//!
//! What GitHub sees is the status and a short reason; the detail (never a
//! secret) goes to the log line of the delivery.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

#[derive(Debug)]
pub enum WebhookError {
    /// Missing, malformed or wrong `X-Hub-Signature-256`.
    Unauthorized,
    /// A header or the body is not a usable GitHub delivery.
    BadRequest(String),
    /// Faktory or Redis could not be reached: GitHub records a failure.
    Unavailable(anyhow::Error),
}

impl std::fmt::Display for WebhookError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WebhookError::Unauthorized => f.write_str("signature check failed"),
            WebhookError::BadRequest(why) => write!(f, "bad request: {why}"),
            WebhookError::Unavailable(e) => write!(f, "queue unavailable: {e:#}"),
        }
    }
}

impl ResponseError for WebhookError {
    fn status_code(&self) -> StatusCode {
        match self {
            WebhookError::Unauthorized => StatusCode::UNAUTHORIZED,
            WebhookError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebhookError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let body = match self {
            WebhookError::Unauthorized => "invalid or missing X-Hub-Signature-256".to_string(),
            WebhookError::BadRequest(why) => why.clone(),
            WebhookError::Unavailable(_) => "job queue unavailable, try again".to_string(),
        };
        HttpResponse::build(self.status_code())
            .content_type("text/plain")
            .body(body)
    }
}
