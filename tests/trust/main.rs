//! Trusting only what is signed. GitHub's HMAC covers the body, not the
//! headers beside it; Discord's Ed25519 covers the timestamp and the body,
//! for ever. `ids`: `X-GitHub-Delivery` and `X-GitHub-Hook-ID` are taken
//! only in GitHub's shape; `bodies`: a signed body is one delivery however
//! many GUIDs it is sent under; `replays`: only the CLI's own field makes a
//! comment's copy; `events`: a body under another event's name is refused
//! where the two could be confused; `interactions`: a Discord request is
//! run once, and only while its timestamp is fresh.

use threadline_test_support as support;

mod bodies;
mod events;
mod ids;
mod interactions;
mod replays;

use support::app::TestApp;
use support::fixtures::sign;

/// POSTs `body` signed under the app's secret, with exactly these ids (no
/// label-to-GUID mapping: the point is to send what an attacker would).
pub async fn post_raw(
    app: &TestApp,
    event: &str,
    delivery: &str,
    hook_id: Option<&str>,
    body: &[u8],
) -> (u16, String) {
    let mut req = app
        .http
        .post(format!("{}/webhooks/github", app.address))
        .header("X-GitHub-Event", event)
        .header("X-GitHub-Delivery", delivery)
        .header("X-Hub-Signature-256", sign(&app.secret, body))
        .header("Content-Type", "application/json");
    if let Some(hook) = hook_id {
        req = req.header("X-GitHub-Hook-ID", hook);
    }
    let res = req.body(body.to_vec()).send().await.expect("web answers");
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}
