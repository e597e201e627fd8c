//! A job that comes back after Discord's nonce window posts nothing twice.
//!
//! - `late_retry`: the real thing, about 90 s: a worker is SIGKILLed after
//!   Discord posted (an intro and a comment) but before it recorded, the
//!   fake forgets nonces after 20 s, and Faktory hands the jobs to another
//!   worker when their 60-s reservation expires.
//! - `lookup`: the same path without the wait, an intent written by the
//!   test: paging past 100 messages, look-alike messages that are not the
//!   effect's, the thread found again through its intro, a new
//!   generation's intro never mistaken for the deleted thread's, and a
//!   lookup refused (no Read Message History) failing loudly.
//! - `fake_history`: the fake's `GET /channels/{id}/messages` and
//!   `GET /users/@me` against Discord's rules and twilight's models.

use threadline_test_support as support;

mod fake_history;
mod late_retry;
mod lookup;

use std::time::Duration;
use support::stack::Stack;
use support::worker::WorkerProcess;

/// Discord's nonce window on the fake: short, so that a job back after
/// its reservation is well beyond it.
pub const FAKE_NONCE_WINDOW: Duration = Duration::from_secs(20);

/// A worker whose own scheduled jobs are reserved for 60 s (like `web`'s
/// in tests) and that relies on nonces for 10 s, inside the fake's 20.
pub fn worker(stack: &Stack) -> WorkerProcess {
    let env = [
        ("JOB_RESERVE_FOR_SECS", "60".to_string()),
        ("DISCORD_NONCE_WINDOW_SECS", "10".to_string()),
    ];
    stack.worker().envs(&env).spawn()
}

/// `GET /channels/{channel}/messages` requests the fake received.
pub fn reads_of(stack: &Stack, channel: u64) -> Vec<String> {
    let path = format!("/api/v10/channels/{channel}/messages");
    stack
        .discord
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path == path)
        .map(|r| r.query)
        .collect()
}

/// `POST /channels/{channel}/messages` requests the fake received.
pub fn posts_to(stack: &Stack, channel: u64) -> usize {
    let path = format!("/api/v10/channels/{channel}/messages");
    let requests = stack.discord.requests();
    requests
        .iter()
        .filter(|r| r.method == "POST" && r.path == path)
        .count()
}
