//! The `web` process: GitHub deliveries in, typed Faktory jobs out.
//!
//! [`Application`] takes an already-bound listener (tests bind port 0) and
//! serves `POST /webhooks/github`, `GET /healthz`, `GET /readyz` and
//! `GET /metrics` (see [`crate::metrics`]; `ready` for `/readyz`), and for Dibs
//! ([`crate::dibs`]) `POST /webhooks/discord` and `/api/dibs`. It
//! never talks to Discord; a delivery's whole cost is a Redis check and a
//! Faktory PUSH. What a request costs before it is verified is bounded by
//! `door` (connections, deadlines), `budget` (body bytes held at once),
//! `body` (reading under both, verifying as bytes arrive, a turn at a time)
//! and `hangup` (closing a refused connection without reading on).

mod body;
mod budget;
mod dibs;
mod dibs_api;
mod dibs_commands;
mod door;
pub mod ed25519;
mod error;
mod hangup;
mod headers;
mod hooks;
mod intake;
mod interactions;
mod logbook;
mod ready;
mod receive;
pub mod router;
mod secrets;
pub mod signature;
mod turn;

pub use door::{raise_open_files_limit, return_large_buffers_to_the_os};
pub use error::WebhookError;
pub use intake::{Intake, Intaker};
pub use receive::payload_json;

use crate::metrics::{serve as metrics_endpoint, Metrics};
use crate::queue::Producer;
use crate::settings::{Secret, WebSettings};
use actix_web::{dev::Server, web, App, HttpResponse, HttpServer};
use std::net::TcpListener;
use std::time::Duration;

/// GitHub's own cap on payloads.
pub const MAX_BODY: usize = 25 * 1024 * 1024;

/// Everything a request handler needs, shared by all actix workers.
pub struct State {
    /// `GITHUB_WEBHOOK_SECRET`'s secrets, in order (see `secrets`).
    secrets: Vec<Secret>,
    intaker: intake::Intaker,
    plan: router::JobPlan,
    /// Body bytes held at once, across all workers.
    budget: budget::Budget,
    body_timeout: Duration,
    metrics: Metrics,
    /// `None` when `DELIVERY_LOG_DAYS=0`.
    logbook: Option<logbook::Logbook>,
    /// `/readyz`'s last answer, shared by concurrent probes.
    readiness: ready::Readiness,
}

/// `web`'s settings from the environment, with what only `web` can check:
/// the form of `DISCORD_PUBLIC_KEY`, checked by the code that uses it, so
/// a malformed key stops every caller before it serves, as it always has.
pub fn settings_from_env() -> anyhow::Result<WebSettings> {
    let settings = WebSettings::from_env()?;
    dibs::public_key(&settings.dibs)?;
    Ok(settings)
}

pub struct Application {
    server: Server,
    port: u16,
}

impl Application {
    /// Binds `0.0.0.0:$PORT` and builds the server.
    pub fn build(settings: WebSettings) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(("0.0.0.0", settings.port))?;
        Self::with_listener(settings, listener)
    }

    /// Builds the server on a listener the caller bound.
    pub fn with_listener(settings: WebSettings, listener: TcpListener) -> anyhow::Result<Self> {
        let port = listener.local_addr()?.port();
        // Long whatever the cap: a connection waiting there costs web nothing.
        door::lengthen_accept_queue(&listener, settings.door.max_connections.max(4096));
        let producer = Producer::start(settings.common.faktory.clone())?;
        let metrics = Metrics::with_events(router::GITHUB_EVENTS)?;
        let endpoint = web::Data::new(metrics_endpoint::Endpoint {
            metrics: metrics.clone(),
            token: settings.metrics.token.clone(),
        });
        let logbook = match settings.delivery_log_days {
            0 => None,
            days => Some(logbook::Logbook::start(
                settings.common.redis_url.clone(),
                settings.common.key_prefix(),
                crate::delivery_log::Retention {
                    max_bytes: settings.delivery_log_max_mb << 20,
                    max_age_ms: days * 86_400_000,
                },
                metrics.clone(),
            )?),
        };
        let state = web::Data::new(State {
            secrets: secrets::split(&settings.webhook_secret),
            intaker: intake::Intaker::new(
                producer.clone(),
                settings.common.redis_url.clone(),
                settings.common.key_prefix(),
            ),
            plan: router::JobPlan {
                common: settings.common.clone(),
                reserve_for: settings.reserve_for,
                config: settings.config.clone(),
            },
            budget: budget::Budget::new(settings.door.max_inflight_body),
            body_timeout: settings.door.body_timeout,
            metrics,
            logbook,
            readiness: ready::Readiness::default(),
        });
        let dibs = web::Data::new(dibs::DibsWeb::new(
            &settings.dibs,
            settings.common.clone(),
            producer.clone(),
        )?);
        let limits = door::ServerLimits::new(&settings.door);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(endpoint.clone())
                .app_data(dibs.clone())
                .wrap_fn(door::hold_unread_body)
                .route("/webhooks/github", web::post().to(receive::receive))
                .route("/webhooks/discord", web::post().to(interactions::receive))
                .route("/api/dibs", web::get().to(dibs_api::list))
                .route("/api/dibs/{resource}", web::post().to(dibs_api::change))
                .route(
                    "/healthz",
                    web::get().to(|| async { HttpResponse::Ok().body("ok") }),
                )
                .route("/readyz", web::get().to(ready::readyz))
                .route("/metrics", web::get().to(metrics_endpoint::handle))
        })
        .workers(limits.workers)
        .max_connections(limits.connections_per_worker)
        .client_request_timeout(limits.header_timeout)
        .keep_alive(limits.keep_alive)
        .client_disconnect_timeout(limits.linger)
        .on_connect(hangup::note_socket)
        .listen(listener)?
        .run();
        Ok(Application { server, port })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
