//! What Discord's signature leaves to the receiver: Ed25519 covers
//! `X-Signature-Timestamp` and the body, so a request captured once stays
//! validly signed for ever. Two checks bound that: a timestamp more than
//! [`WINDOW`] from now (either way) is refused, and an interaction id seen
//! within [`SEEN_FOR`] (longer than the window, so a copy inside it is
//! always caught) is answered without being run again. The id is in the
//! signed body, so it is Discord's own; the mark is a `SET NX` in Redis,
//! shared by every `web` process.

use super::super::State;
use crate::web::WebhookError;
use std::time::Duration;

/// How far a signed timestamp may be from now.
pub const WINDOW: Duration = Duration::from_secs(5 * 60);
/// How long an interaction id is remembered.
pub const SEEN_FOR: Duration = Duration::from_secs(15 * 60);

/// 401 unless `timestamp` (Unix seconds, as Discord sends it) is within
/// [`WINDOW`] of `now_ms`.
pub fn fresh(timestamp: &[u8], now_ms: u64) -> Result<(), WebhookError> {
    let at_s = std::str::from_utf8(timestamp)
        .ok()
        .and_then(|t| t.trim().parse::<u64>().ok())
        .ok_or(WebhookError::Unauthorized)?;
    let now_s = now_ms / 1000;
    match at_s.abs_diff(now_s) <= WINDOW.as_secs() {
        true => Ok(()),
        false => Err(WebhookError::Unauthorized),
    }
}

/// What became of the mark of an interaction id.
pub enum Sight {
    First,
    Again,
}

/// Marks interaction `id` (a snowflake: digits only, else 400) seen.
pub async fn sight(state: &State, id: Option<&str>) -> Result<anyhow::Result<Sight>, WebhookError> {
    let id = id
        .filter(|id| !id.is_empty() && id.len() <= 20 && id.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| WebhookError::BadRequest("interaction without a valid id".into()))?;
    let first = state
        .intaker
        .first_sight(&format!("interaction:{id}"), SEEN_FOR)
        .await;
    Ok(first.map(|first| if first { Sight::First } else { Sight::Again }))
}

#[cfg(test)]
mod tests {
    use super::fresh;

    #[test]
    fn five_minutes_either_way() {
        let now_ms = 1_800_000_000_000;
        let at = |s: u64| s.to_string().into_bytes();
        assert!(fresh(&at(1_800_000_000), now_ms).is_ok());
        assert!(fresh(&at(1_800_000_000 - 300), now_ms).is_ok());
        assert!(fresh(&at(1_800_000_000 + 300), now_ms).is_ok());
        assert!(fresh(&at(1_800_000_000 - 301), now_ms).is_err());
        assert!(fresh(&at(1_800_000_000 + 301), now_ms).is_err());
        assert!(fresh(b"", now_ms).is_err());
        assert!(fresh(b"-5", now_ms).is_err());
        assert!(fresh(b"soon", now_ms).is_err());
    }
}
