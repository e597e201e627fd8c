//! GitHub's rate limits, shared by every process through Redis.
//!
//! Per identity (the token, the App, or one installation; never the secret
//! itself) Redis holds the time before which nothing may be sent: set when
//! an answer says `X-RateLimit-Remaining: 0` (until `X-RateLimit-Reset`) or
//! a secondary limit was hit (until `retry-after`, else 60 s). Writes are
//! paced one per second per identity, GitHub's own advice, by handing out
//! send times from one Redis counter, so two processes never post within
//! a second of each other.

use redis::aio::ConnectionManager;
use std::time::Duration;

/// How far apart writes (POST, PATCH, PUT, DELETE) of one identity are
/// sent: at most 60 a minute, within GitHub's secondary limit of 80
/// content-creating requests a minute.
pub const WRITE_GAP: Duration = Duration::from_secs(1);
/// How long a secondary limit without `retry-after` is waited out.
pub const SECONDARY_DEFAULT: Duration = Duration::from_secs(60);

/// The shared rate state of one Redis namespace.
#[derive(Clone)]
pub struct Rate {
    redis: ConnectionManager,
    prefix: String,
}

// The next send time of a write: the later of now and the last one plus
// the gap. One script, so two processes never get the same slot.
const NEXT_WRITE: &str = r"
local now = tonumber(ARGV[1])
local gap = tonumber(ARGV[2])
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local at = math.max(now, last + gap)
redis.call('SET', KEYS[1], at, 'PX', (at - now) + gap + 60000)
return at
";

// Raises the blocked-until time, never lowers it.
const BLOCK: &str = r"
local upto = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local old = tonumber(redis.call('GET', KEYS[1]) or '0')
if upto > old then
  redis.call('SET', KEYS[1], upto, 'PX', (upto - now) + 1000)
end
return 1
";

impl Rate {
    pub fn new(redis: ConnectionManager, prefix: &str) -> Rate {
        Rate {
            redis,
            prefix: prefix.to_string(),
        }
    }

    fn key(&self, what: &str, identity: &str) -> String {
        format!("{}github:{what}:{identity}", self.prefix)
    }

    /// The time (epoch ms) before which `identity` may send nothing, if
    /// later than `now_ms`.
    pub async fn blocked_until(&self, identity: &str, now_ms: u64) -> anyhow::Result<Option<u64>> {
        let mut redis = self.redis.clone();
        let until: Option<u64> = redis::cmd("GET")
            .arg(self.key("blocked", identity))
            .query_async(&mut redis)
            .await?;
        Ok(until.filter(|u| *u > now_ms))
    }

    /// Nothing more for `identity` until `until_ms`.
    pub async fn block(&self, identity: &str, until_ms: u64, now_ms: u64) -> anyhow::Result<()> {
        let mut redis = self.redis.clone();
        redis::Script::new(BLOCK)
            .key(self.key("blocked", identity))
            .arg(until_ms)
            .arg(now_ms)
            .invoke_async::<i64>(&mut redis)
            .await?;
        Ok(())
    }

    /// When (epoch ms) this write of `identity` may be sent.
    pub async fn write_slot(&self, identity: &str, now_ms: u64) -> anyhow::Result<u64> {
        let mut redis = self.redis.clone();
        let at: u64 = redis::Script::new(NEXT_WRITE)
            .key(self.key("write", identity))
            .arg(now_ms)
            .arg(WRITE_GAP.as_millis() as u64)
            .invoke_async(&mut redis)
            .await?;
        Ok(at)
    }
}

/// What an answer's headers and status say about the limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// `X-RateLimit-Remaining`.
    pub remaining: Option<u64>,
    /// `X-RateLimit-Reset`, epoch seconds.
    pub reset_secs: Option<u64>,
    /// `retry-after`, seconds.
    pub retry_after_secs: Option<u64>,
}

impl Limits {
    pub fn read(headers: &reqwest::header::HeaderMap) -> Limits {
        let number = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        Limits {
            remaining: number("x-ratelimit-remaining"),
            reset_secs: number("x-ratelimit-reset"),
            retry_after_secs: number("retry-after"),
        }
    }

    /// Until when (epoch ms) the primary limit blocks, when exhausted.
    pub fn exhausted_until(&self) -> Option<u64> {
        match (self.remaining, self.reset_secs) {
            (Some(0), Some(reset)) => Some(reset * 1000),
            _ => None,
        }
    }

    /// Until when (epoch ms) a refused answer (`status`, `message`) says to
    /// wait, if it is a rate limit at all: `retry-after`, else the reset of
    /// an exhausted primary limit, else 60 s for a secondary one.
    pub fn limited_until(&self, status: u16, message: &str, now_ms: u64) -> Option<u64> {
        if status != 403 && status != 429 {
            return None;
        }
        if let Some(secs) = self.retry_after_secs {
            return Some(now_ms + secs * 1000);
        }
        if let Some(until) = self.exhausted_until() {
            return Some(until.max(now_ms));
        }
        let says_so = message.to_ascii_lowercase().contains("rate limit");
        (status == 429 || says_so).then(|| now_ms + SECONDARY_DEFAULT.as_millis() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(remaining: Option<u64>, reset: Option<u64>, retry: Option<u64>) -> Limits {
        Limits {
            remaining,
            reset_secs: reset,
            retry_after_secs: retry,
        }
    }

    #[test]
    fn which_answers_are_limits_and_for_how_long() {
        let now = 1_000_000;
        assert_eq!(
            limits(Some(3), None, Some(7)).limited_until(403, "", now),
            Some(now + 7000)
        );
        assert_eq!(
            limits(Some(0), Some(2000), None).limited_until(403, "", now),
            Some(2_000_000)
        );
        let secondary = "You have exceeded a secondary rate limit";
        assert_eq!(
            limits(Some(9), None, None).limited_until(403, secondary, now),
            Some(now + 60_000)
        );
        assert_eq!(
            limits(None, None, None).limited_until(429, "", now),
            Some(now + 60_000)
        );
        // A plain 403 (no permission) is no limit: waiting does not help.
        assert_eq!(
            limits(Some(9), None, None).limited_until(403, "Resource not accessible", now),
            None
        );
        assert_eq!(
            limits(None, None, Some(5)).limited_until(500, "", now),
            None
        );
    }
}
