//! BEAT for the worker process, on a Faktory connection of its own, and the
//! Web UI's two signals that come back in BEAT's answer.
//!
//! The faktory crate's BEAT sends only the worker id, and its run loop is
//! not ours (see `runtime`), so this module speaks the few lines of the
//! protocol it needs itself: `HI`/`HELLO` and `BEAT`.
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

use super::{Phase, Shutdown};
use crate::queue::{SafeStream, CONNECT_TIMEOUT};
use crate::settings::FaktoryAddr;
use anyhow::{bail, Context as _};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
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
        let mut conn = match tokio::time::timeout(CONNECT_TIMEOUT, self.hello()).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => return e,
            Err(_) => return anyhow::anyhow!("HELLO timed out"),
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
    async fn hello(&self) -> anyhow::Result<SafeStream> {
        let mut conn = SafeStream::connect(&self.addr.host_port).await?;
        let hi = match read_answer(&mut conn).await? {
            Answer::Line(line) => line,
            other => bail!("expected HI, got {other:?}"),
        };
        let hi: serde_json::Value = serde_json::from_str(hi.strip_prefix("HI ").unwrap_or(&hi))
            .with_context(|| format!("Faktory's HI: {hi}"))?;
        let mut hello = serde_json::json!({
            "hostname": self.hostname,
            "wid": self.wid,
            "pid": std::process::id(),
            "labels": self.labels,
            "v": 2,
        });
        if let Some(salt) = hi["s"].as_str() {
            let Some(password) = &self.addr.password else {
                bail!("Faktory wants a password and FAKTORY_URL has none");
            };
            let iterations = hi["i"].as_u64().unwrap_or(1);
            hello["pwdhash"] = password_hash(password, salt, iterations).into();
        }
        send(&mut conn, "HELLO", &hello).await?;
        match read_answer(&mut conn).await? {
            Answer::Line(ok) if ok == "OK" => Ok(conn),
            other => bail!("HELLO answered {other:?}"),
        }
    }

    /// Sends one BEAT with this process's state; returns the state Faktory
    /// orders (a Web UI click).
    async fn beat(&self, conn: &mut SafeStream) -> anyhow::Result<State> {
        let mut beat = serde_json::json!({ "wid": self.wid });
        match self.state() {
            State::Running => {}
            State::Quiet => beat["current_state"] = "quiet".into(),
            State::Terminate => beat["current_state"] = "terminate".into(),
        }
        send(conn, "BEAT", &beat).await?;
        Ok(match read_answer(conn).await? {
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

/// Faktory's `pwdhash`: SHA-256 of password and salt, hashed again
/// `iterations - 1` times, in hex.
fn password_hash(password: &str, salt: &str, iterations: u64) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new()
        .chain_update(password)
        .chain_update(salt)
        .finalize();
    for _ in 1..iterations {
        hash = Sha256::digest(hash);
    }
    hex::encode(hash)
}

/// One answer off the wire (RESP): `+line`, or `$len` and a body (`$-1`
/// for none). `-ERR` becomes an error.
#[derive(Debug)]
enum Answer {
    Line(String),
    Bulk(Option<String>),
}

async fn send(
    conn: &mut SafeStream,
    command: &str,
    body: &serde_json::Value,
) -> anyhow::Result<()> {
    conn.write_all(format!("{command} {body}\r\n").as_bytes())
        .await?;
    conn.flush().await?;
    Ok(())
}

async fn read_answer(conn: &mut SafeStream) -> anyhow::Result<Answer> {
    let mut line = String::new();
    if conn.read_line(&mut line).await? == 0 {
        bail!("Faktory closed the connection");
    }
    let line = line.trim_end_matches(['\r', '\n']);
    if let Some(rest) = line.strip_prefix('+') {
        return Ok(Answer::Line(rest.to_string()));
    }
    if let Some(rest) = line.strip_prefix('-') {
        bail!("Faktory: {rest}");
    }
    let Some(len) = line.strip_prefix('$') else {
        bail!("unexpected answer {line:?}");
    };
    let Ok(len) = usize::try_from(len.parse::<i64>()?) else {
        return Ok(Answer::Bulk(None));
    };
    let mut body = vec![0; len + 2];
    conn.read_exact(&mut body).await?;
    body.truncate(len);
    Ok(Answer::Bulk(Some(String::from_utf8(body)?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_hash_is_faktorys() {
        // hex(sha256("hunter2" + "salt")), then hashed twice more for i = 3.
        assert_eq!(
            password_hash("hunter2", "salt", 1),
            "7e0b4f79376c001055fc47c44a95487e8fe99173c6360176f77e86ad44db5bb1"
        );
        assert_eq!(
            password_hash("hunter2", "salt", 3),
            "ad2163ed76aaa66fb7a782ad38a97978e668eedf8149e7e93441a4f65ebf453d"
        );
    }

    #[test]
    fn quiet_is_set_once() {
        let quiet = Quiet::default();
        assert!(!quiet.is_set());
        assert!(quiet.set());
        assert!(!quiet.set());
        assert!(quiet.is_set());
    }
}
