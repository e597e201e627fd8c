//! Prometheus metrics: one [`Metrics`] per process, passed to whoever
//! records (no global registry), rendered in the text format by `web`'s
//! `GET /metrics` and by the worker's own endpoint ([`serve`]).
//!
//! The names and labels are a contract with dashboards and alerts (see the
//! README). Every label is bounded: an event GitHub may send is one of the
//! events Threadline knows or `other` (the header of an unverified request
//! is the sender's to choose), a job kind is one of the contract's kinds or
//! `other`, a Discord route is its template, never a path with ids.

pub mod serve;

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts, Registry,
    TextEncoder,
};
use std::sync::Arc;

/// The events `web` knows by name; any other is counted as `other`.
const EVENTS: &[&str] = &[
    "ping",
    "pull_request",
    "issue_comment",
    "pull_request_review",
    "pull_request_review_comment",
    "installation",
    "installation_repositories",
];

/// Every outcome a delivery can have.
pub const DELIVERY_OUTCOMES: &[&str] = &[
    "queued",
    "duplicate",
    "ignored",
    "filtered",
    "unauthorized",
    "bad_request",
    "too_large",
    "unavailable",
];

/// A process's metrics; cheap to clone.
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

struct Inner {
    registry: Registry,
    deliveries: IntCounterVec,
    delivery_seconds: Histogram,
    jobs: IntCounterVec,
    job_seconds: HistogramVec,
    discord_requests: IntCounterVec,
    ratelimit_wait: Histogram,
    queue_latency: HistogramVec,
    log_dropped: IntCounter,
    github_requests: IntCounterVec,
    github_redeliveries: IntCounterVec,
    github_remaining: prometheus::IntGauge,
}

// Buckets for the range each one measures: web answers in milliseconds,
// jobs take a Discord round trip or a few, a budget wait can reach the
// push-back threshold, and a queued job may wait out a scheduled delay.
const ANSWER: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
const JOB: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];
const WAIT: &[f64] = &[
    0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0,
];
const LATENCY: &[f64] = &[
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0, 60.0, 300.0, 900.0,
];

impl Metrics {
    pub fn new() -> anyhow::Result<Self> {
        let registry = Registry::new();
        let inner = Inner {
            deliveries: counter(
                &registry,
                "threadline_deliveries_total",
                "GitHub deliveries by event and outcome",
                &["event", "outcome"],
            )?,
            delivery_seconds: histogram(
                &registry,
                "threadline_delivery_seconds",
                "From a delivery's arrival to web's answer",
                ANSWER,
            )?,
            jobs: counter(
                &registry,
                "threadline_jobs_total",
                "Jobs performed, by kind and outcome (done, retry, dead)",
                &["kind", "outcome"],
            )?,
            job_seconds: histogram_vec(
                &registry,
                "threadline_job_seconds",
                "How long a job took to perform",
                JOB,
                &["kind"],
            )?,
            discord_requests: counter(
                &registry,
                "threadline_discord_requests_total",
                "Requests sent to Discord, by route template and status",
                &["route", "status"],
            )?,
            ratelimit_wait: histogram(
                &registry,
                "threadline_discord_ratelimit_wait_seconds",
                "How long a Discord request waited for the shared budget",
                WAIT,
            )?,
            queue_latency: histogram_vec(
                &registry,
                "threadline_queue_latency_seconds",
                "From a job's enqueueing to its fetch",
                LATENCY,
                &["queue"],
            )?,
            log_dropped: {
                let c = IntCounter::new(
                    "threadline_delivery_log_dropped_total",
                    "Delivery-log entries dropped because the log's queue was full",
                )?;
                registry.register(Box::new(c.clone()))?;
                c
            },
            github_requests: counter(
                &registry,
                "threadline_github_requests_total",
                "Requests sent to GitHub's REST API, by route (ids as :id) and status",
                &["route", "status"],
            )?,
            github_redeliveries: counter(
                &registry,
                "threadline_github_redeliveries_total",
                "Failed deliveries catch-up dealt with: requested, arrived, refused, error",
                &["outcome"],
            )?,
            github_remaining: {
                let g = prometheus::IntGauge::new(
                    "threadline_github_rate_limit_remaining",
                    "X-RateLimit-Remaining of GitHub's latest answer",
                )?;
                registry.register(Box::new(g.clone()))?;
                g
            },
            registry,
        };
        Ok(Metrics(Arc::new(inner)))
    }

    /// One delivery answered; `event` is the raw header, bounded here.
    pub fn delivery(&self, event: Option<&str>, outcome: &str, seconds: f64) {
        let event = event
            .and_then(|e| EVENTS.iter().find(|known| **known == e))
            .copied()
            .unwrap_or("other");
        self.0.deliveries.with_label_values(&[event, outcome]).inc();
        self.0.delivery_seconds.observe(seconds);
    }

