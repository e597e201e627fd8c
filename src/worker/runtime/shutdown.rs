//! Drain-then-exit: SIGTERM or SIGINT stops fetching; jobs still running
//! when the drain time is up are interrupted, so the runtime FAILs them
//! (never ACKs) and Faktory retries them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    Running,
    /// Stop fetching; let running jobs finish.
    Draining,
    /// The drain time is up: interrupt running jobs.
    Abort,
}

#[derive(Clone)]
pub struct Shutdown {
    phase: watch::Sender<Phase>,
    fatal: Arc<AtomicBool>,
    drain: Duration,
}

impl Shutdown {
    pub fn new(drain: Duration) -> Self {
        Shutdown {
            phase: watch::Sender::new(Phase::Running),
            fatal: Arc::default(),
            drain,
        }
    }

    pub fn phase(&self) -> Phase {
        *self.phase.borrow()
    }

    /// Starts draining, and aborts once the drain time is up.
    pub fn begin(&self) {
        let started = self.phase.send_if_modified(|p| {
            let was_running = *p == Phase::Running;
            if was_running {
                *p = Phase::Draining;
            }
            was_running
        });
        if started {
            let this = self.clone();
            tokio::spawn(async move {
                tokio::time::sleep(this.drain).await;
                this.phase.send_replace(Phase::Abort);
            });
        }
    }

    /// Stops the worker for good, with a non-zero exit.
    pub fn fail(&self) {
        self.fatal.store(true, Ordering::SeqCst);
        self.begin();
    }

    pub fn is_fatal(&self) -> bool {
        self.fatal.load(Ordering::SeqCst)
    }

    /// Resolves once the phase is at least `phase`.
    pub async fn reached(&self, phase: Phase) {
        let mut rx = self.phase.subscribe();
        let _ = rx.wait_for(|p| *p >= phase).await;
    }

    /// Begins draining on the first SIGTERM or SIGINT.
    pub fn on_signals(&self) -> anyhow::Result<()> {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        let this = self.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = term.recv() => log::info!("SIGTERM: draining"),
                _ = int.recv() => log::info!("SIGINT: draining"),
            }
            this.begin();
        });
        Ok(())
    }
}
