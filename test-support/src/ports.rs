//! Ports for servers a test starts, and knowing that *our* server is ready.
//!
//! "The port accepts connections" is not "the server we started is ready".
//! A port picked with `bind(0)` comes from the kernel's ephemeral range and
//! is free only until released: the kernel hands it out again to the next
//! `bind(0)` (another test's `web`, fake Discord or proxy) or to a client
//! socket, and a server started on it a moment later then fails to bind and
//! exits, while the port still answers, for someone else. A test's `web`
//! then pushed to a server that never says HI, and got 503. So ports come
//! from below the ephemeral range, where no `bind(0)` and no client socket
//! ever lands, and a server is ready when its own log says it listens on
//! that port while the process is still running.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::path::Path;
use std::process::Child;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The first port of the kernel's ephemeral range (32768 by default).
fn ephemeral_low() -> u16 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .filter(|&low: &u16| low > 20_000)
        .unwrap_or(32_768)
}

/// A port nobody is bound to now, from 20000 up to the ephemeral range.
/// Another test process may still pick the same one (rarely); a server
/// started on it then exits, which [`wait_ready`] reports.
pub fn free_port() -> u16 {
    static DRAWS: AtomicU64 = AtomicU64::new(0);
    let random = RandomState::new();
    let span = u64::from(ephemeral_low() - 20_000);
    loop {
        let draw = random.hash_one(DRAWS.fetch_add(1, Ordering::Relaxed));
        let port = 20_000 + (draw % span) as u16;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// Waits until `log` contains `ready` while `child` keeps running. `Err`
/// carries the log when the child exited first (e.g. its port was taken)
/// or did not get ready within `within`; it is then killed.
pub fn wait_ready(
    child: &mut Child,
    log: &Path,
    ready: &str,
    within: Duration,
) -> Result<(), String> {
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Err(format!("exited ({status}) before it was ready:\n{text}"));
        }
        if text.contains(ready) {
            return Ok(());
        }
        if start.elapsed() > within {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("not ready after {within:?}:\n{text}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
