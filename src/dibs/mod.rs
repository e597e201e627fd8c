//! Dibs: taking turns on shared resources (staging servers, test devices)
//! as a fair queue with automatic release.
//!
//! A resource's holder, queue and version are one JSON value in Redis,
//! changed only by one Lua script ([`ledger`]), so concurrent commands from
//! any number of `web` processes end in one definite order. Timed releases
//! are `dibs.release` jobs pushed with Faktory `at`; each carries the
//! version it was scheduled for and does nothing once the resource moved
//! on. [`render`] words what people read; [`after_change`] turns a change into
//! the jobs it causes, which the same script run writes to an [`outbox`]
//! until they are queued, so that a Faktory outage loses none of them.

pub mod after_change;
pub mod ledger;
pub mod outbox;
pub mod render;

use serde::{Deserialize, Deserializer, Serialize};
use std::time::Duration;

// The resource list is config (`[dibs]`); Dibs itself reads it from there.
pub use crate::config::dibs::{normalise, DibsSettings, MAX_FOR};
pub use ledger::{Force, Releaser, Store};

/// The default of an API `take`.
pub const API_DEFAULT_FOR: Duration = Duration::from_secs(3_600);

/// Someone holding or waiting for a resource.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// A Discord user id, or `api:<holder>` for the CI/CD API.
    pub id: String,
    /// A display name.
    #[serde(default)]
    pub name: String,
    /// Where their command was run (a Discord channel id; empty for the
    /// API): notifications for them go there. A string, because Lua's
    /// numbers would round a snowflake.
    #[serde(default)]
    pub channel: String,
    /// How long they asked to hold it; 0 until released by hand.
    #[serde(default)]
    pub for_ms: u64,
    #[serde(default)]
    pub note: String,
    /// `owner/repo#12` when the command was run in that PR's thread.
    #[serde(default)]
    pub pr: String,
    /// Set when they became the holder (epoch ms).
    #[serde(default)]
    pub since_ms: u64,
    /// When the timed release is due (epoch ms); 0 for none.
    #[serde(default)]
    pub until_ms: u64,
    /// The name of the API token that took it (`DIBS_API_TOKENS`): only
    /// that token releases it without `force`. Empty for people and for
    /// the unnamed `DIBS_API_TOKEN`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub token: String,
}

impl Entry {
    pub fn is_api(&self) -> bool {
        self.id.starts_with("api:")
    }

    /// The Discord user to ping, if this is one.
    pub fn user_id(&self) -> Option<u64> {
        self.id.parse().ok()
    }

    pub fn channel_id(&self) -> Option<u64> {
        self.channel.parse().ok().filter(|c| *c > 0)
    }
}

/// One resource as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    pub name: String,
    #[serde(default)]
    pub holder: Option<Entry>,
    /// Lua's JSON encoder writes an empty list as `{}`.
    #[serde(default, deserialize_with = "list")]
    pub queue: Vec<Entry>,
    #[serde(default)]
    pub version: u64,
}

/// What a change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Was free; now held.
    Took,
    /// The holder asked again with a duration: a new timed release.
    Extended,
    /// The holder asked again without one: nothing changes.
    Already,
    /// Held by someone else: joined the queue.
    Queued,
    AlreadyQueued,
    /// Held by someone else, and the API does not queue.
    Held,
    /// The holder went; `promoted` holds it now, if anyone.
    Released,
    /// Left the queue.
    Left,
    NotHolding,
    /// A timed release for a version that is gone.
    Stale,
    /// A new name, and the most resources without a fixed list exist.
    Full,
    /// A force its releaser may not use (an API token not marked `:force`
    /// on a person's hold).
    NotAllowed,
    /// Forgotten: nobody held it, and it is gone.
    Forgot,
    /// Forget of a name never used.
    Unknown,
}

/// The answer of the script.
#[derive(Debug, Clone, Deserialize)]
pub struct Change {
    pub outcome: Outcome,
    /// The version this change made (of a replayed release, the one it
    /// made the first time): what follow-up jobs are keyed by.
    #[serde(default)]
    pub version: u64,
    #[serde(default)]
    pub position: Option<usize>,
    #[serde(default)]
    pub old: Option<Entry>,
    #[serde(default)]
    pub promoted: Option<Entry>,
    /// Who released someone else's hold (a holder id), if it was forced.
    #[serde(default)]
    pub forced_by: Option<String>,
    /// The outbox entry this change wrote: removed once its jobs are queued.
    #[serde(default)]
    pub outbox: Option<String>,
    pub state: Resource,
}

fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Entry>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum ListOrEmpty {
        List(Vec<Entry>),
        Empty(serde_json::Map<String, serde_json::Value>),
    }
    match ListOrEmpty::deserialize(d)? {
        ListOrEmpty::List(v) => Ok(v),
        ListOrEmpty::Empty(m) if m.is_empty() => Ok(Vec::new()),
        ListOrEmpty::Empty(_) => Err(serde::de::Error::custom("a queue must be a list")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_queue_from_lua_reads_as_empty() {
        let r: Resource = serde_json::from_str(r#"{"name":"s","queue":{},"version":2}"#).unwrap();
        assert!(r.queue.is_empty() && r.holder.is_none());
    }
}