    /// One job performed; `outcome` is `done`, `retry` or `dead`.
    pub fn job(&self, kind: &str, outcome: &str, seconds: f64) {
        let kind = bounded_kind(kind);
        self.0.jobs.with_label_values(&[kind, outcome]).inc();
        self.0
            .job_seconds
            .with_label_values(&[kind])
            .observe(seconds);
    }

    pub fn queue_latency(&self, queue: &str, seconds: f64) {
        self.0
            .queue_latency
            .with_label_values(&[queue])
            .observe(seconds.max(0.0));
    }

    /// One Discord request: `status` is the HTTP status, or `error` when
    /// no answer came. The route template's `{id}` becomes `:id`, since
    /// some text-format parsers cut a label value at a brace.
    pub fn discord_request(&self, route: &str, status: &str) {
        let route = route.replace("{id}", ":id");
        self.0
            .discord_requests
            .with_label_values(&[&route, status])
            .inc();
    }

    pub fn delivery_log_dropped(&self) {
        self.0.log_dropped.inc();
    }

    pub fn ratelimit_wait(&self, seconds: f64) {
        self.0.ratelimit_wait.observe(seconds);
    }

    /// One GitHub request: `route` already has its ids as `:id`; `status`
    /// is the HTTP status or `error`.
    pub fn github_request(&self, route: &str, status: &str) {
        self.0
            .github_requests
            .with_label_values(&[route, status])
            .inc();
    }

    /// One failed delivery dealt with: `requested`, `arrived`, `refused`
    /// or `error`.
    pub fn github_redelivery(&self, outcome: &str) {
        self.0
            .github_redeliveries
            .with_label_values(&[outcome])
            .inc();
    }

    pub fn github_rate_limit_remaining(&self, remaining: u64) {
        self.0
            .github_remaining
            .set(remaining.min(i64::MAX as u64) as i64);
    }

    /// Everything, in Prometheus's text format.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.0.registry.gather(), &mut out) {
            log::warn!("could not render metrics: {e}");
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

fn bounded_kind(kind: &str) -> &str {
    threadline_jobs::ALL_KINDS
        .iter()
        .find(|known| **known == kind)
        .copied()
        .unwrap_or("other")
}

fn counter(r: &Registry, name: &str, help: &str, labels: &[&str]) -> anyhow::Result<IntCounterVec> {
    let c = IntCounterVec::new(Opts::new(name, help), labels)?;
    r.register(Box::new(c.clone()))?;
    Ok(c)
}

fn histogram(r: &Registry, name: &str, help: &str, buckets: &[f64]) -> anyhow::Result<Histogram> {
    let h = Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets.to_vec()))?;
    r.register(Box::new(h.clone()))?;
    Ok(h)
}

fn histogram_vec(
    r: &Registry,
    name: &str,
    help: &str,
    buckets: &[f64],
    labels: &[&str],
) -> anyhow::Result<HistogramVec> {
    let opts = HistogramOpts::new(name, help).buckets(buckets.to_vec());
    let h = HistogramVec::new(opts, labels)?;
    r.register(Box::new(h.clone()))?;
    Ok(h)
}

/// Whether a request may read the metrics: always without a token, else
/// only with `Authorization: Bearer <token>` (compared in constant time).
pub fn authorized(token: Option<&str>, authorization: Option<&[u8]>) -> bool {
    let Some(token) = token else {
        return true;
    };
    let Some(given) = authorization.and_then(|a| a.strip_prefix(b"Bearer ")) else {
        return false;
    };
    let expected = token.as_bytes();
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_stay_bounded_and_histograms_are_histograms() {
        let m = Metrics::new().unwrap();
        m.delivery(Some("pull_request"), "queued", 0.002);
        m.delivery(Some("x-made-up-by-a-stranger"), "unauthorized", 0.0001);
        m.job("pr.opened", "done", 0.1);
        m.job("made.up", "dead", 0.1);
        let text = m.render();
        assert!(
            text.contains(r#"threadline_deliveries_total{event="other",outcome="unauthorized"} 1"#)
        );
        assert!(!text.contains("x-made-up"));
        assert!(text.contains(r#"threadline_jobs_total{kind="other",outcome="dead"} 1"#));
        assert!(text.contains("# TYPE threadline_delivery_seconds histogram"));
        assert!(text.contains("threadline_delivery_seconds_bucket{le=\"0.0025\"} 2"));
    }

    #[test]
    fn a_token_needs_its_bearer() {
        assert!(authorized(None, None));
        assert!(authorized(Some("t0k"), Some(b"Bearer t0k")));
        assert!(!authorized(Some("t0k"), Some(b"Bearer t0x")));
        assert!(!authorized(Some("t0k"), Some(b"t0k")));
        assert!(!authorized(Some("t0k"), None));
    }
}
