//! `X-Hub-Signature-256`: HMAC-SHA256 of the raw body, checked in constant time.
//!
//! Only the sha256 header counts; the legacy sha1 `X-Hub-Signature` is
//! ignored, so a request carrying only that one is unsigned.
//!
//! The HMAC is ring's: its SHA-256 is assembly (AVX/AVX2 where the CPU has
//! no SHA extensions, as here) and about twice as fast as the `sha2`
//! crate's portable code (BENCHMARKS.md). Hashing is most of what `web`
//! spends on a body, genuine or forged, and so most of what a flood of
//! forged bodies that fit the budget costs it. ring is already built for
//! rustls; `subtle` (already built for `hmac`) compares the tags.

use ring::hmac;
use subtle::ConstantTimeEq;

/// Why a signature was refused; never echoed to the sender.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    Missing,
    Malformed,
    Mismatch,
}

/// Checks `header` (e.g. `sha256=757107…`) against `body` signed with `secret`.
pub fn verify(secret: &[u8], header: Option<&[u8]>, body: &[u8]) -> Result<(), Refusal> {
    let mut verifier = Verifier::new(secret, header)?;
    verifier.update(body);
    verifier.finish()
}

/// A signature check fed chunk by chunk, so that a body is verified the
/// moment its last byte lands. Building one checks the header's form, so a
/// missing or malformed header is refused before any body is read.
pub struct Verifier {
    mac: hmac::Context,
    expected: [u8; 32],
}

impl Verifier {
    pub fn new(secret: &[u8], header: Option<&[u8]>) -> Result<Self, Refusal> {
        let header = header.ok_or(Refusal::Missing)?;
        let hex_sig = header.strip_prefix(b"sha256=").ok_or(Refusal::Malformed)?;
        let mut expected = [0u8; 32];
        hex::decode_to_slice(hex_sig, &mut expected).map_err(|_| Refusal::Malformed)?;
        let mac = hmac::Context::with_key(&hmac::Key::new(hmac::HMAC_SHA256, secret));
        Ok(Verifier { mac, expected })
    }

    pub fn update(&mut self, chunk: &[u8]) {
        self.mac.update(chunk);
    }

    /// Compares in constant time.
    pub fn finish(self) -> Result<(), Refusal> {
        let tag = self.mac.sign();
        if bool::from(tag.as_ref().ct_eq(&self.expected)) {
            Ok(())
        } else {
            Err(Refusal::Mismatch)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"It's a Secret to Everybody";
    const GOOD: &[u8] = b"sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    #[test]
    fn official_github_test_vector_passes() {
        assert_eq!(verify(SECRET, Some(GOOD), b"Hello, World!"), Ok(()));
    }

    #[test]
    fn forgeries_fail() {
        let body = b"Hello, World!";
        assert_eq!(verify(SECRET, None, body), Err(Refusal::Missing));
        assert_eq!(verify(b"wrong", Some(GOOD), body), Err(Refusal::Mismatch));
        assert_eq!(
            verify(SECRET, Some(GOOD), b"Hello, World?"),
            Err(Refusal::Mismatch)
        );
        assert_eq!(
            verify(SECRET, Some(&GOOD[..70]), body),
            Err(Refusal::Malformed)
        );
        assert_eq!(
            verify(SECRET, Some(b"sha1=abc"), body),
            Err(Refusal::Malformed)
        );
        assert_eq!(verify(SECRET, Some(b""), body), Err(Refusal::Malformed));
        let mut upper = GOOD.to_vec();
        upper[7] = b'z';
        assert_eq!(verify(SECRET, Some(&upper), body), Err(Refusal::Malformed));
    }

    #[test]
    fn chunked_feeding_matches_one_shot() {
        let mut v = Verifier::new(SECRET, Some(GOOD)).unwrap();
        for chunk in b"Hello, World!".chunks(3) {
            v.update(chunk);
        }
        assert_eq!(v.finish(), Ok(()));
        let mut v = Verifier::new(SECRET, Some(GOOD)).unwrap();
        v.update(b"Hello, World");
        assert_eq!(v.finish(), Err(Refusal::Mismatch));
    }
}
