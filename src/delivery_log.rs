//! The delivery log: every *verified* GitHub delivery `web` received, in
//! Redis, for `DELIVERY_LOG_DAYS` and within `DELIVERY_LOG_MAX_MB`, so that
//! an operator can see what arrived, what happened to it, and replay it
//! (`threadline deliveries`, `delivery`, `replay`).
//!
//! Keys, under the namespace's prefix: `log:index` (delivery id → last
//! received, ms), `log:{id}` (the entry as JSON: headers, attempts, size)
//! and `log:{id}:body` (the raw body). `log:bytes` sums the entries'
//! sizes (`log:sizes`: each entry's, so that dropping one counts it out
//! exactly even after its keys expired; `log:{id}:replays`, the CLI's
//! replay counter, goes with its entry). A redelivery of the same id is
//! another attempt of its entry. Writing is one Lua script and trimming
//! (oldest first) drops one entry per script, each declaring every key it
//! touches, so the log outgrows its cap by at most the entries being
//! written at that moment, however many `web` processes write to it.
//!
//! An id is a key's middle, so only a GUID (what `web` accepts as
//! `X-GitHub-Delivery`) is written or read: an id such as `index`,
//! `x:body` or `x:replays` would land on the log's own keys or on another
//! entry's. [`is_guid`] is the one test of that shape.

use anyhow::Context as _;
use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};

/// One time a delivery arrived and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    pub at_ms: u64,
    /// `queued`, `duplicate`, `ignored`, `bad_request` or `unavailable`.
    pub outcome: String,
    #[serde(default)]
    pub reason: String,
    /// The Faktory job id, when one was queued.
    pub jid: Option<String>,
}

/// A delivery as the log keeps it (its body is stored apart).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// `X-GitHub-Delivery`.
    pub id: String,
    pub event: String,
    pub hook_id: Option<String>,
    pub content_type: Option<String>,
    /// `owner/name`, when the payload names a repository.
    pub repo: Option<String>,
    pub action: Option<String>,
    #[serde(default)]
    pub attempts: Vec<Attempt>,
}

/// How much the log keeps.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    pub max_bytes: u64,
    pub max_age_ms: u64,
}

/// True for a GUID as GitHub writes `X-GitHub-Delivery`: 36 characters,
/// hex digits in groups of 8-4-4-4-12 (either case). It has no `:`, and
/// is never `index` or `bytes`, so `log:{id}` and `log:{id}:body` are its own.
pub fn is_guid(id: &str) -> bool {
    let bytes = id.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

#[derive(Clone)]
pub struct DeliveryLog {
    redis: ConnectionManager,
    prefix: String,
}

// Adds an attempt (a new entry with its body, or one more attempt of a
// known one). Every key is declared in KEYS (index, bytes, sizes, entry,
// body), so the script is correct on proxies and clusters that route by
// key; the entry and its body live as long as the age limit from their
// last attempt, so a log that stops being written still empties itself.
const WRITE: &str = r#"
local index, bytes, sizes, key, body = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local id, now, ttl = ARGV[1], tonumber(ARGV[2]), ARGV[6]
local stored = redis.call('GET', key)
local json
if stored then
  local entry = cjson.decode(stored)
  table.insert(entry.attempts, cjson.decode(ARGV[4]))
  json = cjson.encode(entry)
  redis.call('SET', key, json, 'PX', ttl)
  redis.call('PEXPIRE', body, ttl)
else
  local entry = cjson.decode(ARGV[3])
  entry.attempts = { cjson.decode(ARGV[4]) }
  json = cjson.encode(entry)
  redis.call('SET', key, json, 'PX', ttl)
  redis.call('SET', body, ARGV[5], 'PX', ttl)
end
local size = #json + redis.call('STRLEN', body)
local before = tonumber(redis.call('HGET', sizes, id) or '0')
redis.call('HSET', sizes, id, size)
redis.call('INCRBY', bytes, size - before)
redis.call('ZADD', index, now, id)
return 1
"#;

// The oldest entry to drop (older than the age limit, or the log over its
// cap), or false when none is.
const OLDEST: &str = r#"
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #first == 0 then return false end
local total = tonumber(redis.call('GET', KEYS[2]) or '0')
if tonumber(first[2]) >= tonumber(ARGV[1]) and total <= tonumber(ARGV[2]) then return false end
return first[1]
"#;

// Drops entry ARGV[1] (KEYS: index, bytes, sizes, entry, body, replays)
// unless another writer did first: its size comes from `sizes`, so an
// entry whose keys already expired is still counted out exactly.
const DROP: &str = r#"
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
local size = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '-1')
if size < 0 then
  -- Written before `sizes` existed: measured as it is.
  size = #(redis.call('GET', KEYS[4]) or '') + redis.call('STRLEN', KEYS[5])
end
redis.call('DEL', KEYS[4], KEYS[5], KEYS[6])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('DECRBY', KEYS[2], size)
return 1
"#;

/// At most this many entries are dropped per write: the log shrinks back
/// under its cap over a few writes after a cap is lowered, and one write
/// never holds Redis for long.
const DROPS_PER_WRITE: usize = 64;

