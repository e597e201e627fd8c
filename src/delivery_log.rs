//! The delivery log: every *verified* GitHub delivery `web` received, in
//! Redis, for `DELIVERY_LOG_DAYS` and within `DELIVERY_LOG_MAX_MB`, so that
//! an operator can see what arrived, what happened to it, and replay it
//! (`threadline deliveries`, `delivery`, `replay`).
//!
//! Keys, under the namespace's prefix: `log:index` (delivery id → last
//! received, ms), `log:{id}` (the entry as JSON: headers, attempts, size)
//! and `log:{id}:body` (the raw body). `log:bytes` sums the entries'
//! sizes. A redelivery of the same id is another attempt of its entry.
//! Writing, aging and trimming (oldest first) are one Lua script, so the
//! log never outgrows its cap however many `web` processes write to it.
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
// known one), then drops entries older than the age limit and, oldest
// first, whatever is over the size cap.
const WRITE: &str = r#"
local prefix, id, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local index, bytes = prefix .. 'log:index', prefix .. 'log:bytes'
local key = prefix .. 'log:' .. id
local stored = redis.call('GET', key)
if stored then
  local entry = cjson.decode(stored)
  table.insert(entry.attempts, cjson.decode(ARGV[5]))
  local json = cjson.encode(entry)
  redis.call('INCRBY', bytes, #json - #stored)
  redis.call('SET', key, json)
else
  local entry = cjson.decode(ARGV[4])
  entry.attempts = { cjson.decode(ARGV[5]) }
  local json = cjson.encode(entry)
  redis.call('SET', key, json)
  redis.call('SET', key .. ':body', ARGV[6])
  redis.call('INCRBY', bytes, #json + #ARGV[6])
end
redis.call('ZADD', index, now, id)
local max_bytes, oldest_kept = tonumber(ARGV[7]), now - tonumber(ARGV[8])
while true do
  local first = redis.call('ZRANGE', index, 0, 0, 'WITHSCORES')
  if #first == 0 then break end
  local total = tonumber(redis.call('GET', bytes) or '0')
  if tonumber(first[2]) >= oldest_kept and total <= max_bytes then break end
  local old = prefix .. 'log:' .. first[1]
  local json = redis.call('GET', old) or ''
  local body = redis.call('STRLEN', old .. ':body')
  redis.call('DEL', old, old .. ':body')
  redis.call('ZREM', index, first[1])
  redis.call('DECRBY', bytes, #json + body)
end
return 1
"#;

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
            .arg(&self.prefix)
            .arg(&entry.id)
            .arg(attempt.at_ms)
            .arg(serde_json::to_string(&head)?)
            .arg(serde_json::to_string(attempt)?)
            .arg(body)
            .arg(keep.max_bytes)
            .arg(keep.max_age_ms)
            .invoke_async::<i64>(&mut redis)
            .await
            .context("writing the delivery log")?;
        Ok(())
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
