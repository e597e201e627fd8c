//! GitHub's side of a delivery: the recorded payloads under
//! `fixtures/github/`, the `X-Hub-Signature-256` a secret gives a body,
//! and the GUID a test's delivery label stands for.

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

/// The `X-GitHub-Delivery` a test's label stands for: a GUID as GitHub
/// sends (and `web` accepts only), derived from the label so the same
/// label is always the same delivery; a GUID is returned as it is
/// (lowercased). Tests keep readable labels (`log-1`) and look deliveries
/// up by `guid("log-1")`.
pub fn guid(label: &str) -> String {
    if threadline::delivery_log::is_guid(label) {
        return label.to_ascii_lowercase();
    }
    use sha2::Digest as _;
    let hex = hex::encode(sha2::Sha256::digest(label.as_bytes()));
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// `body` (a JSON object) with a top-level field naming `tag`: another
/// delivery's bytes. `web` knows a signed body by its hash, so the same
/// bytes under a new GUID are a duplicate; tests that mean two deliveries
/// send two bodies.
pub fn distinct(body: &[u8], tag: &str) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_slice(body).expect("a JSON body");
    v["threadline_test_delivery"] = serde_json::Value::from(tag);
    serde_json::to_vec(&v).expect("JSON")
}
