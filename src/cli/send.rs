//! `threadline send FILE --event E [--url URL] [--delivery ID]`: signs a
//! payload file as GitHub would (HMAC-SHA256 with the first secret of
//! `GITHUB_WEBHOOK_SECRET`) and posts it to a running `web`, like
//! `probot receive`. Prints web's answer; fails unless it is a 2xx.

use super::{Args, Failure, Outcome};
use crate::settings::CliSettings;
use anyhow::Context as _;
use std::hash::{BuildHasher, Hasher};

pub async fn run(argv: &[String]) -> Outcome {
    let args = Args::parse(argv, &["event", "url", "delivery"], &[])?;
    let [file] = args.positional.as_slice() else {
        return Err(Failure::Usage("send needs exactly one FILE".into()));
    };
    let event = args
        .value("event")
        .ok_or_else(|| Failure::Usage("send needs --event (e.g. pull_request)".into()))?;
    let settings = CliSettings::from_env()?;
    let secret = settings
        .webhook_secret
        .context("GITHUB_WEBHOOK_SECRET is not set: there is nothing to sign with")?;
    let body = std::fs::read(file).with_context(|| format!("reading {file}"))?;
    let default_url = format!("http://127.0.0.1:{}/webhooks/github", settings.port);
    let url = args.value("url").unwrap_or(&default_url);
    let delivery = args
        .value("delivery")
        .map_or_else(new_delivery_id, String::from);
    // web takes GitHub's shape only; say so here rather than as its 400.
    if !crate::delivery_log::is_guid(&delivery) {
        return Err(Failure::Usage(format!(
            "--delivery {delivery:?} is not a GUID (e.g. 72d3162e-cc78-11e3-81ab-4c9367dc0958)"
        )));
    }
    let answer = reqwest::Client::new()
        .post(url)
        .header("Content-Type", "application/json")
        .header("User-Agent", "GitHub-Hookshot/threadline-send")
        .header("X-GitHub-Event", event)
        .header("X-GitHub-Delivery", &delivery)
        .header("X-GitHub-Hook-ID", "0")
        .header("X-Hub-Signature-256", signature(secret.expose(), &body))
        .body(body)
        .send()
        .await
        .with_context(|| format!("posting to {url}"))?;
    let status = answer.status();
    let text = answer.text().await.unwrap_or_default();
    println!("delivery {delivery}: {status} {text}");
    if status.is_success() {
        Ok(())
    } else {
        Err(Failure::Problem(anyhow::anyhow!("web answered {status}")))
    }
}

/// `sha256=<hex>`, as GitHub's `X-Hub-Signature-256`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    format!("sha256={}", hex::encode(ring::hmac::sign(&key, body)))
}

/// A GUID-shaped id, as GitHub's deliveries have, random per call.
fn new_delivery_id() -> String {
    let half = || {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        h.finish()
    };
    let hex = format!("{:016x}{:016x}", half(), half());
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn github_test_vector() {
        let sig = super::signature("It's a Secret to Everybody", b"Hello, World!");
        assert_eq!(
            sig,
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
        assert_ne!(super::new_delivery_id(), super::new_delivery_id());
        assert!(crate::delivery_log::is_guid(&super::new_delivery_id()));
    }
}
