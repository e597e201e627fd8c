//! The fake's answers: a status, a JSON body (Discord's error shapes), and
//! the rate-limit headers. Times are kept as instants and turned into
//! `Reset-After`/`Retry-After` seconds only when the response is written,
//! so a client reading them after the fake's latency is not told to wait
//! too long.

use actix_web::{http::StatusCode, HttpResponse, HttpResponseBuilder};
use serde_json::{json, Value};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Which limit refused a request (`X-RateLimit-Scope`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Scope {
    User,
    Global,
}

impl Scope {
    fn header(self) -> &'static str {
        match self {
            Scope::User => "user",
            Scope::Global => "global",
        }
    }
}

/// A bucket as the `X-RateLimit-*` headers report it after this request.
#[derive(Clone, Copy, Debug)]
pub(super) struct BucketState {
    pub limit: u32,
    pub remaining: u32,
    pub reset_at: Instant,
    pub hash: &'static str,
}

/// Why a request got a 429, and until when.
#[derive(Clone, Copy, Debug)]
pub(super) struct Refusal {
    pub scope: Scope,
    pub retry_at: Instant,
}

/// The fake's answer, kept `Send` so it can cross the spawned task.
pub(super) struct Reply {
    pub status: u16,
    body: Value,
    pub bucket: Option<BucketState>,
    pub refusal: Option<Refusal>,
}

impl Reply {
    pub(super) fn ok(body: Value) -> Reply {
        Reply {
            status: 200,
            body,
            bucket: None,
            refusal: None,
        }
    }

    /// 204: done, nothing to say (e.g. a deleted message).
    pub(super) fn no_content() -> Reply {
        Reply {
            status: 204,
            body: Value::Null,
            bucket: None,
            refusal: None,
        }
    }

    pub(super) fn error(status: u16, code: u64, message: &str) -> Reply {
        let body = json!({ "code": code, "message": message });
        Reply {
            status,
            body,
            bucket: None,
            refusal: None,
        }
    }

    pub(super) fn invalid_form(field: &str, problem: &str) -> Reply {
        let errors =
            json!({ field: { "_errors": [{ "code": "BASE_TYPE_INVALID", "message": problem }] } });
        let body = json!({ "code": 50035, "errors": errors, "message": "Invalid Form Body" });
        Reply {
            status: 400,
            body,
            bucket: None,
            refusal: None,
        }
    }

    pub(super) fn invalid_json() -> Reply {
        Reply::error(400, 50109, "The request body contains invalid JSON.")
    }

    pub(super) fn unknown_channel() -> Reply {
        Reply::error(404, 10003, "Unknown Channel")
    }

    /// A 429; its body is written with the response, when `retry_after` is known.
    pub(super) fn refused(scope: Scope, retry_at: Instant, bucket: Option<BucketState>) -> Reply {
        Reply {
            status: 429,
            body: Value::Null,
            bucket,
            refusal: Some(Refusal { scope, retry_at }),
        }
    }

    /// A 429 of scope `user` for `retry_after` seconds on an exhausted bucket.
    pub(super) fn rate_limited(retry_after: f64, limit: u32, hash: &'static str) -> Reply {
        let retry_at = Instant::now() + Duration::from_secs_f64(retry_after.max(0.0));
        let bucket = BucketState {
            limit,
            remaining: 0,
            reset_at: retry_at,
            hash,
        };
        Reply::refused(Scope::User, retry_at, Some(bucket))
    }

    pub(super) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub(super) fn into_response(self) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut builder = HttpResponse::build(status);
        let now = Instant::now();
        if let Some(bucket) = self.bucket {
            add_bucket_headers(&mut builder, &bucket, now);
        }
        if self.status == 204 {
            return builder.finish();
        }
        let mut body = self.body;
        if let Some(refusal) = self.refusal {
            let retry_after = seconds_until(refusal.retry_at, now);
            add_refusal_headers(&mut builder, refusal.scope, retry_after);
            if body.is_null() {
                body = rate_limited_body(refusal.scope, retry_after);
            }
        }
        builder
            .content_type("application/json")
            .body(body.to_string())
    }
}

/// Seconds from `now` to `at`, rounded up to the millisecond so that a
/// client waiting exactly this long is not early.
fn seconds_until(at: Instant, now: Instant) -> f64 {
    let secs = at.saturating_duration_since(now).as_secs_f64();
    (secs * 1000.0).ceil() / 1000.0
}

fn rate_limited_body(scope: Scope, retry_after: f64) -> Value {
    json!({
        "message": "You are being rate limited.",
        "retry_after": retry_after,
        "global": scope == Scope::Global,
    })
}

fn add_bucket_headers(builder: &mut HttpResponseBuilder, bucket: &BucketState, now: Instant) {
    let reset_after = seconds_until(bucket.reset_at, now);
    let epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let reset = epoch.as_secs_f64() + reset_after;
    builder
        .insert_header(("X-RateLimit-Limit", bucket.limit.to_string()))
        .insert_header(("X-RateLimit-Remaining", bucket.remaining.to_string()))
        .insert_header(("X-RateLimit-Reset", format!("{reset:.3}")))
        .insert_header(("X-RateLimit-Reset-After", format!("{reset_after:.3}")))
        .insert_header(("X-RateLimit-Bucket", bucket.hash));
}

fn add_refusal_headers(builder: &mut HttpResponseBuilder, scope: Scope, retry_after: f64) {
    builder
        .insert_header(("Retry-After", retry_after.ceil().to_string()))
        .insert_header(("X-RateLimit-Scope", scope.header()));
    if scope == Scope::Global {
        builder.insert_header(("X-RateLimit-Global", "true"));
    }
}

/// Discord's message for an error code, for injected `ApiError`s.
pub(super) fn error_message(code: u64) -> &'static str {
    match code {
        10003 => "Unknown Channel",
        10008 => "Unknown Message",
        50001 => "Missing Access",
        50013 => "Missing Permissions",
        50083 => "Thread is archived",
        160004 => "A thread has already been created for this message",
        160005 => "Thread is locked",
        50035 => "Invalid Form Body",
        200000 => "Message was blocked by automatic moderation",
        200001 => "Title was blocked by automatic moderation",
        _ => "Injected error",
    }
}
