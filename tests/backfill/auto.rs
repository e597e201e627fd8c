//! Automatic backfill (`github.backfill`): the `ping` GitHub sends when a
//! hook is created, an App's `installation` `created` and
//! `installation_repositories` `added` give the open PRs of the hook's
//! (or install's) repositories their threads, through real Faktory and
//! Redis, the fake GitHub and the fake Discord. `THREADLINE_BACKFILL=0`
//! turns it off, and a second ping makes nothing more.

use super::support;
use std::time::Duration;
use support::configured::Configured;
use support::fake_discord::FakeDiscord;
use support::fake_github::{pull_request, FakeGithub, TOKEN};
use support::stack::WAIT;
use support::wait::eventually;
use support::worker::WorkerProcess;

/// A stack whose `web` backfills automatically (`auto`) and reads `toml`.
pub async fn stack(auto: bool, toml: &str) -> Configured {
    Configured::start_env(|env| env.auto_backfill = auto, |_, _| toml.to_string()).await
}

/// A worker with the token of the fake GitHub, catch-up off.
pub fn worker(c: &Configured, fake: &FakeGithub, more: &[(&str, String)]) -> WorkerProcess {
    let mut env = vec![
        ("GITHUB_TOKEN", TOKEN.to_string()),
        ("GITHUB_API_URL", fake.url()),
        ("GITHUB_CATCH_UP_SECS", "0".to_string()),
    ];
    env.extend(more.iter().cloned());
    c.worker().envs(&env).spawn()
}

/// `count` open PRs of `repo`, titled `{tag}-{n}`.
pub fn pulls(fake: &FakeGithub, repo: &str, repo_id: u64, tag: &str, count: u64) {
    let prs = (1..=count)
        .map(|n| pull_request(repo, repo_id, n, &format!("{tag}-{n}"), "ana"))
        .collect();
    fake.add_pulls(repo, prs);
}

/// Threads whose name carries `tag-`.
fn threads_of(discord: &FakeDiscord, tag: &str) -> usize {
    let tag = format!("{tag}-");
    discord
        .threads()
        .iter()
        .filter(|t| t.name.contains(&tag))
        .count()
}

pub fn ping(repo: Option<(&str, u64)>, org: Option<&str>, hook: u64) -> Vec<u8> {
    let mut ping = serde_json::json!({
        "zen": "Design for failure.",
        "hook_id": hook,
        "hook": {"id": hook, "type": if org.is_some() { "Organization" } else { "Repository" },
                 "events": ["*"], "active": true},
        "sender": {"login": "ana", "type": "User"},
    });
    if let Some((full_name, id)) = repo {
        let (owner, name) = full_name.split_once('/').unwrap_or_default();
        ping["repository"] = serde_json::json!({"id": id, "full_name": full_name,
            "name": name, "owner": {"login": owner}});
    }
    if let Some(login) = org {
        ping["organization"] = serde_json::json!({"login": login, "id": 900});
    }
    ping.to_string().into_bytes()
}

