//! `threadline_github_redeliveries_total{outcome}` on the worker's
//! `METRICS_PORT` after one scheduled catch-up run: one delivery that
//! arrived after all (GitHub gave up on a slow answer), one `web` refused
//! on purpose (401), one lost while `web` was down and redelivered.

use super::{hook_of, nowhere, pr};
use prometheus_parse::{Scrape, Value};
use std::time::Duration;
use support::fake_github::{FakeGithub, TOKEN};
use support::ports::free_port;
use support::stack::{Stack, WAIT};
use support::wait::eventually;

use super::support;

fn redeliveries(text: &str, outcome: &str) -> f64 {
    let scrape = Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).expect("Prometheus text");
    let found = scrape.samples.iter().find(|s| {
        s.metric == "threadline_github_redeliveries_total"
            && s.labels.get("outcome") == Some(outcome)
    });
    match found.map(|s| &s.value) {
        Some(Value::Counter(v) | Value::Untyped(v)) => *v,
        _ => 0.0,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_catch_up_run_counts_each_outcome_once() {
    let stack = Stack::start().await;
    let fake = FakeGithub::start();
    let hook = hook_of(&fake, &stack.app).await;
    let url = format!("{}/webhooks/github", stack.app.address);
    let mut h = pr(31, "Counted");
    h.opened().comment("ana", "refused").comment("bo", "lost");
    let [slow, refused, lost] = [&h.events[0], &h.events[1], &h.events[2]];
    assert_eq!(
        fake.deliver(hook, slow.name, &slow.delivery, &slow.body)
            .await,
        202
    );
    fake.mark_latest(hook, &slow.delivery, "timed out", 0);
    fake.set_hook_url(hook, &nowhere());
    fake.deliver(hook, refused.name, &refused.delivery, &refused.body)
        .await;
    fake.mark_latest(hook, &refused.delivery, "Invalid HTTP Response: 401", 401);
    fake.deliver(hook, lost.name, &lost.delivery, &lost.body)
        .await;
    fake.set_hook_url(hook, &url);

    let port = free_port();
    let env = [
        ("GITHUB_TOKEN", TOKEN.to_string()),
        ("GITHUB_API_URL", fake.url()),
        // One run at start; the next is a minute away.
        ("GITHUB_CATCH_UP_SECS", "60".to_string()),
        ("METRICS_PORT", port.to_string()),
    ];
    let _worker = stack.worker().slots(2).envs(&env).spawn();
    eventually(WAIT, "the lost comment redelivered and posted", || async {
        let d = &stack.discord;
        d.threads()
            .iter()
            .any(|t| d.messages(t.id).iter().any(|m| m.content.contains("lost")))
    })
    .await;
    let metrics = format!("http://127.0.0.1:{port}/metrics");
    let mut text = String::new();
    for _ in 0..50 {
        text = reqwest::get(&metrics).await.unwrap().text().await.unwrap();
        if redeliveries(&text, "arrived") + redeliveries(&text, "refused") >= 2.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(redeliveries(&text, "requested"), 1.0, "{text}");
    assert_eq!(
        redeliveries(&text, "arrived"),
        1.0,
        "the slow one arrived after all"
    );
    assert_eq!(
        redeliveries(&text, "refused"),
        1.0,
        "the 401 is not sent again"
    );
    assert_eq!(redeliveries(&text, "error"), 0.0);
    assert_eq!(
        fake.requests_to("POST", "/repos/acme/rocket/hooks/").len(),
        1
    );
}
