//! Intents: when an effect was first attempted, recorded in Redis before
//! the attempt.
//!
//! A guard ([`crate::worker::once::guard`]) is written after Discord answered, so a
//! worker that dies in between leaves none, and Discord's nonce covers that
//! gap for a few minutes only. The intent is written *before* the first
//! attempt (`SET NX`, so that the first attempt's time stays) and tells a
//! later attempt that an earlier one may have posted, and since when to
//! look for its message. The time is Redis `TIME`: one clock for every
//! worker host. Intents live as long as guards.
//!
//! "Before the attempt" means once the Discord budget has granted the
//! request its permit, right before it leaves ([`crate::discord::BeforeSend`]):
//! a job the budget pushes back has attempted nothing, and must not come
//! back past the nonce window believing it may have posted (and read
//! the channel's history for a message it never sent). An attempt first
//! [`Intent::read`]s what earlier ones left, then declares its own.

use crate::redis_conn::EFFECT_TTL;
use crate::worker::{Guards, JobError};
use std::time::Duration;

// Returns the first attempt's time, Redis's time now (both epoch ms), and
// 1 if this call wrote the intent.
const DECLARE: &str = r#"
local t = redis.call('TIME')
local now = string.format('%.0f', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
local fresh = redis.call('SET', KEYS[1], now, 'NX', 'EX', ARGV[1])
local first = redis.call('GET', KEYS[1])
return {first, now, fresh and 1 or 0}
"#;

// The same answer as DECLARE, without writing: the time of the first
// attempt (now if none), now, and 1 if no attempt was recorded.
const READ: &str = r#"
local t = redis.call('TIME')
local now = string.format('%.0f', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
local first = redis.call('GET', KEYS[1])
if not first then return {now, now, 1} end
return {first, now, 0}
"#;

/// What Redis knew of an effect's attempts when this one began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Intent {
    /// When the first attempt began, epoch ms (Redis's clock).
    pub first_ms: u64,
    /// Now, epoch ms (Redis's clock).
    pub now_ms: u64,
    /// True when no attempt was recorded before this one.
    pub fresh: bool,
}

impl Intent {
    /// Records that `key` is about to be attempted, unless an earlier
    /// attempt already did.
    pub async fn declare(guards: &Guards, key: &str) -> Result<Intent, JobError> {
        Intent::run(guards, key, DECLARE, "recording an intent").await
    }

    /// What earlier attempts of `key` recorded, writing nothing: `fresh`
    /// when none did.
    pub async fn read(guards: &Guards, key: &str) -> Result<Intent, JobError> {
        Intent::run(guards, key, READ, "reading an intent").await
    }

    /// The Redis key of `key`'s intent.
    pub fn key_of(guards: &Guards, key: &str) -> String {
        guards.key(&format!("{key}:intent"))
    }

    async fn run(guards: &Guards, key: &str, lua: &str, doing: &str) -> Result<Intent, JobError> {
        let mut redis = guards.redis();
        let (first, now, fresh): (String, String, i64) = redis::Script::new(lua)
            .key(Intent::key_of(guards, key))
            .arg(EFFECT_TTL.as_secs())
            .invoke_async(&mut redis)
            .await
            .map_err(|e| JobError::redis(doing, e))?;
        let ms = |raw: &str| {
            raw.parse::<u64>()
                .map_err(|_| JobError::Transient(anyhow::anyhow!("intent of {key} holds {raw:?}")))
        };
        Ok(Intent {
            first_ms: ms(&first)?,
            now_ms: ms(&now)?,
            fresh: fresh == 1,
        })
    }

    /// How long ago the first attempt began.
    pub fn age(&self) -> Duration {
        Duration::from_millis(self.now_ms.saturating_sub(self.first_ms))
    }

    /// True when an earlier attempt may have posted longer ago than
    /// Discord is relied on to remember its nonce: its message must be
    /// looked for before posting again.
    pub fn needs_lookup(&self, nonce_window: Duration) -> bool {
        !self.fresh && self.age() >= nonce_window
    }

    /// Declares `key`'s intent once the budget grants the request its
    /// permit; a Redis failure stops the request unsent.
    pub fn on_permit(guards: &Guards, key: &str) -> crate::discord::BeforeSend<'static> {
        let (guards, key) = (guards.clone(), key.to_string());
        Box::pin(async move {
            match Intent::declare(&guards, &key).await {
                Ok(_) => Ok(()),
                Err(e) => Err(crate::discord::DiscordError::Budget(format!(
                    "recording the intent of {key}: {e}"
                ))),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intent(age_ms: u64, fresh: bool) -> Intent {
        Intent {
            first_ms: 1_000_000,
            now_ms: 1_000_000 + age_ms,
            fresh,
        }
    }

    #[test]
    fn only_an_earlier_attempt_older_than_the_window_is_looked_for() {
        let window = Duration::from_secs(60);
        assert!(!intent(0, true).needs_lookup(window));
        assert!(!intent(59_999, false).needs_lookup(window));
        assert!(intent(60_000, false).needs_lookup(window));
        assert!(intent(0, false).needs_lookup(Duration::ZERO));
        assert!(!intent(0, true).needs_lookup(Duration::ZERO));
    }
}
