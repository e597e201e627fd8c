//! BEAT for the worker process, on a Faktory connection of its own, and the
//! Web UI's two signals that come back in BEAT's answer.
//!
//! The faktory crate's BEAT sends only the worker id, so this module says
//! `BEAT` itself, through [`crate::queue::wire`].
//!
//! - `{"state":"quiet"}` (the Web UI's *Quiet*): [`Quiet`] is set, slots
//!   stop fetching, running jobs finish, and the process keeps running and
//!   beating until it is stopped.
//! - `{"state":"terminate"}` (the Web UI's *Stop*): a drain, as on SIGTERM.
//!
//! Faktory 1.9.4 forgets a process's state once all of its connections
//! drop (a restart, a network cut), and a quiet worker holds only this
//! one. So the worker holds "quiet" itself and reports it in every BEAT's
//! `current_state`; Faktory takes it back from there.

use crate::queue::wire::{Answer, Hello, Wire};
use crate::settings::FaktoryAddr;
use crate::worker::{Phase, Shutdown};
use anyhow::{bail, Context as _};
use std::time::Duration;
use tokio::sync::watch;

/// Faktory wants a BEAT at least every 15 s; 5 s is what the faktory crate
/// sends, and bounds how long a click in the Web UI takes to act.
const INTERVAL: Duration = Duration::from_secs(5);
/// A BEAT unanswered this long means the connection is gone.
const ANSWER_DEADLINE: Duration = Duration::from_secs(10);

/// The Web UI's *Quiet*: once set, it stays set for the process's life
/// (Faktory never moves a worker back to running).
#[derive(Clone)]
pub struct Quiet(watch::Sender<bool>);

impl Default for Quiet {
    fn default() -> Self {
        Quiet(watch::Sender::new(false))
    }
}

impl Quiet {
    /// Sets it; true only for the call that did.
    pub fn set(&self) -> bool {
        !self.0.send_replace(true)
    }

    pub fn is_set(&self) -> bool {
        *self.0.borrow()
    }
}

/// What this process is, as Faktory's HELLO and BEAT say it.
pub struct Heartbeat {
    pub addr: FaktoryAddr,
    pub wid: String,
    pub hostname: String,
    pub labels: Vec<String>,
    pub shutdown: Shutdown,
    pub quiet: Quiet,
}

/// A worker process's state, as BEAT reports it and its answer orders it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Running,
    Quiet,
    Terminate,
}

impl Heartbeat {
    /// Beats until `stop` turns true, reconnecting with backoff.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let mut backoff = Duration::from_millis(100);
        loop {
            tokio::select! {
                e = self.beat_one_connection() => {
                    log::warn!("heartbeat: lost Faktory ({e:#}); reconnecting");
                }
                _ = stop.wait_for(|done| *done) => return,
            }
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = stop.wait_for(|done| *done) => return,
            }
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
    }

    /// Beats on one connection until it fails.
    async fn beat_one_connection(&self) -> anyhow::Error {
        let mut conn = match self.hello().await {
            Ok(conn) => conn,
            Err(e) => return e,
        };
        loop {
            let beat = tokio::time::timeout(ANSWER_DEADLINE, self.beat(&mut conn)).await;
            match beat {
                Ok(Ok(state)) => self.obey(state),
                Ok(Err(e)) => return e,
                Err(_) => return anyhow::anyhow!("BEAT unanswered for {ANSWER_DEADLINE:?}"),
            }
            tokio::time::sleep(INTERVAL).await;
        }
    }

    /// Opens a connection and says HELLO as this worker process.
    async fn hello(&self) -> anyhow::Result<Wire> {
        let who = Hello {
            wid: self.wid.clone(),
            hostname: self.hostname.clone(),
            labels: self.labels.clone(),
        };
        Wire::open(&self.addr, &who).await
    }

    /// Sends one BEAT with this process's state; returns the state Faktory
    /// orders (a Web UI click).
    async fn beat(&self, conn: &mut Wire) -> anyhow::Result<State> {
        let mut beat = serde_json::json!({ "wid": self.wid });
        match self.state() {
            State::Running => {}
            State::Quiet => beat["current_state"] = "quiet".into(),
            State::Terminate => beat["current_state"] = "terminate".into(),
        }
        Ok(match conn.call("BEAT", Some(&beat.to_string())).await? {
            Answer::Line(ok) if ok == "OK" => State::Running,
            Answer::Bulk(None) => State::Running,
            Answer::Bulk(Some(body)) => {
                let answer: serde_json::Value =
                    serde_json::from_str(&body).with_context(|| format!("BEAT answered {body}"))?;
                match answer["state"].as_str() {
                    Some("quiet") => State::Quiet,
                    Some("terminate") => State::Terminate,
                    _ => bail!("BEAT answered {body}"),
                }
            }
            other => bail!("BEAT answered {other:?}"),
        })
    }

    /// What this process is doing: a drain (SIGTERM, the Web UI's Stop, a
    /// bad token) reads as "terminate".
    fn state(&self) -> State {
        if self.shutdown.phase() != Phase::Running {
            State::Terminate
        } else if self.quiet.is_set() {
            State::Quiet
        } else {
            State::Running
        }
    }

    fn obey(&self, ordered: State) {
        match ordered {
            State::Running => {}
            State::Quiet => {
                if self.quiet.set() {
                    log::warn!(
                        "Faktory asked this worker to be quiet (Web UI): it fetches no more \
                         jobs, finishes the running ones, and keeps running until stopped"
                    );
                }
            }
            State::Terminate => {
                if self.shutdown.phase() == Phase::Running {
                    log::warn!("Faktory asked this worker to stop (Web UI): draining");
                    self.shutdown.begin();
                }
            }
        }
    }
}

/// This host's name, as the faktory crate's HELLO says it, so that the
/// Web UI shows one name whichever connection registered the process.
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "local".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_is_set_once() {
        let quiet = Quiet::default();
        assert!(!quiet.is_set());
        assert!(quiet.set());
        assert!(!quiet.set());
        assert!(quiet.is_set());
    }
}
