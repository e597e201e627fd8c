//! `X-Hub-Signature-256`: HMAC-SHA256 of the raw body, checked in constant time.
//!
//! Only the sha256 header counts; the legacy sha1 `X-Hub-Signature` is
//! ignored, so a request carrying only that one is unsigned.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Why a signature was refused; never echoed to the sender.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    Missing,
    Malformed,
    Mismatch,
}

/// Checks `header` (e.g. `sha256=757107…`) against `body` signed with `secret`.
pub fn verify(secret: &[u8], header: Option<&[u8]>, body: &[u8]) -> Result<(), Refusal> {
    let header = header.ok_or(Refusal::Missing)?;
    let hex_sig = header.strip_prefix(b"sha256=").ok_or(Refusal::Malformed)?;
    if hex_sig.len() != 64 {
        return Err(Refusal::Malformed);
    }
    let sig = hex::decode(hex_sig).map_err(|_| Refusal::Malformed)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| Refusal::Mismatch)?;
    mac.update(body);
    mac.verify_slice(&sig).map_err(|_| Refusal::Mismatch)
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
}
