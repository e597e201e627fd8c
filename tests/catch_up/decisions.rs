//! `threadline redeliver`'s decisions: GitHub's rule for failed, then
//! Threadline's skips (arrived after all, refused on purpose), pagination
//! past 100 deliveries, and a secondary limit in the middle of a run.

use super::{hook_of, nowhere, pr, text, threadline};
use std::time::Duration;
use support::app::spawn_app;
use support::fake_github::FakeGithub;
use support::wait::eventually;

use super::support;

#[tokio::test(flavor = "multi_thread")]
async fn only_what_failed_and_did_not_arrive_is_redelivered() {
    let (app, fake) = (spawn_app().await, FakeGithub::start());
    let hook = hook_of(&fake, &app).await;
    let web = fake.attempts(hook)[0].clone();
    let mut h = pr(1, "Slow");
    h.opened()
        .comment("ana", "first")
        .comment("bo", "second")
        .comment("cy", "third");
    let [slow, unauthorized, healed, lost] =
        [&h.events[0], &h.events[1], &h.events[2], &h.events[3]];
    // Arrived and queued, but GitHub gave up at 10 s and marks it failed.
    assert_eq!(
        fake.deliver(hook, slow.name, &slow.delivery, &slow.body)
            .await,
        202
    );
    fake.mark_latest(hook, &slow.delivery, "timed out", 0);
    let url = format!("{}/webhooks/github", app.address);
    fake.set_hook_url(hook, &nowhere());
    fake.deliver(
        hook,
        unauthorized.name,
        &unauthorized.delivery,
        &unauthorized.body,
    )
    .await;
    fake.mark_latest(
        hook,
        &unauthorized.delivery,
        "Invalid HTTP Response: 401",
        401,
    );
    fake.deliver(hook, healed.name, &healed.delivery, &healed.body)
        .await;
    fake.deliver(hook, lost.name, &lost.delivery, &lost.body)
        .await;
    fake.set_hook_url(hook, &url);
    // A later attempt of this one succeeded (redelivered by hand).
    assert_eq!(
        fake.deliver(hook, healed.name, &healed.delivery, &healed.body)
            .await,
        202
    );
    assert_eq!(web.status, "OK");

    let dry = threadline(&app, &fake, &["redeliver", "--dry-run", "--json"]);
    assert_eq!(dry.status.code(), Some(0), "{}", text(&dry));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&dry.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect();
    let decision = |guid: &str| {
        lines
            .iter()
            .find(|l| l["guid"] == guid)
            .map(|l| l["decision"].as_str().unwrap_or("").to_string())
    };
    assert_eq!(decision(&slow.delivery).as_deref(), Some("already arrived"));
    assert_eq!(
        decision(&unauthorized.delivery).as_deref(),
        Some("refused on purpose (401)")
    );
    assert_eq!(
        decision(&healed.delivery),
        None,
        "a later attempt succeeded"
    );
    assert_eq!(decision(&lost.delivery).as_deref(), Some("would redeliver"));
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        fake.requests_to("POST", "/repos").is_empty(),
        "a dry run asks for nothing"
    );

    let run = threadline(&app, &fake, &["redeliver"]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    assert!(text(&run).contains("-> redeliver"), "{}", text(&run));
    let posts = fake.requests_to(
        "POST",
        &format!("/repos/acme/rocket/hooks/{hook}/deliveries/"),
    );
    assert_eq!(posts.len(), 1, "exactly the lost one is asked for");
    eventually(
        Duration::from_secs(10),
        "the redelivery arrives",
        || async {
            fake.attempts(hook)
                .iter()
                .any(|a| a.guid == lost.delivery && a.redelivery && a.status == "OK")
        },
    )
    .await;
    // Nothing failed is left to ask for.
    let again = threadline(&app, &fake, &["redeliver", "--json"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(!text(&again).contains("\"redeliver\""), "{}", text(&again));
    assert_eq!(fake.requests_to("POST", "/repos").len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn more_than_a_hundred_failed_deliveries_are_all_found_through_the_cursor() {
    let (app, fake) = (spawn_app().await, FakeGithub::start());
    let hook = hook_of(&fake, &app).await;
    fake.set_hook_url(hook, &nowhere());
    let mut h = pr(2, "Busy");
    h.opened();
    for i in 0..149 {
        h.comment("ana", &format!("comment {i}"));
    }
    for e in &h.events {
        fake.deliver(hook, e.name, &e.delivery, &e.body).await;
    }
    let out = threadline(&app, &fake, &["redeliver", "--dry-run", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let n = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("would redeliver"))
        .count();
    assert_eq!(n, 150);
    let lists = fake.requests_to(
        "GET",
        &format!("/repos/acme/rocket/hooks/{hook}/deliveries"),
    );
    assert_eq!(lists.len(), 2, "two pages of at most 100");
    assert!(lists[1].query.contains("cursor="), "{:?}", lists[1].query);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_secondary_limit_mid_run_is_waited_out_and_the_run_completes() {
    let (app, fake) = (spawn_app().await, FakeGithub::start());
    let hook = hook_of(&fake, &app).await;
    let url = format!("{}/webhooks/github", app.address);
    fake.set_hook_url(hook, &nowhere());
    let mut h = pr(3, "Limited");
    h.opened().comment("ana", "one").comment("bo", "two");
    for e in &h.events {
        fake.deliver(hook, e.name, &e.delivery, &e.body).await;
    }
    fake.set_hook_url(hook, &url);
    // The listing passes; the first redelivery request meets the limit.
    fake.secondary_limit_after(1, 1, Some(2));
    let out = threadline(&app, &fake, &["redeliver"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(fake.early(), 0, "a request was sent before retry-after");
    let limited: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.status == 403)
        .collect();
    assert_eq!(limited.len(), 1);
    let after: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.at > limited[0].at)
        .collect();
    assert!(after
        .iter()
        .all(|r| r.at - limited[0].at >= Duration::from_secs(2)));
    let asked = fake
        .requests_to("POST", "/repos")
        .into_iter()
        .filter(|r| r.status == 202)
        .count();
    assert_eq!(asked, 3, "every failed delivery asked for once");
}
