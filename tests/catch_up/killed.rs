//! A worker killed in the middle of a catch-up run (SIGKILL: no drain,
//! no FAIL): its link stays the chain's current one, Faktory gives the
//! job back when its reservation runs out, and the next run, on another
//! worker, completes it: every lost event in its thread exactly once, and
//! no delivery asked for twice.

use super::{hook_of, nowhere, pr};
use std::time::Duration;
use support::fake_github::{FakeGithub, TOKEN};
use support::stack::{Stack, WAIT};
use support::wait::eventually;

use super::support;

const COMMENTS: [&str; 6] = ["k-one", "k-two", "k-three", "k-four", "k-five", "k-six"];

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_killed_mid_run_the_next_run_completes_it() {
    let stack = Stack::start().await;
    let fake = FakeGithub::start();
    let hook = hook_of(&fake, &stack.app).await;
    let url = format!("{}/webhooks/github", stack.app.address);
    let mut h = pr(41, "Killed");
    h.opened();
    for c in COMMENTS {
        h.comment("ana", c);
    }
    assert_eq!(
        fake.deliver(
            hook,
            h.events[0].name,
            &h.events[0].delivery,
            &h.events[0].body
        )
        .await,
        202
    );
    fake.set_hook_url(hook, &nowhere());
    for e in &h.events[1..] {
        assert_eq!(fake.deliver(hook, e.name, &e.delivery, &e.body).await, 0);
    }
    fake.set_hook_url(hook, &url);
    let env = [
        ("GITHUB_TOKEN", TOKEN.to_string()),
        ("GITHUB_API_URL", fake.url()),
        ("GITHUB_CATCH_UP_SECS", "600".to_string()),
        // Faktory's shortest: the killed link comes back within ~75 s.
        ("JOB_RESERVE_FOR_SECS", "60".to_string()),
    ];
    let asked = || fake.requests_to("POST", "/repos/acme/rocket/hooks/").len();
    let first = stack.worker().slots(2).envs(&env).spawn();
    // Writes go one a second: kill it after two of the six requests.
    eventually(WAIT, "the run under way", || async { asked() >= 2 }).await;
    first.signal("KILL");
    let at_kill = asked();
    assert!(at_kill < COMMENTS.len(), "killed mid-run ({at_kill} asked)");
    drop(first);

    let _next = stack.worker().slots(2).envs(&env).spawn();
    let discord = &stack.discord;
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
    // The reaper hands the killed link back as a retry; skip its backoff.
    eventually(
        Duration::from_secs(150),
        "every lost comment posted",
        || async {
            stack.faktory.requeue_retries().await;
            COMMENTS.iter().all(|c| count(c) >= 1)
        },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    for c in COMMENTS {
        assert_eq!(count(c), 1, "{c} posted once");
    }
    assert_eq!(asked(), COMMENTS.len(), "each lost delivery asked for once");
    assert_eq!(discord.threads().len(), 1);
}
