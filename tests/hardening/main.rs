//! What GitHub users control cannot hurt the team channel, and what
//! Discord refuses or postpones does not hurt exactly-once, end to end
//! (a real `web`, Faktory, Redis and worker against the fake Discord):
//!
//! - `pushback`: a job the budget pushes back has recorded no intent, so
//!   that it comes back without reading the channel's history.
//! - `refusal`: a thread AutoMod refuses is made under a neutral name, or
//!   the PR goes to the parent channel, and no job goes to the dead set.
//! - `embeds`: every message carries `SUPPRESS_EMBEDS` unless the config
//!   says `embeds = true`.
//! - `defusing`: branch names and file paths render no mention.

use threadline_test_support as support;

mod defusing;
mod embeds;
mod pushback;
mod refusal;

use support::history::History;
use support::stack::Stack;

/// Delivers the history's new events in order, then waits for every job.
pub async fn deliver(stack: &Stack, h: &mut History) {
    stack.deliver_all(&h.events).await;
    h.events.clear();
    stack.quiesce().await;
}

pub async fn assert_no_dead(stack: &Stack) {
    let dead = stack.faktory.set_jobs("dead").await;
    assert!(dead.is_empty(), "dead jobs: {dead:#?}");
}

/// `GET /channels/{channel}/messages` requests: history searches.
pub fn reads_of(stack: &Stack, channel: u64) -> usize {
    let path = format!("/api/v10/channels/{channel}/messages");
    let requests = stack.discord.requests();
    requests
        .iter()
        .filter(|r| r.method == "GET" && r.path == path)
        .count()
}
