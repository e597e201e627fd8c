//! Discord's request signature: Ed25519 over `X-Signature-Timestamp`
//! followed by the raw body, checked against the application's public key
//! (`DISCORD_PUBLIC_KEY`, hex). Discord sends probes with bad signatures
//! and removes an endpoint that accepts them.

use ed25519_dalek::{Signature, VerifyingKey};

/// The application's public key from its 64 hex digits.
pub fn public_key(hex_key: &str) -> Result<VerifyingKey, String> {
    let bytes = hex::decode(hex_key.trim()).map_err(|_| "DISCORD_PUBLIC_KEY is not hex")?;
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|_| "DISCORD_PUBLIC_KEY must be 32 bytes (64 hex digits)")?;
    VerifyingKey::from_bytes(&bytes)
        .map_err(|_| "DISCORD_PUBLIC_KEY is not a valid Ed25519 key".into())
}

/// True when `signature_hex` signs `timestamp` + `body` under `key`.
pub fn verify(key: &VerifyingKey, signature_hex: &[u8], timestamp: &[u8], body: &[u8]) -> bool {
    let mut raw = [0u8; 64];
    if hex::decode_to_slice(signature_hex, &mut raw).is_err() {
        return false;
    }
    let signature = Signature::from_bytes(&raw);
    let mut message = Vec::with_capacity(timestamp.len() + body.len());
    message.extend_from_slice(timestamp);
    message.extend_from_slice(body);
    key.verify_strict(&message, &signature).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 8032, section 7.1, test 1: the empty message.
    const PUBLIC: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    const SIGNATURE: &[u8] = b"e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

    #[test]
    fn rfc_8032_test_1() {
        let key = public_key(PUBLIC).unwrap();
        assert!(verify(&key, SIGNATURE, b"", b""));
        assert!(!verify(&key, SIGNATURE, b"", b"x"));
        assert!(!verify(&key, b"zz", b"", b""));
        assert!(public_key("abcd").is_err());
    }
}
