//! Threadline's GitHub REST client: reqwest (rustls) plus the App JWT of
//! [`super::jwt`], with the limits of [`super::rate`] shared through Redis.
//!
//! Every request sends `Accept: application/vnd.github+json`,
//! `X-GitHub-Api-Version: 2022-11-28` and a `User-Agent`; every answer's
//! `X-RateLimit-*` headers are read. A request that would wait longer than
//! `max_wait` for a limit is not sent: it fails with
//! [`GithubError::Deferred`], and a job turns that into a push-back.

use super::auth::{As, Credentials, TokenCache};
use super::page::{next_link, route_label, Page};
use super::rate::{Limits, Rate};
use crate::clock::now_ms;
use crate::metrics::Metrics;
use crate::settings::GithubSettings;
use anyhow::Context as _;
use redis::aio::ConnectionManager;
use reqwest::Method;
use serde::de::DeserializeOwned;
use std::time::Duration;

pub const API_VERSION: &str = "2022-11-28";
const USER_AGENT: &str = concat!("threadline/", env!("CARGO_PKG_VERSION"));
const TIMEOUT: Duration = Duration::from_secs(30);
/// Waits for a limit this long in place; longer ones defer.
pub const JOB_MAX_WAIT: Duration = Duration::from_secs(5);

/// Why a request did not succeed.
#[derive(Debug)]
pub enum GithubError {
    /// A rate limit holds until `until_ms` (epoch ms): try again then.
    Deferred { until_ms: u64 },
    /// GitHub answered no (a 4xx other than a limit): retrying will not help.
    Refused { status: u16, message: String },
    /// No answer, a 5xx, or Redis failed: worth a retry.
    Failed(anyhow::Error),
}

impl std::fmt::Display for GithubError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GithubError::Deferred { until_ms } => {
                write!(
                    f,
                    "GitHub rate limit: nothing is sent until {until_ms} (epoch ms)"
                )
            }
            GithubError::Refused { status, message } => {
                write!(f, "GitHub answered {status}: {message}")
            }
            GithubError::Failed(e) => write!(f, "{e:#}"),
        }
    }
}

impl std::error::Error for GithubError {}

/// The answer to a request that succeeded (2xx).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub link: Option<String>,
    /// The body, read whole.
    pub body: Vec<u8>,
}

/// The client; cheap to clone, shared state lives in Redis.
#[derive(Clone)]
pub struct GitHub {
    http: reqwest::Client,
    api_url: String,
    pub(super) credentials: Credentials,
    pub(super) tokens: TokenCache,
    rate: Rate,
    metrics: Option<Metrics>,
    max_wait: Duration,
}

impl std::fmt::Debug for GitHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GitHub({})", self.api_url)
    }
}

impl GitHub {
    /// `None` (and one log line) when no credentials are configured.
    pub fn from_settings(
        settings: &GithubSettings,
        redis: ConnectionManager,
        key_prefix: &str,
    ) -> anyhow::Result<Option<GitHub>> {
        let Some(credentials) = Credentials::from_settings(settings)? else {
            log::info!("GitHub API off: neither GITHUB_TOKEN nor GITHUB_APP_ID is set; no catch-up, no backfill");
            return Ok(None);
        };
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .user_agent(USER_AGENT)
            .build()
            .context("building the GitHub HTTP client")?;
        Ok(Some(GitHub {
            http,
            api_url: settings.api_url.clone(),
            credentials,
            tokens: TokenCache::new(redis.clone(), key_prefix),
            rate: Rate::new(redis, key_prefix),
            metrics: None,
            max_wait: JOB_MAX_WAIT,
        }))
    }

    pub fn with_metrics(mut self, metrics: Metrics) -> GitHub {
        self.metrics = Some(metrics);
        self
    }

    /// Waits up to `max_wait` for a limit before deferring (the command
    /// line waits longer than a job).
    pub fn with_max_wait(mut self, max_wait: Duration) -> GitHub {
        self.max_wait = max_wait;
        self
    }

    pub fn is_app(&self) -> bool {
        matches!(self.credentials, Credentials::App(_))
    }

    /// Who to be for a repository or organisation route: the token, or
    /// the installation the delivery named.
    pub fn for_installation(&self, installation: Option<u64>) -> Result<As, GithubError> {
        match (&self.credentials, installation) {
            (Credentials::Token(_), _) => Ok(As::Token),
            (Credentials::App(_), Some(id)) => Ok(As::Installation(id)),
            (Credentials::App(_), None) => Err(GithubError::Refused {
                status: 0,
                message: "App mode needs an installation id for this route".into(),
            }),
        }
    }

