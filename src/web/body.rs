//! Reading a delivery's body within the door's bounds, verifying it as it
//! arrives.
//!
//! A body is admitted only if its declared length fits the in-flight
//! budget (else 503 before a byte is read); a chunked body grows its share
//! as it arrives (503 when that overflows, 413 past GitHub's cap). Each
//! chunk is fed to the HMAC and copied into one buffer that grows with the
//! bytes received, never past the body's share, and the whole body must
//! land before the body deadline (else 408). What is returned is held,
//! with its share, only until the caller drops it. A large body is read a
//! turn at a time, so others are served meanwhile (`turn`).
//!
//! A share is a promise that the body will fit once it arrives. A body
//! that received less than [`SLOW`] since the last [`PACE_CHECK`] gives
//! back the part it does not hold and takes it again chunk by chunk (503
//! if that no longer fits). So trickling clients, whatever length they
//! declare, hold the budget only for a moment and cannot keep it from
//! deliveries that arrive at once, as GitHub's do; a large body keeps its
//! promise while it flows, even when web itself is slow to read it. What a
//! slow body does cost is its connection, for as long as the body deadline
//! allows, so from its first slow check it holds [`CONNECTION`] of the
//! budget, outside the part kept for small bodies (503 if that does not
//! fit): a crowd of trickles then leaves less room for other bodies
//! instead of adding to what `web` holds.

use super::budget::{Budget, Permit};
use super::secrets::Verifier;
use super::turn;
use super::{WebhookError, MAX_BODY};
use actix_web::web;
use futures_core::Stream;
use std::pin::Pin;
use std::time::Duration;
use tokio::time::Instant;

/// How often a body's pace is checked: a few round trips, so that a body
/// that has not started flowing holds its promise only briefly.
const PACE_CHECK: Duration = Duration::from_millis(100);

/// Less than this in a [`PACE_CHECK`] (16 KiB/s) is a trickle: a client
/// sending a delivery sends it in a round trip or two, a trickle bytes.
const SLOW: usize = 1600;

/// What an open connection costs `web` besides its body: actix's 8 KiB
/// read and write buffers, the request head and the handler, about 24 KiB
/// each (measured with 1,000 slow bodies open).
pub(super) const CONNECTION: usize = 24 * 1024;

/// A chunked body's first share of the budget; it doubles from there.
const FIRST_SHARE: usize = 64 * 1024;

/// The smallest buffer; it doubles as bytes arrive, up to the share. A
/// delivery's first chunk is usually most of it and sizes the buffer; a
/// trickle holds no more than this.
const FIRST_BUFFER: usize = 256;

/// A verified body and the share of the budget it holds.
pub struct HeldBody<'a> {
    bytes: Vec<u8>,
    /// Which of the webhook secrets signed it, from 1.
    pub secret: usize,
    _permit: Permit<'a>,
}

impl std::ops::Deref for HeldBody<'_> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

/// A body that has been admitted but not read yet.
pub struct Admitted<'a> {
    bytes: Vec<u8>,
    permit: Permit<'a>,
    /// The most its share may grow to: the declared length, or the cap.
    most: usize,
    budget: &'a Budget,
    /// Its connection's cost, held once the body was found slow.
    slow: Option<Permit<'a>>,
}

/// What checks a body as it arrives: the webhook secrets' HMAC, or
/// [`Unchecked`] for a signature that needs the whole body first.
pub trait Check {
    fn update(&mut self, chunk: &[u8]);
    /// Which secret matched (from 1), or `Err` for a bad signature.
    fn finish(self) -> Result<usize, ()>;
}

impl Check for Verifier {
    fn update(&mut self, chunk: &[u8]) {
        Verifier::update(self, chunk)
    }

    fn finish(self) -> Result<usize, ()> {
        Verifier::finish(self).map_err(|_| ())
    }
}

/// No check while reading (the caller verifies the whole body).
pub struct Unchecked;

impl Check for Unchecked {
    fn update(&mut self, _: &[u8]) {}

    fn finish(self) -> Result<usize, ()> {
        Ok(0)
    }
}

