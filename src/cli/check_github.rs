//! `threadline check`'s GitHub lines: which mode is configured, and one
//! call that proves the credentials work (`GET /rate_limit` for a token,
//! which costs no quota; `GET /app` with the JWT for an App).

use super::check::Report;
use crate::github::{As, GitHub};
use crate::settings::{Common, GithubSettings};
use redis::aio::ConnectionManager;

pub(super) async fn check(redis: Option<ConnectionManager>, common: &Common, report: &mut Report) {
    let settings = match GithubSettings::from_env() {
        Ok(s) => s,
        Err(e) => return report.fail(&format!("GitHub settings: {e:#}")),
    };
    if settings.auth.is_none() {
        return report.warn(&format!(
            "GitHub API: {}; catch-up and backfill are off",
            settings.mode()
        ));
    }
    let Some(redis) = redis else {
        return report.fail("GitHub API: not checked, Redis is unreachable");
    };
    let github = match GitHub::from_settings(&settings, redis, &common.key_prefix()) {
        Ok(Some(g)) => g,
        Ok(None) => return,
        Err(e) => return report.fail(&format!("GitHub API: {e:#}")),
    };
    if github.is_app() {
        match github.get_json::<serde_json::Value>("/app", As::App).await {
            Ok(app) => report.ok(&format!(
                "GitHub API: {} works (GET /app: {})",
                settings.mode(),
                app.get("slug").and_then(|s| s.as_str()).unwrap_or("?")
            )),
            Err(e) => report.fail(&format!("GitHub API: {}: GET /app: {e}", settings.mode())),
        }
    } else {
        match github
            .get_json::<serde_json::Value>("/rate_limit", As::Token)
            .await
        {
            Ok(limits) => report.ok(&format!(
                "GitHub API: {} works (GET /rate_limit: {} of {} left)",
                settings.mode(),
                limits["rate"]["remaining"],
                limits["rate"]["limit"]
            )),
            Err(e) => report.fail(&format!(
                "GitHub API: {}: GET /rate_limit: {e}",
                settings.mode()
            )),
        }
    }
    if let Some(every) = settings.catch_up_every {
        report.ok(&format!("GitHub catch-up every {} s", every.as_secs()));
    } else {
        report.warn("GitHub catch-up is off (GITHUB_CATCH_UP_SECS=0)");
    }
}
