//! The few lines of Faktory's protocol the worker speaks itself: `HI` and
//! `HELLO`, then one command and its answer at a time (`FETCH`, `ACK`,
//! `FAIL`, `PUSH`, `BEAT`).
//!
//! The faktory crate's worker forgets a job's ACK or FAIL when the
//! connection drops under it, and its BEAT sends only the worker id; the
//! worker's slots and heartbeat need both to survive a Faktory restart, so
//! they talk to Faktory through this instead.

use super::{FaktoryAddr, SafeStream, CONNECT_TIMEOUT};
use anyhow::{bail, Context as _};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};

/// An answer unread this long means the connection is gone (FETCH itself
/// blocks at most 2 s inside Faktory).
const ANSWER_DEADLINE: Duration = Duration::from_secs(10);

/// What Faktory answers while it stops (`-ERR Shutdown in progress`).
const SHUTTING_DOWN: &str = "shutdown in progress";

/// Who this connection says it is in `HELLO`.
#[derive(Debug, Clone)]
pub struct Hello {
    pub wid: String,
    pub hostname: String,
    pub labels: Vec<String>,
}

/// One answer off the wire (RESP): `+line`, or `$len` and a body (`$-1`
/// for none).
#[derive(Debug)]
pub enum Answer {
    Line(String),
    Bulk(Option<String>),
}

/// Why a command got no answer it could use.
#[derive(Debug)]
pub enum WireError {
    /// Faktory answered `-ERR …`: it read the command and refused it.
    Refused(String),
    /// The connection failed or timed out: the command may or may not
    /// have reached Faktory.
    Lost(anyhow::Error),
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WireError::Refused(e) => write!(f, "Faktory refused it: {e}"),
            WireError::Lost(e) => write!(f, "{e:#}"),
        }
    }
}

impl std::error::Error for WireError {}

/// A worker's connection to Faktory, after `HELLO`.
pub struct Wire {
    conn: SafeStream,
}

impl Wire {
    /// Connects and says `HELLO` as `who`, within [`CONNECT_TIMEOUT`].
    pub async fn open(addr: &FaktoryAddr, who: &Hello) -> anyhow::Result<Wire> {
        tokio::time::timeout(CONNECT_TIMEOUT, Wire::hello(addr, who))
            .await
            .map_err(|_| anyhow::anyhow!("HELLO timed out"))?
            .with_context(|| format!("connecting to Faktory at {}", addr.host_port))
    }

    async fn hello(addr: &FaktoryAddr, who: &Hello) -> anyhow::Result<Wire> {
        let mut wire = Wire {
            conn: SafeStream::connect(&addr.host_port).await?,
        };
        let hi = match wire.read().await? {
            Answer::Line(line) => line,
            other => bail!("expected HI, got {other:?}"),
        };
        let hi: serde_json::Value = serde_json::from_str(hi.strip_prefix("HI ").unwrap_or(&hi))
            .with_context(|| format!("Faktory's HI: {hi}"))?;
        let mut hello = serde_json::json!({
            "hostname": who.hostname,
            "wid": who.wid,
            "pid": std::process::id(),
            "labels": who.labels,
            "v": 2,
        });
        if let Some(salt) = hi["s"].as_str() {
            let Some(password) = &addr.password else {
                bail!("Faktory wants a password and FAKTORY_URL has none");
            };
            let iterations = hi["i"].as_u64().unwrap_or(1);
            hello["pwdhash"] = password_hash(password, salt, iterations).into();
        }
        match wire.call("HELLO", Some(&hello.to_string())).await {
            Ok(Answer::Line(ok)) if ok == "OK" => Ok(wire),
            Ok(other) => bail!("HELLO answered {other:?}"),
            Err(e) => bail!("HELLO: {e}"),
        }
    }

    /// Sends `command` (with its JSON `body`, if any) and reads the answer.
    pub async fn call(&mut self, command: &str, body: Option<&str>) -> Result<Answer, WireError> {
        let line = match body {
            Some(body) => format!("{command} {body}\r\n"),
            None => format!("{command}\r\n"),
        };
        let sent = async {
            self.conn.write_all(line.as_bytes()).await?;
            self.conn.flush().await
        };
        sent.await.map_err(|e| {
            WireError::Lost(anyhow::Error::new(e).context(format!("sending {command}")))
        })?;
        match tokio::time::timeout(ANSWER_DEADLINE, self.read()).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(e)) => match e.downcast::<Refusal>() {
                // A Faktory on its way down answers every command so, then
                // closes: the command was not carried out, and is for the
                // next connection.
                Ok(Refusal(text)) if text.to_ascii_lowercase().contains(SHUTTING_DOWN) => Err(
                    WireError::Lost(anyhow::anyhow!("{command}: Faktory: {text}")),
                ),
                Ok(Refusal(text)) => Err(WireError::Refused(text)),
                Err(e) => Err(WireError::Lost(
                    e.context(format!("reading the answer to {command}")),
                )),
            },
            Err(_) => Err(WireError::Lost(anyhow::anyhow!(
                "{command} unanswered for {ANSWER_DEADLINE:?}"
            ))),
        }
    }

    /// A command whose only good answer is `+OK`.
    pub async fn call_ok(&mut self, command: &str, body: &str) -> Result<(), WireError> {
        match self.call(command, Some(body)).await? {
            Answer::Line(ok) if ok == "OK" => Ok(()),
            other => Err(WireError::Refused(format!("{command} answered {other:?}"))),
        }
    }

    async fn read(&mut self) -> anyhow::Result<Answer> {
        let mut line = String::new();
        if self.conn.read_line(&mut line).await? == 0 {
            bail!("Faktory closed the connection");
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if let Some(rest) = line.strip_prefix('+') {
            return Ok(Answer::Line(rest.to_string()));
        }
        if let Some(rest) = line.strip_prefix('-') {
            return Err(Refusal(rest.to_string()).into());
        }
        let Some(len) = line.strip_prefix('$') else {
            bail!("unexpected answer {line:?}");
        };
        let Ok(len) = usize::try_from(len.parse::<i64>()?) else {
            return Ok(Answer::Bulk(None));
        };
        let mut body = vec![0; len + 2];
        self.conn.read_exact(&mut body).await?;
        body.truncate(len);
        Ok(Answer::Bulk(Some(String::from_utf8(body)?)))
    }
}

/// An `-ERR` line, carried through `anyhow` to [`Wire::call`].
#[derive(Debug)]
struct Refusal(String);

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Faktory: {}", self.0)
    }
}

impl std::error::Error for Refusal {}

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
}
