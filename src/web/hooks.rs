//! Learning hooks for catch-up: every verified delivery, `ping` included,
//! names its hook in `X-GitHub-Hook-ID` and `X-GitHub-Hook-Installation-
//! Target-Type`/`-ID`, and its payload the repository, organisation or
//! installation. Kept in Redis off the response path.

use super::State;
use crate::github::hooks::KnownHook;
use actix_web::http::header::HeaderMap;

pub(super) async fn learn(state: &State, headers: &HeaderMap, payload: &[u8]) {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let hook = KnownHook::from_delivery(
        header("x-github-hook-id"),
        header("x-github-hook-installation-target-type"),
        header("x-github-hook-installation-target-id"),
        payload,
    );
    if let Some(hook) = hook {
        state.intaker.remember_hook(hook).await;
    }
}
