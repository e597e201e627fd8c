//! The scheduled catch-up, end to end with real workers: `web` down for a
//! burst, then every event in its thread exactly once (a doubled
//! redelivery included); and one chain for any number of workers.

use super::{hook_of, nowhere, pr};
use std::time::Duration;
use support::fake_github::{FakeGithub, TOKEN};
use support::stack::{Stack, WAIT};
use support::wait::eventually;

use super::support;

fn github_env(fake: &FakeGithub, every_secs: u64) -> Vec<(&'static str, String)> {
    vec![
        ("GITHUB_TOKEN", TOKEN.to_string()),
        ("GITHUB_API_URL", fake.url()),
        ("GITHUB_CATCH_UP_SECS", every_secs.to_string()),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn web_down_for_a_burst_then_every_event_is_in_its_thread_once() {
    let stack = Stack::start().await;
    let fake = FakeGithub::start();
    let hook = hook_of(&fake, &stack.app).await;
    let url = format!("{}/webhooks/github", stack.app.address);
    fake.set_hook_url(hook, &nowhere());
    let (mut one, mut two) = (pr(11, "Alpha"), pr(12, "Beta"));
    one.opened()
        .comment("ana", "alpha one")
        .comment("bo", "alpha two");
    two.opened().comment("cy", "beta one");
    // Delivered (and lost) newest first: the redeliveries come in that
    // order too, comments before their PR's `opened`.
    let burst: Vec<_> = one.events.iter().chain(&two.events).rev().collect();
    for e in &burst {
        assert_eq!(
            fake.deliver(hook, e.name, &e.delivery, &e.body).await,
            0,
            "web is down"
        );
    }
    fake.set_hook_url(hook, &url);
    let mut worker = stack.worker().envs(&github_env(&fake, 2)).spawn();
    let discord = &stack.discord;
    eventually(WAIT, "both threads with every comment", || async {
        let threads = discord.threads();
        threads.len() == 2
            && ["alpha one", "alpha two", "beta one"].iter().all(|c| {
                threads
                    .iter()
                    .any(|t| discord.messages(t.id).iter().any(|m| m.content.contains(c)))
            })
    })
    .await;
    // The chain always has a next link scheduled: hand over to a worker
    // without GitHub credentials, whose link stands down, so that the
    // stack can fall idle.
    worker.signal("TERM");
    worker.wait_exit(WAIT);
    let _worker = stack.worker().spawn();
    stack.quiesce().await;
    let count = |text: &str| {
        discord
            .threads()
            .iter()
            .map(|t| {
                discord
                    .messages(t.id)
                    .iter()
                    .filter(|m| m.content.contains(text))
                    .count()
            })
            .sum::<usize>()
    };
    for c in ["alpha one", "alpha two", "beta one"] {
        assert_eq!(count(c), 1, "{c} posted once");
    }
    // A doubled redelivery (by hand, or a second run) is a duplicate.
    let attempt = fake
        .attempts(hook)
        .into_iter()
        .rfind(|a| a.status == "OK" && a.redelivery)
        .expect("a redelivery");
    let path = format!(
        "{}/repos/acme/rocket/hooks/{hook}/deliveries/{}/attempts",
        fake.url(),
        attempt.id
    );
    let res = reqwest::Client::new()
        .post(path)
        .header("Authorization", format!("Bearer {TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 202);
    eventually(
        Duration::from_secs(10),
        "the doubled redelivery arrives",
        || async {
            fake.attempts(hook)
                .iter()
                .filter(|a| a.guid == attempt.guid && a.status == "OK")
                .count()
                >= 2
        },
    )
    .await;
    stack.quiesce().await;
    for c in ["alpha one", "alpha two", "beta one"] {
        assert_eq!(count(c), 1, "{c} posted once after a doubled redelivery");
    }
    assert_eq!(discord.threads().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn any_number_of_workers_run_one_chain() {
    let stack = Stack::start().await;
    let fake = FakeGithub::start();
    let hook = hook_of(&fake, &stack.app).await;
    let lists = || {
        fake.requests_to(
            "GET",
            &format!("/repos/acme/rocket/hooks/{hook}/deliveries"),
        )
        .len()
    };
    let env = github_env(&fake, 60);
    let a = stack.worker().slots(2).envs(&env).spawn();
    let _b = stack.worker().slots(2).envs(&env).spawn();
    eventually(WAIT, "the first run", || async { lists() >= 1 }).await;
    let scheduled = || async {
        stack
            .faktory
            .set_jobs("scheduled")
            .await
            .into_iter()
            .filter(|j| j["jobtype"] == "github.catch_up")
            .count()
    };
    eventually(WAIT, "the next link scheduled", || async {
        scheduled().await == 1
    })
    .await;
    // A worker restart neither stops nor doubles the chain.
    drop(a);
    let _c = stack.worker().slots(2).envs(&env).spawn();
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(lists(), 1, "one run, not one per worker");
    assert_eq!(scheduled().await, 1, "one chain");
}
