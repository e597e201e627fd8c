//! Hanging up on a refused client without reading what it still sends, and
//! without resetting the connection under it.
//!
//! `web` closes a refused connection as soon as its answer is written (see
//! `door`). If unread bytes remain, the kernel then resets the connection
//! at once, and an HTTP client still sending its body (most send it all
//! before they read) may hit the reset before it reads its answer. So the
//! socket of a connection refused with its body unread is kept open for
//! [`HOLD`] after actix closes it, through a duplicate descriptor: the
//! answer and a FIN reach the client, which reads them at leisure. Nothing
//! is read meanwhile. What was already queued is discarded without copying
//! and the receive buffer shrinks to the kernel's minimum, so further bytes
//! are dropped and the client backs off: a held socket costs `web` no CPU,
//! a descriptor and a few KB of kernel memory. At most [`MAX_HELD`] are
//! held at once; past that a refused connection is reset at once, as
//! before.

use actix_web::dev::Extensions;
use std::any::Any;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// How long a refused connection's socket stays open after its answer:
/// time for the answer to arrive and be read, a lost segment resent.
pub const HOLD: Duration = Duration::from_secs(1);

/// Sockets held at once, across the process (refusals per second × [`HOLD`]
/// under a flood).
pub const MAX_HELD: usize = 1024;

static HELD: AtomicUsize = AtomicUsize::new(0);

/// A connection's socket, noted when it was accepted.
#[derive(Clone, Copy)]
pub struct Socket(RawFd);

/// For `HttpServer::on_connect`.
pub fn note_socket(connection: &dyn Any, data: &mut Extensions) {
    if let Some(tcp) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() {
        data.insert(Socket(tcp.as_raw_fd()));
    }
}

/// Keeps `socket` open for [`HOLD`] after actix closes it, reading nothing.
/// Call while its connection is still open (in the request's service), so
/// the descriptor is still that socket's.
pub fn hold(socket: Socket) {
    let Some(slot) = Slot::take() else { return };
    // SAFETY: the descriptor is the open socket of a connection being
    // answered; F_DUPFD_CLOEXEC returns a new descriptor (or -1), owned here.
    let held = match unsafe { libc::fcntl(socket.0, libc::F_DUPFD_CLOEXEC, 0) } {
        -1 => return,
        fd => unsafe { OwnedFd::from_raw_fd(fd) },
    };
    stop_reading(&held);
    actix_web::rt::spawn(async move {
        tokio::time::sleep(HOLD).await;
        drop((held, slot));
    });
}

/// Shrinks the receive buffer to the minimum and discards what is queued.
fn stop_reading(socket: &OwnedFd) {
    let fd = socket.as_raw_fd();
    let smallest: libc::c_int = 0;
    // SAFETY: plain socket calls on an open descriptor; MSG_TRUNC makes TCP
    // discard the bytes without copying them, so no buffer is needed. A
    // failure leaves the socket as it was, which is only less frugal.
    unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            (&smallest as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
        // Bounded: the client may be sending still.
        for _ in 0..16 {
            let discarded = libc::recv(
                fd,
                std::ptr::null_mut(),
                1 << 20,
                libc::MSG_TRUNC | libc::MSG_DONTWAIT,
            );
            if discarded <= 0 {
                break;
            }
        }
    }
}

/// One of the [`MAX_HELD`] places; given back on drop.
struct Slot;

impl Slot {
    fn take() -> Option<Slot> {
        HELD.fetch_update(Ordering::AcqRel, Ordering::Acquire, |held| {
            (held < MAX_HELD).then_some(held + 1)
        })
        .ok()
        .map(|_| Slot)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        HELD.fetch_sub(1, Ordering::AcqRel);
    }
}