/// Takes the declared length from the budget, or refuses with 503.
/// `declared` is `None` for a chunked body.
pub fn admit(budget: &Budget, declared: Option<usize>) -> Result<Admitted<'_>, WebhookError> {
    admit_within(budget, declared, MAX_BODY)
}

/// Like [`admit`], for an endpoint whose bodies are at most `cap` (413).
pub fn admit_within(
    budget: &Budget,
    declared: Option<usize>,
    cap: usize,
) -> Result<Admitted<'_>, WebhookError> {
    let wanted = declared.unwrap_or(0);
    if wanted > cap {
        return Err(WebhookError::TooLarge);
    }
    let permit = budget.try_take(wanted).ok_or(WebhookError::Busy)?;
    Ok(Admitted {
        bytes: Vec::new(),
        permit,
        most: declared.unwrap_or(cap),
        budget,
        slow: None,
    })
}

impl<'a> Admitted<'a> {
    /// Reads the body to its end before `deadline`, then checks the signature.
    pub async fn read(
        mut self,
        payload: &mut web::Payload,
        mut verifier: impl Check,
        deadline: Instant,
    ) -> Result<HeldBody<'a>, WebhookError> {
        let mut pace = tokio::time::interval_at(Instant::now() + PACE_CHECK, PACE_CHECK);
        pace.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut at_last_check = 0;
        let mut this_turn = 0;
        let reading = async {
            loop {
                if this_turn >= turn::TURN {
                    turn::after_sockets_polled().await;
                    this_turn = 0;
                }
                // Chunks first: a body web was slow to read shows what it sent
                // before its pace is judged.
                let chunk = tokio::select! {
                    biased;
                    chunk = next_chunk(payload) => chunk,
                    _ = pace.tick() => {
                        self.keep_pace(self.bytes.len() - at_last_check)?;
                        at_last_check = self.bytes.len();
                        continue;
                    }
                };
                let Some(chunk) = chunk else { break };
                let chunk = chunk.map_err(|e| {
                    WebhookError::BadRequest(format!("request body incomplete: {e}"))
                })?;
                self.append(&chunk)?;
                verifier.update(&chunk);
                this_turn += chunk.len();
            }
            Ok::<_, WebhookError>(())
        };
        tokio::time::timeout_at(deadline, reading)
            .await
            .map_err(|_| WebhookError::TooSlow)??;
        let secret = verifier.finish().map_err(|_| WebhookError::Unauthorized)?;
        Ok(HeldBody {
            bytes: self.bytes,
            secret,
            _permit: self.permit,
        })
    }

    /// Gives back the part of the share not held yet if only `received`
    /// bytes came since the last check, and holds the connection's cost
    /// instead (503 if it does not fit).
    fn keep_pace(&mut self, received: usize) -> Result<(), WebhookError> {
        if received < SLOW {
            self.permit.shrink_to(self.bytes.capacity());
            if self.slow.is_none() {
                let cost = self.budget.try_take_outside_reserve(CONNECTION);
                self.slow = Some(cost.ok_or(WebhookError::Busy)?);
            }
        }
        Ok(())
    }

    /// Copies a chunk in. The share grows for a chunked body, or one that
    /// gave back what it did not hold; the buffer follows the bytes that
    /// arrived, within the share, so a slow body costs memory for what it
    /// sent, not for what it declared.
    fn append(&mut self, chunk: &[u8]) -> Result<(), WebhookError> {
        let needed = self.bytes.len() + chunk.len();
        if needed > MAX_BODY.min(self.most) {
            return Err(WebhookError::TooLarge);
        }
        let share = self.permit.bytes();
        if needed > share {
            let grown = needed
                .max(share * 2)
                .clamp(FIRST_SHARE.min(self.most), self.most);
            if !self.permit.grow(grown - share) {
                return Err(WebhookError::Busy);
            }
        }
        if needed > self.bytes.capacity() {
            let buffer = needed
                .max(self.bytes.capacity() * 2)
                .max(FIRST_BUFFER)
                .min(self.permit.bytes());
            self.bytes.reserve_exact(buffer - self.bytes.len());
        }
        self.bytes.extend_from_slice(chunk);
        Ok(())
    }
}

