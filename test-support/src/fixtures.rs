//! GitHub's side of a delivery: the recorded payloads under
//! `fixtures/github/`, and the `X-Hub-Signature-256` a secret gives a body.

use hmac::{Hmac, Mac};

/// The `X-Hub-Signature-256` header GitHub sends for `body` signed with `secret`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The body of `fixtures/github/<path>` (e.g. `pull_request/opened.json`).
pub fn fixture(path: &str) -> Vec<u8> {
    let full = format!("{}/../fixtures/github/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&full).unwrap_or_else(|e| panic!("fixture {full}: {e}"))
}
