//! A small TCP proxy that drops idle connections, like a load balancer or
//! NAT with an idle timeout: each connection is piped both ways, and one
//! that carries no byte either way for `idle` is closed on both sides.
//!
//! [`IdleDropProxy::cut`] closes every open connection at once, as a
//! network cut or a restarting load balancer does.
//!
//! It runs on a thread of its own with its own runtime, so a test's
//! runtime never starves it, and stops when dropped.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};

pub struct IdleDropProxy {
    pub port: u16,
    dropped: Arc<AtomicUsize>,
    cuts: watch::Sender<u64>,
    stop: Option<oneshot::Sender<()>>,
}

impl IdleDropProxy {
    /// Proxies a free local port to `127.0.0.1:upstream`.
    pub fn start(upstream: u16, idle: Duration) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let dropped = Arc::new(AtomicUsize::new(0));
        let (stop, stopped) = oneshot::channel();
        let counter = dropped.clone();
        let cuts = watch::Sender::new(0u64);
        let cut = cuts.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = TcpListener::from_std(listener).unwrap();
                tokio::select! {
                    _ = stopped => {}
                    _ = accept_loop(listener, upstream, idle, counter, cut) => {}
                }
            });
        });
        IdleDropProxy {
            port,
            dropped,
            cuts,
            stop: Some(stop),
        }
    }

    /// `tcp://127.0.0.1:port`, for a Faktory behind the proxy.
    pub fn faktory_url(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.port)
    }

    /// Closes every connection open now; new ones are proxied as before.
    pub fn cut(&self) {
        self.cuts.send_modify(|n| *n += 1);
    }

    /// Connections closed for being idle so far.
    pub fn dropped(&self) -> usize {
        self.dropped.load(Ordering::SeqCst)
    }
}

impl Drop for IdleDropProxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    upstream: u16,
    idle: Duration,
    dropped: Arc<AtomicUsize>,
    cuts: watch::Sender<u64>,
) {
    while let Ok((client, _)) = listener.accept().await {
        let dropped = dropped.clone();
        let cut = cuts.subscribe();
        tokio::spawn(async move {
            let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)).await else {
                return;
            };
            if pipe(client, server, idle, cut).await {
                dropped.fetch_add(1, Ordering::SeqCst);
            }
        });
    }
}

/// Copies bytes both ways until either side closes (false), or nothing
/// moved for `idle` (true), or a cut; both sockets are closed on return.
async fn pipe(
    mut client: TcpStream,
    mut server: TcpStream,
    idle: Duration,
    mut cut: watch::Receiver<u64>,
) -> bool {
    let (mut client_in, mut client_out) = client.split();
    let (mut server_in, mut server_out) = server.split();
    let (mut up, mut down) = ([0u8; 8192], [0u8; 8192]);
    loop {
        let moved = tokio::select! {
            r = client_in.read(&mut up) => match r {
                Ok(n) if n > 0 => server_out.write_all(&up[..n]).await.is_ok(),
                _ => false,
            },
            r = server_in.read(&mut down) => match r {
                Ok(n) if n > 0 => client_out.write_all(&down[..n]).await.is_ok(),
                _ => false,
            },
            _ = tokio::time::sleep(idle) => return true,
            _ = cut.changed() => return false,
        };
        if !moved {
            return false;
        }
    }
}