fn url(c: &Configured) -> String {
    format!("{}/webhooks/github", c.stack.app.address)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_repository_hooks_ping_threads_its_open_prs_and_a_second_ping_nothing_more() {
    let c = stack(true, "").await;
    let fake = FakeGithub::start();
    pulls(&fake, "acme/rocket", 4711, "Rocket", 3);
    pulls(&fake, "acme/other", 4712, "Other", 2);
    let _worker = worker(&c, &fake, &[]);
    let hook = fake.add_hook(
        "repository",
        "acme/rocket",
        4711,
        &url(&c),
        &c.stack.app.secret,
    );
    let body = ping(Some(("acme/rocket", 4711)), None, hook);
    assert_eq!(fake.deliver(hook, "ping", "ping-1", &body).await, 200);
    let discord = &c.stack.discord;
    eventually(WAIT, "a thread per open PR of acme/rocket", || async {
        threads_of(discord, "Rocket") == 3
    })
    .await;
    c.stack.quiesce_within(Duration::from_secs(60)).await;
    assert_eq!(
        threads_of(discord, "Other"),
        0,
        "only the hook's repository"
    );
    let posts = discord
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    let lists = || fake.requests_to("GET", "/repos/acme/rocket/pulls").len();
    let listed_once = lists();
    assert!(listed_once >= 1);

    // A second ping (Edit → Update webhook sends one) and the first's
    // redelivery: nothing more.
    // A new ping is new bytes (GitHub's `zen` and the hook's `updated_at`).
    let second = support::fixtures::distinct(&body, "ping-2");
    assert_eq!(fake.deliver(hook, "ping", "ping-2", &second).await, 200);
    assert_eq!(fake.deliver(hook, "ping", "ping-1", &body).await, 200);
    c.stack.quiesce_within(Duration::from_secs(60)).await;
    assert_eq!(
        lists(),
        2 * listed_once,
        "the second ping lists again; the first's redelivery is a duplicate"
    );
    assert_eq!(
        threads_of(discord, "Rocket"),
        3,
        "a second ping creates nothing"
    );
    assert_eq!(
        discord
            .requests()
            .iter()
            .filter(|r| r.method == "POST")
            .count(),
        posts,
        "and posts nothing"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_organisation_hooks_ping_threads_the_admitted_repositories_only() {
    let toml = "[[routes]]\nrepo = \"acme/muted\"\nmute = true\n";
    let c = stack(true, toml).await;
    let fake = FakeGithub::start();
    pulls(&fake, "acme/rocket", 4711, "Rocket", 2);
    pulls(&fake, "acme/tools", 4713, "Tools", 2);
    pulls(&fake, "acme/muted", 4714, "Muted", 2);
    pulls(&fake, "elsewhere/x", 4715, "Elsewhere", 1);
    let _worker = worker(&c, &fake, &[]);
    let hook = fake.add_hook("organization", "acme", 900, &url(&c), &c.stack.app.secret);
    let body = ping(None, Some("acme"), hook);
    assert_eq!(fake.deliver(hook, "ping", "org-ping", &body).await, 200);
    let discord = &c.stack.discord;
    eventually(WAIT, "threads of the routed repositories", || async {
        threads_of(discord, "Rocket") == 2 && threads_of(discord, "Tools") == 2
    })
    .await;
    c.stack.quiesce_within(Duration::from_secs(60)).await;
    assert_eq!(
        threads_of(discord, "Muted"),
        0,
        "a muted repository is not admitted"
    );
    assert_eq!(
        threads_of(discord, "Elsewhere"),
        0,
        "another organisation's"
    );
    assert!(
        fake.requests_to("GET", "/repos/acme/muted/pulls")
            .is_empty(),
        "a muted repository's PRs are not even listed"
    );
    assert_eq!(fake.requests_to("GET", "/orgs/acme/repos").len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_app_installed_or_given_repositories_threads_their_open_prs() {
    let c = stack(true, "").await;
    let fake = FakeGithub::start();
    pulls(&fake, "acme/rocket", 4711, "Rocket", 2);
    pulls(&fake, "acme/tools", 4713, "Tools", 1);
    pulls(&fake, "acme/late", 4716, "Late", 2);
    let _worker = worker(&c, &fake, &[]);
    let app_id = fake.app_id();
    let hook = fake.add_hook("integration", "", app_id, &url(&c), &c.stack.app.secret);
    let repo = |name: &str, id: u64| serde_json::json!({"id": id, "name": name.split('/').nth(1), "full_name": name, "private": false});
    let installation =
        serde_json::json!({"id": 31, "account": {"login": "acme"}, "app_id": app_id});
    let created = serde_json::json!({
        "action": "created", "installation": installation,
        "repositories": [repo("acme/rocket", 4711), repo("acme/tools", 4713)],
        "sender": {"login": "ana", "type": "User"},
    });
    let code = fake
        .deliver(
            hook,
            "installation",
            "install-1",
            created.to_string().as_bytes(),
        )
        .await;
    assert_eq!(code, 202);
    let discord = &c.stack.discord;
    eventually(WAIT, "threads of the installed repositories", || async {
        threads_of(discord, "Rocket") == 2 && threads_of(discord, "Tools") == 1
    })
    .await;
    assert_eq!(threads_of(discord, "Late"), 0);
    let added = serde_json::json!({
        "action": "added", "installation": installation, "repository_selection": "selected",
        "repositories_added": [repo("acme/late", 4716)], "repositories_removed": [],
        "sender": {"login": "ana", "type": "User"},
    });
    let code = fake
        .deliver(
            hook,
            "installation_repositories",
            "install-2",
            added.to_string().as_bytes(),
        )
        .await;
    assert_eq!(code, 202);
    eventually(WAIT, "threads of the added repository", || async {
        threads_of(discord, "Late") == 2
    })
    .await;
    c.stack.quiesce_within(Duration::from_secs(60)).await;
    assert_eq!(
        discord.threads().len(),
        5,
        "one thread per open PR, no more"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn threadline_backfill_0_turns_the_automatic_part_off() {
    let c = stack(false, "").await;
    let fake = FakeGithub::start();
    pulls(&fake, "acme/rocket", 4711, "Rocket", 2);
    let _worker = worker(&c, &fake, &[("THREADLINE_BACKFILL", "0".to_string())]);
    let hook = fake.add_hook(
        "repository",
        "acme/rocket",
        4711,
        &url(&c),
        &c.stack.app.secret,
    );
    let body = ping(Some(("acme/rocket", 4711)), None, hook);
    assert_eq!(fake.deliver(hook, "ping", "ping-off", &body).await, 200);
    c.stack.quiesce_within(Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(c.stack.discord.threads().is_empty(), "no thread");
    assert!(
        fake.requests_to("GET", "/repos/acme/rocket/pulls")
            .is_empty(),
        "nothing asked of GitHub"
    );
    assert_eq!(c.stack.processed().await, 0, "nothing queued");
}
