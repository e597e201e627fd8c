//! Sending one request to Discord and reading its answer, headers included.
//!
//! twilight-http builds and validates the requests, but its own client
//! retries a 429 at once and keeps the rate-limit headers to itself, so
//! the shared budget could neither see a 429 nor learn from a 2xx. This
//! thin sender hands every answer back whole: status, the `X-RateLimit-*`
//! headers and the body.

use super::DiscordError;
use reqwest::header::{HeaderMap, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use std::time::Duration;
use twilight_http::request::Request;

const AGENT: &str = concat!(
    "DiscordBot (https://github.com/threadline, ",
    env!("CARGO_PKG_VERSION"),
    ")"
);

/// What Discord answered.
pub struct Answer {
    pub status: u16,
    pub limits: RateHeaders,
    pub body: Vec<u8>,
}

/// The rate-limit headers of one answer (absent ones stay `None`).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct RateHeaders {
    pub bucket: Option<String>,
    pub limit: Option<u32>,
    pub remaining: Option<u32>,
    /// `X-RateLimit-Reset-After`, in milliseconds (rounded up).
    pub reset_after_ms: Option<u64>,
    /// `retry_after` of a 429 (body first, `Retry-After` otherwise), in ms.
    pub retry_after_ms: Option<u64>,
    /// `X-RateLimit-Scope`: `user`, `global` or `shared`.
    pub scope: Option<String>,
    pub global: bool,
}

/// A keep-alive HTTP client pointed at Discord (or a stand-in).
pub struct Transport {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Transport {
    pub fn new(api_url: &str, token: &str, timeout: Duration) -> Result<Self, DiscordError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| DiscordError::Invalid(format!("building the HTTP client: {e}")))?;
        let token = if token.starts_with("Bot ") || token.starts_with("Bearer ") {
            token.to_string()
        } else {
            format!("Bot {token}")
        };
        Ok(Transport {
            http,
            base: format!("{}/api/v10/", api_url.trim_end_matches('/')),
            token,
        })
    }

    /// Sends `request` once.
    pub async fn send(&self, request: &Request) -> Result<Answer, DiscordError> {
        let method = reqwest::Method::from_bytes(request.method().name().as_bytes())
            .map_err(|e| DiscordError::Invalid(e.to_string()))?;
        let url = format!("{}{}", self.base, request.path());
        let mut builder = self
            .http
            .request(method, url)
            .header(AUTHORIZATION, &self.token)
            .header(USER_AGENT, AGENT);
        if let Some(headers) = request.headers() {
            for (name, value) in headers {
                builder = builder.header(name.as_str(), value.as_bytes());
            }
        }
        if let Some(body) = request.body() {
            builder = builder
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_vec());
        }
        let response = builder.send().await.map_err(transport_error)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(transport_error)?.to_vec();
        let mut limits = RateHeaders::parse(&headers);
        if status == 429 {
            limits.read_429_body(&body);
        }
        Ok(Answer {
            status,
            limits,
            body,
        })
    }
}

fn transport_error(e: reqwest::Error) -> DiscordError {
    if e.is_timeout() {
        DiscordError::Timeout
    } else {
        DiscordError::Transport(e.to_string())
    }
}

impl RateHeaders {
    pub fn parse(headers: &HeaderMap) -> Self {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let seconds_ms = |name: &str| text(name).and_then(secs_to_ms);
        RateHeaders {
            bucket: text("x-ratelimit-bucket").map(str::to_string),
            limit: text("x-ratelimit-limit").and_then(|v| v.parse().ok()),
            remaining: text("x-ratelimit-remaining").and_then(|v| v.parse().ok()),
            reset_after_ms: seconds_ms("x-ratelimit-reset-after"),
            retry_after_ms: seconds_ms("retry-after"),
            scope: text("x-ratelimit-scope").map(str::to_string),
            global: text("x-ratelimit-global").is_some_and(|v| v.eq_ignore_ascii_case("true")),
        }
    }

    /// A 429's JSON body has the precise `retry_after` and `global`.
    fn read_429_body(&mut self, body: &[u8]) {
        #[derive(serde::Deserialize)]
        struct Limited {
            retry_after: Option<f64>,
            #[serde(default)]
            global: bool,
        }
        if let Ok(limited) = serde_json::from_slice::<Limited>(body) {
            if let Some(secs) = limited.retry_after {
                self.retry_after_ms = secs_to_ms(&secs.to_string());
            }
            self.global |= limited.global;
        }
        if self.global && self.scope.is_none() {
            self.scope = Some("global".into());
        }
    }
}

/// `"1.234"` seconds to 1234 ms, rounded up so that waiting it is never early.
fn secs_to_ms(raw: &str) -> Option<u64> {
    let secs: f64 = raw.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| (secs * 1000.0).ceil() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_read_and_rounded_up() {
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-bucket", "abc".parse().unwrap());
        h.insert("x-ratelimit-limit", "5".parse().unwrap());
        h.insert("x-ratelimit-remaining", "4".parse().unwrap());
        h.insert("x-ratelimit-reset-after", "4.9991".parse().unwrap());
        let r = RateHeaders::parse(&h);
        assert_eq!(r.bucket.as_deref(), Some("abc"));
        assert_eq!((r.limit, r.remaining), (Some(5), Some(4)));
        assert_eq!(r.reset_after_ms, Some(5000));
        assert!(!r.global);
    }

    #[test]
    fn a_global_429_body_wins_over_the_header() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", "2".parse().unwrap());
        let mut r = RateHeaders::parse(&h);
        r.read_429_body(br#"{"message":"x","retry_after":1.25,"global":true}"#);
        assert_eq!(r.retry_after_ms, Some(1250));
        assert!(r.global);
        assert_eq!(r.scope.as_deref(), Some("global"));
    }
}
