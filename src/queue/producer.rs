//! The producer pool: concurrent PUSHes over several Faktory connections.
//!
//! A faktory `Client` is not `Sync`, takes `&mut self` and may only be
//! dropped on a multi-threaded Tokio runtime, while actix-web runs each
//! worker thread on a current-thread runtime. So the pool owns a small
//! multi-threaded runtime of its own; callers on any runtime hand it a job
//! and await the answer. A client that failed is discarded, and the next
//! push connects afresh, which is how `web` reconnects after Faktory restarts.

use super::connect_client;
use crate::settings::FaktoryAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::runtime::{Handle, Runtime};

/// How long a PUSH may take, connecting included, before `web` gives up
/// and answers 503 (GitHub waits 10 s).
const PUSH_TIMEOUT: Duration = Duration::from_secs(5);
/// Idle connections kept; more are opened under load and closed after.
const MAX_IDLE: usize = 64;

/// A pool of Faktory producer connections with its own runtime.
#[derive(Clone)]
pub struct Producer {
    inner: Arc<Inner>,
    handle: Handle,
}

struct Inner {
    addr: FaktoryAddr,
    idle: Mutex<Vec<faktory::Client>>,
    runtime: Option<Runtime>,
}

impl Producer {
    /// Starts the pool's runtime. Connections open lazily.
    pub fn start(addr: FaktoryAddr) -> anyhow::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("faktory-producer")
            .enable_all()
            .build()?;
        let handle = runtime.handle().clone();
        let inner = Inner {
            addr,
            idle: Mutex::new(Vec::new()),
            runtime: Some(runtime),
        };
        Ok(Producer {
            inner: Arc::new(inner),
            handle,
        })
    }

    /// Pushes one job; `Ok` means Faktory answered OK to the PUSH.
    pub async fn push(&self, job: faktory::Job) -> anyhow::Result<()> {
        let inner = self.inner.clone();
        self.run(async move { inner.push(job).await }).await
    }

    /// Asks Faktory for INFO: the readiness probe.
    pub async fn ping(&self) -> anyhow::Result<()> {
        let inner = self.inner.clone();
        self.run(async move {
            inner
                .with_client(|c| Box::pin(async { c.current_info().await.map(|_| ()) }))
                .await
        })
        .await
    }

    /// Runs `fut` on the pool's runtime, within the push deadline.
    pub async fn run<T, F>(&self, fut: F) -> anyhow::Result<T>
    where
        T: Send + 'static,
        F: std::future::Future<Output = anyhow::Result<T>> + Send + 'static,
    {
        let task = self
            .handle
            .spawn(async move { tokio::time::timeout(PUSH_TIMEOUT, fut).await });
        match task.await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(anyhow::anyhow!(
                "Faktory did not answer within {PUSH_TIMEOUT:?}"
            )),
            Err(join) => Err(anyhow::anyhow!("push task failed: {join}")),
        }
    }
}

type ClientFuture<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), faktory::Error>> + Send + 'a>>;

impl Inner {
    async fn push(&self, job: faktory::Job) -> anyhow::Result<()> {
        self.with_client(move |c| Box::pin(c.enqueue(job))).await
    }

    async fn with_client<F>(&self, op: F) -> anyhow::Result<()>
    where
        F: for<'a> FnOnce(&'a mut faktory::Client) -> ClientFuture<'a>,
    {
        let pooled = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut client = match pooled {
            Some(c) => c,
            None => connect_client(&self.addr).await?,
        };
        match op(&mut client).await {
            Ok(()) => {
                self.give_back(client);
                Ok(())
            }
            // Dropped here, on this multi-threaded runtime; SafeStream keeps it from panicking.
            Err(e) => Err(anyhow::Error::new(e).context("Faktory PUSH failed")),
        }
    }

    fn give_back(&self, client: faktory::Client) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(client);
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Clients must drop inside their runtime, and a runtime must not be
        // dropped from async code, so both are retired on a plain thread.
        let clients = std::mem::take(self.idle.get_mut().unwrap_or_else(|p| p.into_inner()));
        if let Some(rt) = self.runtime.take() {
            std::thread::spawn(move || {
                rt.block_on(async move { drop(clients) });
                rt.shutdown_background();
            });
        }
    }
}
