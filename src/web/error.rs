//! The typed errors of the webhook endpoint and the status each maps to.
//!
//! What GitHub sees is the status and a short reason; the detail (never a
//! secret) goes to the log line of the delivery. The door's refusals (413,
//! 503 busy, 408) also close the connection (see `door`).

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
    /// The body is over GitHub's 25 MiB cap.
    TooLarge,
    /// The body does not fit the in-flight budget right now.
    Busy,
    /// The body did not arrive within the body deadline.
    TooSlow,
}

impl std::fmt::Display for WebhookError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WebhookError::Unauthorized => f.write_str("signature check failed"),
            WebhookError::BadRequest(why) => write!(f, "bad request: {why}"),
            WebhookError::Unavailable(e) => write!(f, "queue unavailable: {e:#}"),
            WebhookError::TooLarge => f.write_str("body over 25 MiB"),
            WebhookError::Busy => f.write_str("body does not fit the in-flight budget"),
            WebhookError::TooSlow => f.write_str("body not received within the body deadline"),
        }
    }
}

impl ResponseError for WebhookError {
    fn status_code(&self) -> StatusCode {
        match self {
            WebhookError::Unauthorized => StatusCode::UNAUTHORIZED,
            WebhookError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebhookError::Unavailable(_) | WebhookError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            WebhookError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            WebhookError::TooSlow => StatusCode::REQUEST_TIMEOUT,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let body = match self {
            WebhookError::Unauthorized => "invalid or missing X-Hub-Signature-256".to_string(),
            WebhookError::BadRequest(why) => why.clone(),
            WebhookError::Unavailable(_) => "job queue unavailable, try again".to_string(),
            WebhookError::Busy => "too many request bodies in flight, try again".to_string(),
            other => other.to_string(),
        };
        let mut response = HttpResponse::build(self.status_code());
        if let WebhookError::Busy = self {
            // Bodies in flight finish or time out within seconds.
            response.insert_header(("Retry-After", "1"));
        }
        response.content_type("text/plain").body(body)
    }
}