async fn next_chunk(
    payload: &mut web::Payload,
) -> Option<Result<web::Bytes, actix_web::error::PayloadError>> {
    std::future::poll_fn(|cx| Pin::new(&mut *payload).poll_next(cx)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_bodies_take_their_length_and_over_the_cap_is_413() {
        let budget = Budget::new(10 << 20);
        let a = admit(&budget, Some(6 << 20)).unwrap();
        assert_eq!(budget.taken(), 6 << 20);
        assert!(matches!(
            admit(&budget, Some(5 << 20)),
            Err(WebhookError::Busy)
        ));
        assert!(matches!(
            admit(&budget, Some(MAX_BODY + 1)),
            Err(WebhookError::TooLarge)
        ));
        drop(a);
        assert_eq!(budget.taken(), 0);
    }

    #[test]
    fn a_chunked_body_past_the_cap_is_413_even_with_budget_to_spare() {
        let budget = Budget::new(64 << 20);
        let mut body = admit(&budget, None).unwrap();
        let piece = vec![0; 1 << 20];
        for _ in 0..25 {
            body.append(&piece).unwrap();
        }
        assert!(matches!(body.append(&[0]), Err(WebhookError::TooLarge)));
    }

    #[test]
    fn the_buffer_follows_the_bytes_received_within_the_share() {
        let budget = Budget::new(1 << 20);
        let mut body = admit(&budget, Some(100_000)).unwrap();
        assert_eq!(body.bytes.capacity(), 0);
        body.append(&[1; 10]).unwrap();
        assert_eq!(body.bytes.capacity(), FIRST_BUFFER);
        body.append(&[2; 60_000]).unwrap();
        body.append(&[3; 39_990]).unwrap();
        assert_eq!(body.bytes.capacity(), 100_000);
        assert_eq!(budget.taken(), 100_000);
    }

    #[test]
    fn a_body_that_gave_back_its_share_takes_it_again_up_to_its_length() {
        let budget = Budget::new(1 << 20);
        let mut body = admit(&budget, Some(100_000)).unwrap();
        body.append(&[1; 10]).unwrap();
        body.keep_pace(10).unwrap();
        assert_eq!(
            budget.taken(),
            FIRST_BUFFER + CONNECTION,
            "10 bytes is a trickle: it holds what it has and its connection"
        );
        body.append(&[2; 60_000]).unwrap();
        assert_eq!(budget.taken(), FIRST_SHARE + CONNECTION);
        body.append(&[3; 39_990]).unwrap();
        assert_eq!(budget.taken(), 100_000 + CONNECTION);
        body.keep_pace(0).unwrap();
        assert_eq!(budget.taken(), 100_000 + CONNECTION, "counted once");
    }

    #[test]
    fn a_slow_body_whose_connection_does_not_fit_is_503() {
        let budget = Budget::new(32 * CONNECTION);
        let mut body = admit(&budget, Some(1000)).unwrap();
        let _rest = budget.try_take(31 * CONNECTION - 1000).unwrap();
        assert!(matches!(body.keep_pace(0), Err(WebhookError::Busy)));
    }

    #[test]
    fn a_body_on_pace_keeps_its_share() {
        let budget = Budget::new(1 << 20);
        let mut body = admit(&budget, Some(100_000)).unwrap();
        body.append(&[1; 20_000]).unwrap();
        body.keep_pace(20_000).unwrap();
        assert_eq!(budget.taken(), 100_000);
        body.keep_pace(0).unwrap();
        assert_eq!(budget.taken(), 20_000 + CONNECTION, "stalled");
    }

    #[test]
    fn a_chunked_body_grows_its_share_until_it_overflows() {
        let budget = Budget::new(200 * 1024);
        let mut body = admit(&budget, None).unwrap();
        body.append(&[1; 1000]).unwrap();
        assert_eq!(budget.taken(), FIRST_SHARE);
        body.append(&[2; 100 * 1024]).unwrap();
        assert_eq!(budget.taken(), 2 * FIRST_SHARE);
        assert!(matches!(
            body.append(&[3; 100 * 1024]),
            Err(WebhookError::Busy)
        ));
        assert_eq!(body.bytes.len(), 1000 + 100 * 1024);
        drop(body);
        assert_eq!(budget.taken(), 0);
    }
}
