//! Teams: routes from repositories to channels, repository-qualified
//! names, noise filters in `web` and the worker, and a config file that is
//! refused at start, against real Faktory and Redis and the fake Discord.

use threadline_test_support as support;

mod filters;
mod routing;
mod startup;

use support::configured::Configured;
use support::history::History;

/// Delivers every event of `h`, expecting `body` ("queued", "filtered"...)
/// from each; returns nothing, panics with the event on a mismatch.
async fn expect_all(c: &Configured, h: &History, body: &str) {
    for e in &h.events {
        let res = c.stack.app.deliver(e.name, &e.delivery, &e.body).await;
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        assert!(
            status.as_u16() == 202 && text == body,
            "{} {}: {status} {text:?}, expected 202 {body:?}",
            e.name,
            e.delivery
        );
    }
}

/// The texts of the messages in `channel` (a thread or a channel).
fn texts(c: &Configured, channel: u64) -> Vec<String> {
    c.stack
        .discord
        .messages(channel)
        .into_iter()
        .map(|m| m.content)
        .collect()
}