impl DeliveryLog {
    pub fn new(redis: ConnectionManager, key_prefix: &str) -> Self {
        DeliveryLog {
            redis,
            prefix: key_prefix.to_string(),
        }
    }

    /// Records one attempt of `entry` (whose `attempts` are ignored).
    pub async fn write(
        &self,
        entry: &Entry,
        attempt: &Attempt,
        body: &[u8],
        keep: Retention,
    ) -> anyhow::Result<()> {
        anyhow::ensure!(
            is_guid(&entry.id),
            "delivery id {:?} is not a GUID: the log keeps GUIDs only",
            entry.id
        );
        let mut redis = self.redis.clone();
        let head = Entry {
            attempts: Vec::new(),
            ..entry.clone()
        };
        redis::Script::new(WRITE)
            .key(self.key("log:index"))
            .key(self.key("log:bytes"))
            .key(self.key("log:sizes"))
            .key(self.key(&format!("log:{}", entry.id)))
            .key(self.key(&format!("log:{}:body", entry.id)))
            .arg(&entry.id)
            .arg(attempt.at_ms)
            .arg(serde_json::to_string(&head)?)
            .arg(serde_json::to_string(attempt)?)
            .arg(body)
            .arg(keep.max_age_ms.max(1))
            .invoke_async::<i64>(&mut redis)
            .await
            .context("writing the delivery log")?;
        self.trim(attempt.at_ms, keep).await
    }

    /// Drops entries older than the age limit and, oldest first, whatever
    /// is over the size cap (at most [`DROPS_PER_WRITE`] per call).
    async fn trim(&self, now_ms: u64, keep: Retention) -> anyhow::Result<()> {
        let mut redis = self.redis.clone();
        for _ in 0..DROPS_PER_WRITE {
            let oldest: Option<String> = redis::Script::new(OLDEST)
                .key(self.key("log:index"))
                .key(self.key("log:bytes"))
                .arg(now_ms.saturating_sub(keep.max_age_ms))
                .arg(keep.max_bytes)
                .invoke_async(&mut redis)
                .await
                .context("trimming the delivery log")?;
            let Some(id) = oldest else { break };
            redis::Script::new(DROP)
                .key(self.key("log:index"))
                .key(self.key("log:bytes"))
                .key(self.key("log:sizes"))
                .key(self.key(&format!("log:{id}")))
                .key(self.key(&format!("log:{id}:body")))
                .key(self.key(&format!("log:{id}:replays")))
                .arg(&id)
                .invoke_async::<i64>(&mut redis)
                .await
                .context("trimming the delivery log")?;
        }
        Ok(())
    }

    fn key(&self, bare: &str) -> String {
        format!("{}{bare}", self.prefix)
    }

    /// Entries received at or after `since_ms`, newest first.
    pub async fn recent(&self, since_ms: u64) -> anyhow::Result<Vec<Entry>> {
        let mut redis = self.redis.clone();
        let ids: Vec<String> = redis::cmd("ZRANGE")
            .arg(format!("{}log:index", self.prefix))
            .arg("+inf")
            .arg(since_ms)
            .arg("BYSCORE")
            .arg("REV")
            .query_async(&mut redis)
            .await
            .context("reading the delivery log")?;
        let mut entries = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(entry) = self.entry(&id).await? {
                entries.push(entry);
            }
        }
        Ok(entries)
    }

    /// The entry of `id`; `None` for an id that is not a GUID, whose key
    /// could be another's.
    pub async fn entry(&self, id: &str) -> anyhow::Result<Option<Entry>> {
        if !is_guid(id) {
            return Ok(None);
        }
        let mut redis = self.redis.clone();
        let json: Option<String> = redis::cmd("GET")
            .arg(format!("{}log:{id}", self.prefix))
            .query_async(&mut redis)
            .await
            .context("reading a delivery")?;
        json.map(|j| serde_json::from_str(&j).context("a delivery log entry"))
            .transpose()
    }

    pub async fn body(&self, id: &str) -> anyhow::Result<Option<Vec<u8>>> {
        if !is_guid(id) {
            return Ok(None);
        }
        let mut redis = self.redis.clone();
        redis::cmd("GET")
            .arg(format!("{}log:{id}:body", self.prefix))
            .query_async(&mut redis)
            .await
            .context("reading a delivery's body")
    }
}

#[cfg(test)]
mod tests {
    use super::is_guid;

    #[test]
    fn only_guids_name_entries() {
        assert!(is_guid("72d3162e-cc78-11e3-81ab-4c9367dc0958"));
        assert!(is_guid("72D3162E-CC78-11E3-81AB-4C9367DC0958"));
        for bad in [
            "",
            "index",
            "bytes",
            "x:replay:7",
            "72d3162e-cc78-11e3-81ab-4c9367dc0958:body",
            "72d3162e-cc78-11e3-81ab-4c9367dc0958:replays",
            "72d3162e-cc78-11e3-81ab-4c9367dc095",
            "72d3162e+cc78-11e3-81ab-4c9367dc0958",
            "72d3162e-cc78-11e3-81ab-4c9367dc095g",
            "72d3162ecc78-11e3-81ab-4c9367dc09589",
        ] {
            assert!(!is_guid(bad), "{bad}");
        }
    }
}