    /// `GET path` (or a full URL from a `Link` header), parsed as `T`.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        who: As,
    ) -> Result<T, GithubError> {
        let answer = self.send(Method::GET, path, who, None).await?;
        parse(&answer.body, path)
    }

    /// One page of a list: its items and the `next` link.
    pub async fn get_page<T: DeserializeOwned>(
        &self,
        path: &str,
        who: As,
    ) -> Result<Page<T>, GithubError> {
        let answer = self.send(Method::GET, path, who, None).await?;
        let items = parse(&answer.body, path)?;
        let next = answer.link.as_deref().and_then(next_link);
        Ok(Page { items, next })
    }

    /// `POST path` with a JSON body (paced, as every write: one per second
    /// per identity).
    pub async fn post(
        &self,
        path: &str,
        who: As,
        body: &serde_json::Value,
    ) -> Result<Answer, GithubError> {
        self.send(Method::POST, path, who, Some(body)).await
    }

    /// One request, waiting out limits up to `max_wait`.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        who: As,
        body: Option<&serde_json::Value>,
    ) -> Result<Answer, GithubError> {
        let url = self.url(path)?;
        let identity = who.identity();
        // A limit hit while sending is waited out, a few times at most.
        for _ in 0..4 {
            self.wait_for_limits(&identity).await?;
            // Every write (a comment, an edit, a redelivery) is paced.
            if is_write(&method) {
                let at = self
                    .rate
                    .write_slot(&identity, now_ms())
                    .await
                    .map_err(failed)?;
                self.sleep_until(at, false).await?;
            }
            let bearer = self.bearer(who).await?;
            let mut request = self
                .http
                .request(method.clone(), &url)
                .header("Accept", "application/vnd.github+json")
                .header("X-GitHub-Api-Version", API_VERSION)
                .bearer_auth(bearer);
            if let Some(body) = body {
                request = request
                    .header("Content-Type", "application/json")
                    .body(body.to_string());
            }
            let route = route_label(&url, &self.api_url);
            let response = match request.send().await {
                Ok(r) => r,
                Err(e) => {
                    self.count(&route, "error");
                    return Err(GithubError::Failed(
                        anyhow::Error::new(e).context(format!("{method} {route}")),
                    ));
                }
            };
            let status = response.status().as_u16();
            self.count(&route, &status.to_string());
            let limits = Limits::read(response.headers());
            self.observe(&identity, &limits).await?;
            let link = response
                .headers()
                .get("link")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let bytes = response
                .bytes()
                .await
                .map_err(|e| failed(anyhow::Error::new(e).context(format!("reading {route}"))))?
                .to_vec();
            if (200..300).contains(&status) {
                return Ok(Answer {
                    status,
                    link,
                    body: bytes,
                });
            }
            let message = error_message(&bytes);
            if let Some(until) = limits.limited_until(status, &message, now_ms()) {
                log::warn!("GitHub rate limit on {method} {route} ({status}): waiting until {until} (epoch ms)");
                self.rate
                    .block(&identity, until, now_ms())
                    .await
                    .map_err(failed)?;
                continue;
            }
            if status == 401 {
                if let As::Installation(id) = who {
                    let _ = self.tokens.forget(id).await;
                }
            }
            if status >= 500 {
                return Err(failed(anyhow::anyhow!(
                    "{method} {route}: GitHub answered {status}: {message}"
                )));
            }
            return Err(GithubError::Refused { status, message });
        }
        Err(failed(anyhow::anyhow!(
            "{method} {path}: rate limited again and again"
        )))
    }

    fn url(&self, path: &str) -> Result<String, GithubError> {
        if path.starts_with('/') {
            return Ok(format!("{}{path}", self.api_url));
        }
        // A `Link` URL: followed only on the API's own host, so that the
        // bearer never goes anywhere else.
        if path.starts_with(&format!("{}/", self.api_url)) {
            return Ok(path.to_string());
        }
        Err(GithubError::Refused {
            status: 0,
            message: format!("not a URL of GITHUB_API_URL: {path}"),
        })
    }

    async fn wait_for_limits(&self, identity: &str) -> Result<(), GithubError> {
        if let Some(until) = self
            .rate
            .blocked_until(identity, now_ms())
            .await
            .map_err(failed)?
        {
            self.sleep_until(until, true).await?;
        }
        Ok(())
    }

    /// Sleeps until `at_ms`; a limit (`defer`) longer than `max_wait` is
    /// handed back instead.
    async fn sleep_until(&self, at_ms: u64, defer: bool) -> Result<(), GithubError> {
        let wait = Duration::from_millis(at_ms.saturating_sub(now_ms()));
        if defer && wait > self.max_wait {
            return Err(GithubError::Deferred { until_ms: at_ms });
        }
        tokio::time::sleep(wait).await;
        Ok(())
    }

    async fn observe(&self, identity: &str, limits: &Limits) -> Result<(), GithubError> {
        if let (Some(m), Some(remaining)) = (&self.metrics, limits.remaining) {
            m.github_rate_limit_remaining(remaining);
        }
        if let Some(until) = limits.exhausted_until() {
            self.rate
                .block(identity, until, now_ms())
                .await
                .map_err(failed)?;
        }
        Ok(())
    }

    fn count(&self, route: &str, status: &str) {
        if let Some(m) = &self.metrics {
            m.github_request(route, status);
        }
    }
}

/// A request that changes something on GitHub: paced by [`Rate::write_slot`].
fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

pub(super) fn parse<T: DeserializeOwned>(body: &[u8], path: &str) -> Result<T, GithubError> {
    serde_json::from_slice(body).map_err(|e| {
        GithubError::Failed(
            anyhow::Error::new(e).context(format!("reading GitHub's answer to {path}")),
        )
    })
}

/// GitHub's error bodies are `{"message": ...}`.
fn error_message(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("message")?.as_str().map(str::to_string))
        .unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned())
}

pub(super) fn failed(e: anyhow::Error) -> GithubError {
    GithubError::Failed(e)
}
