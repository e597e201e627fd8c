//! The door: bounds on what any request costs `web` before it is verified.
//!
//! [`ServerLimits`] caps connections per process and times every phase
//! actix times by itself: the headers of a connection's first request and
//! an idle keep-alive. The [`hold_unread_body`] middleware covers the rest.
//! It keeps each request's payload alive until its response is written:
//! actix then closes a connection whose body was not read to its end
//! instead of draining a chunked body that may never end. And it closes
//! every connection whose request was not a verified delivery, because
//! actix times the headers of a connection's first request only: an
//! unauthenticated client never gets a second one.
//!
//! A refused connection is closed as soon as its answer is written, with no
//! linger. Lingering, actix reads and discards whatever the client still
//! sends until it stops or a timeout; on a fast link that is megabytes per
//! refused request, and under a flood of 25 MiB bodies it was three
//! quarters of `web`'s CPU. Instead, when the body was left unread,
//! `hangup` keeps the socket open a moment longer without reading from it,
//! so the client can read its answer before the connection is reset.

use super::hangup;
use crate::settings::DoorSettings;
use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::ConnectionType;
use actix_web::web::Bytes;
use actix_web::{HttpMessage, HttpRequest};
use futures_core::Stream;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

/// How actix is configured to bound connections and their idle phases.
pub struct ServerLimits {
    pub workers: usize,
    /// actix counts connections per worker.
    pub connections_per_worker: usize,
    /// A connection's first request head must arrive within this.
    pub header_timeout: Duration,
    /// An idle keep-alive connection is closed after this.
    pub keep_alive: Duration,
    /// How long unread bytes are read and discarded after an answer before
    /// the connection is closed: zero, see the module's documentation.
    pub linger: Duration,
}

impl ServerLimits {
    pub fn new(door: &DoorSettings) -> Self {
        // actix's own default worker count.
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        ServerLimits {
            workers,
            connections_per_worker: door.max_connections.div_ceil(workers),
            header_timeout: Duration::from_secs(5),
            keep_alive: Duration::from_secs(5),
            linger: Duration::ZERO,
        }
    }
}

/// Makes the allocator give large buffers back to the OS when freed.
///
/// A request body is one buffer of its declared length, up to 25 MiB.
/// glibc serves the first such buffer with `mmap`, but once it is freed it
/// raises its mmap threshold past that size and serves later ones from its
/// per-thread heaps, where freed pages stay resident: measured under a
/// flood of 25 MiB bodies, RSS reached twice the in-flight budget. Fixing
/// the threshold at glibc's own starting value keeps every large body in a
/// mapping of its own, unmapped when dropped. Call once, at start.
pub fn return_large_buffers_to_the_os() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes glibc's allocator; any thread may call it.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

/// Lets up to `len` connections wait in the kernel's accept queue while
/// `web` is at its connection cap: std's `TcpListener::bind` leaves 128,
/// and past the queue new connections' handshakes are dropped and retried
/// only after a second or more. Listening again on a listening socket only
/// changes its queue (Linux caps it at `net.core.somaxconn`).
pub fn lengthen_accept_queue(listener: &std::net::TcpListener, len: usize) {
    use std::os::fd::AsRawFd;
    let len = libc::c_int::try_from(len).unwrap_or(libc::c_int::MAX);
    // SAFETY: listen on the open descriptor the listener owns.
    if unsafe { libc::listen(listener.as_raw_fd(), len) } != 0 {
        log::warn!(
            "could not lengthen the accept queue: {}",
            std::io::Error::last_os_error()
        );
    }
}

/// Raises the soft limit on open descriptors to the hard one, as Go's
/// runtime does, and warns if that is still short of what the door may use:
/// a descriptor per connection and per socket `hangup` holds, plus a few
/// for Redis, Faktory and the listener. A soft limit of 1,024, a common
/// default, would otherwise cap connections below `WEB_MAX_CONNECTIONS`.
/// Call once, at start.
pub fn raise_open_files_limit(door: &DoorSettings) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct given.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return;
        }
        let raised = libc::rlimit {
            rlim_cur: limit.rlim_max,
            ..limit
        };
        if limit.rlim_cur < limit.rlim_max && libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
            limit = raised;
        }
    }
    let wanted = door.max_connections + hangup::MAX_HELD + 64;
    if limit.rlim_cur < wanted as libc::rlim_t {
        log::warn!(
            "open files limited to {}; WEB_MAX_CONNECTIONS={} wants about {wanted}",
            limit.rlim_cur,
            door.max_connections
        );
    }
}

/// Marks a request whose signature checked out; only those keep their
/// connection open.
pub struct Verified;

pub fn mark_verified(req: &HttpRequest) {
    req.extensions_mut().insert(Verified);
}

/// The middleware (for `App::wrap_fn`); see the module's documentation.
pub fn hold_unread_body<S, B>(
    mut req: ServiceRequest,
    srv: &S,
) -> impl Future<Output = Result<ServiceResponse<Held>, actix_web::Error>>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody + 'static,
{
    let payload = req.take_payload();
    let ended = matches!(payload, Payload::None);
    let body = Rc::new(RefCell::new(Body { payload, ended }));
    req.set_payload(Payload::Stream {
        payload: Box::pin(Shared(body.clone())),
    });
    let response = srv.call(req);
    async move {
        let mut res = response.await?;
        if !res.request().extensions().contains::<Verified>() {
            res.response_mut()
                .head_mut()
                .set_connection_type(ConnectionType::Close);
            let socket = res.request().conn_data::<hangup::Socket>().copied();
            if let (false, Some(socket)) = (body.borrow().ended, socket) {
                hangup::hold(socket);
            }
        }
        Ok(res.map_body(|_, response| Held {
            body: response.boxed(),
            _payload: body,
        }))
    }
}

/// A request's payload, and whether it was read to its end.
struct Body {
    payload: Payload,
    ended: bool,
}

/// The request payload, read through the handler's copy.
struct Shared(Rc<RefCell<Body>>);

impl Stream for Shared {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut body = self.0.borrow_mut();
        let next = Pin::new(&mut body.payload).poll_next(cx);
        // After an error the connection is gone: nothing left to hold.
        if matches!(next, Poll::Ready(None | Some(Err(_)))) {
            body.ended = true;
        }
        next
    }
}

/// A response body that keeps its request's payload alive while written.
pub struct Held {
    body: BoxBody,
    _payload: Rc<RefCell<Body>>,
}

impl MessageBody for Held {
    type Error = <BoxBody as MessageBody>::Error;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_next(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With the default door, deliveries of usual size (up to 64 KB; the
    /// fixture is 25 KB) are bounded by the connection cap, not the body
    /// budget: every connection's buffers and body, the delivery log's
    /// queue and the process's own ~12 MB stay under issue 23's 40 MB. And
    /// GitHub's largest delivery still fits the budget.
    #[test]
    fn the_default_door_fits_the_memory_target() {
        let door = DoorSettings::default();
        let usual = 64 * 1024;
        let held = door.max_connections * (super::super::body::CONNECTION + usual)
            + super::super::logbook::MAX_PENDING_BYTES;
        let process = 12 << 20;
        assert!(
            process + held < 40 << 20,
            "the default door lets web hold {} MB",
            (process + held) >> 20
        );
        let large = door.max_inflight_body - door.max_inflight_body / 32;
        assert!(
            large >= super::super::MAX_BODY,
            "a 25 MiB delivery is refused"
        );
    }
}
