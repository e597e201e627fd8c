//! `GET /metrics`, the same handler on `web`'s port and on the worker's
//! `METRICS_ADDR`:`METRICS_PORT`, behind `Authorization: Bearer
//! $METRICS_TOKEN` when that is set. The worker has no HTTP server of its
//! own, so [`spawn`] runs one on a thread of its own, apart from the jobs'
//! runtime.

use super::{authorized, Metrics};
use crate::settings::Secret;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use anyhow::Context as _;
use std::net::SocketAddr;

/// What the handler needs.
#[derive(Clone)]
pub struct Endpoint {
    pub metrics: Metrics,
    pub token: Option<Secret>,
}

pub async fn handle(req: HttpRequest, endpoint: web::Data<Endpoint>) -> HttpResponse {
    let token = endpoint.token.as_ref().map(|t| t.expose());
    let given = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .map(|v| v.as_bytes());
    if !authorized(token, given) {
        return HttpResponse::Unauthorized()
            .insert_header(("WWW-Authenticate", "Bearer"))
            .body("metrics need Authorization: Bearer <METRICS_TOKEN>");
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(endpoint.metrics.render())
}

/// Serves `GET /metrics` on `addr` (`METRICS_ADDR`:`METRICS_PORT`) until
/// the process exits.
pub fn spawn(addr: SocketAddr, endpoint: Endpoint) -> anyhow::Result<()> {
    let listener = std::net::TcpListener::bind(addr)
        .with_context(|| format!("binding METRICS_ADDR:METRICS_PORT {addr}"))?;
    if addr.ip().is_unspecified() && endpoint.token.is_none() {
        log::warn!(
            "metrics on {addr} without METRICS_TOKEN: anyone who reaches this port reads them \
             (set METRICS_TOKEN, or METRICS_ADDR=127.0.0.1)"
        );
    }
    std::thread::Builder::new()
        .name("metrics".into())
        .spawn(move || {
            let system = actix_web::rt::System::new();
            let served = system.block_on(async move {
                let data = web::Data::new(endpoint);
                HttpServer::new(move || {
                    App::new()
                        .app_data(data.clone())
                        .route("/metrics", web::get().to(handle))
                })
                .workers(1)
                .disable_signals()
                .listen(listener)?
                .run()
                .await
            });
            if let Err(e) = served {
                log::error!("the metrics endpoint stopped: {e}");
            }
        })
        .context("starting the metrics thread")?;
    Ok(())
}
