//! The producer pool: concurrent PUSHes over several Faktory connections.
//!
//! A faktory `Client` is not `Sync`, takes `&mut self` and may only be
//! dropped on a multi-threaded Tokio runtime, while actix-web runs each
//! worker thread on a current-thread runtime. So the pool owns a small
//! multi-threaded runtime of its own; callers on any runtime hand it a job
//! and await the answer. A client that failed is discarded, and the failed
//! command is tried once more on a fresh connection within the same
//! deadline, which is how `web` reconnects after Faktory restarts or a
//! proxy drops an idle connection.

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
        self.with_client(|c| Box::pin(c.enqueue(job.clone()))).await
    }

    /// Runs `op` on a pooled connection, or a fresh one when none is idle.
    /// A pooled connection may have been closed while idle (a Faktory
    /// restart, a proxy's idle timeout), which only shows when it is used;
    /// so a failed attempt gets exactly one more, on a fresh connection,
    /// within the caller's deadline. A repeated PUSH is harmless: the
    /// worker's guards make a second copy of a job a no-op.
    async fn with_client<F>(&self, op: F) -> anyhow::Result<()>
    where
        F: for<'a> Fn(&'a mut faktory::Client) -> ClientFuture<'a>,
    {
        let pooled = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let attempt = match pooled {
            Some(mut client) => match op(&mut client).await {
                Ok(()) => Ok(client),
                Err(e) => Err(anyhow::Error::new(e).context("Faktory command failed")),
            },
            None => self.fresh(&op).await,
        };
        let client = match attempt {
            Ok(client) => client,
            Err(first) => {
                log::info!(
                    "Faktory attempt failed, trying once more on a fresh connection: {first:#}"
                );
                self.fresh(&op)
                    .await
                    .map_err(|e| e.context(format!("after a first failure: {first:#}")))?
            }
        };
        self.give_back(client);
        Ok(())
    }

    /// Connects afresh and runs `op`; the client is kept only if it worked.
    async fn fresh<F>(&self, op: &F) -> anyhow::Result<faktory::Client>
    where
        F: for<'a> Fn(&'a mut faktory::Client) -> ClientFuture<'a>,
    {
        let mut client = connect_client(&self.addr).await?;
        // On failure the client is dropped here, on this multi-threaded
        // runtime; SafeStream keeps that from panicking.
        op(&mut client)
            .await
            .map_err(|e| anyhow::Error::new(e).context("Faktory command failed"))?;
        Ok(client)
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
