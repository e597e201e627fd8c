//! `threadline backfill` against the fake GitHub and the fake Discord in
//! limits mode, with real Faktory and Redis: 120 open PRs (past one page),
//! most kept out by a label filter, one already threaded by its `opened`
//! webhook. Exactly the admitted ones get one thread each, the existing
//! one keeps its thread, no 429 is drawn, and a second run adds nothing.

use threadline_test_support as support;

mod app;
mod auto;

use std::process::{Command, Output};
use std::time::Duration;
use support::configured::Configured;
use support::fake_discord::Limits;
use support::fake_github::{pull_request, FakeGithub, TOKEN};
use support::history::History;
use support::wait::eventually;

const REPO: &str = "acme/rocket";
const REPO_ID: u64 = 4711;

fn title(n: u64) -> String {
    format!("Item-{n}-end")
}

fn backfill(c: &Configured, fake: &FakeGithub, args: &[&str]) -> Output {
    let app = &c.stack.app;
    Command::new(env!("CARGO_BIN_EXE_threadline"))
        .arg("backfill")
        .args(args)
        .env_remove("GITHUB_APP_ID")
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_API_URL", fake.url())
        .env("GITHUB_WEBHOOK_SECRET", &app.secret)
        .env("REDIS_URL", &app.redis_url)
        .env("FAKTORY_URL", c.stack.faktory.url())
        .env("THREADLINE_NAMESPACE", &app.namespace)
        .env("THREADLINE_CONFIG", c.path.display().to_string())
        .env("DISCORD_CHANNEL_ID", c.stack.channel.to_string())
        .output()
        .expect("the threadline binary runs")
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

#[tokio::test(flavor = "multi_thread")]
async fn open_prs_get_one_thread_each_exactly_for_the_admitted_ones() {
    let c = Configured::start(|_, _| "[filters]\nlabels_exclude = [\"wip\"]\n".to_string()).await;
    let (stack, discord) = (&c.stack, &c.stack.discord);
    discord.set_limits(Some(Limits::discord()));
    let _worker = c.worker().spawn();
    // #6 was opened after Threadline joined: it has its thread already.
    let mut six = History::new(REPO_ID, 6, &title(6));
    six.in_repo(REPO).opened();
    stack.deliver_all(&six.events).await;
    eventually(Duration::from_secs(30), "#6's thread", || async {
        discord.threads().len() == 1
    })
    .await;

    let fake = FakeGithub::start();
    let admitted: Vec<u64> = (1..=120).filter(|n| n % 6 == 0).collect();
    let pulls = (1..=120)
        .map(|n| {
            let mut pr = pull_request(REPO, REPO_ID, n, &title(n), "ana");
            if n % 6 != 0 {
                pr["labels"] = serde_json::json!([{"name": "wip"}]);
            }
            pr["comments"] = serde_json::json!(n % 3);
            pr
        })
        .collect();
    fake.add_pulls(REPO, pulls);

    let dry = backfill(&c, &fake, &[REPO, "--dry-run"]);
    assert_eq!(dry.status.code(), Some(0), "{}", text(&dry));
    assert_eq!(
        text(&dry)
            .lines()
            .filter(|l| l.ends_with("would create"))
            .count(),
        admitted.len() - 1
    );
    assert!(
        text(&dry).contains("acme/rocket#6 has a thread"),
        "{}",
        text(&dry)
    );
    assert_eq!(
        text(&dry)
            .lines()
            .filter(|l| l.contains("filtered"))
            .count(),
        100
    );

    let out = backfill(&c, &fake, &[REPO]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let lists = fake.requests_to("GET", "/repos/acme/rocket/pulls");
    assert!(lists
        .iter()
        .all(|r| r.query.contains("state=open") && r.query.contains("direction=asc")));
    eventually(
        Duration::from_secs(120),
        "a thread per admitted PR",
        || async { discord.threads().len() == admitted.len() },
    )
    .await;
    stack.quiesce_within(Duration::from_secs(120)).await;
    let threads = discord.threads();
    for n in 1..=120u64 {
        let with = threads
            .iter()
            .filter(|t| t.name.contains(&title(n)))
            .count();
        assert_eq!(with, usize::from(n % 6 == 0), "threads of #{n}");
    }
    let notes = |n: u64| {
        let t = threads
            .iter()
            .find(|t| t.name.contains(&title(n)))
            .expect("thread");
        discord
            .messages(t.id)
            .iter()
            .filter(|m| m.content.contains("before Threadline joined"))
            .count()
    };
    assert_eq!(
        notes(6),
        0,
        "the PR that had its thread keeps it, without a note"
    );
    assert_eq!(notes(12), 1);
    assert_eq!(
        discord.rate_limited().total(),
        0,
        "no 429 against Discord's limits"
    );

    let messages = discord
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    let again = backfill(&c, &fake, &[REPO]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(
        text(&again)
            .lines()
            .filter(|l| l.contains("duplicate"))
            .count()
            == admitted.len(),
        "{}",
        text(&again)
    );
    stack.quiesce_within(Duration::from_secs(60)).await;
    assert_eq!(
        discord.threads().len(),
        admitted.len(),
        "a second run creates nothing"
    );
    assert_eq!(
        discord
            .requests()
            .iter()
            .filter(|r| r.method == "POST")
            .count(),
        messages
    );
}
