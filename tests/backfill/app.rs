//! App mode end to end, through the automatic backfill of an App's
//! install: the App's JWT (verified by the fake with the App's public
//! key) mints an installation token, which two worker processes share
//! through Redis (minted once), and which the next process renews when it
//! comes within 5 minutes of its expiry.

use super::auto::{ping, pulls, stack};
use super::support;
use std::time::Duration;
use support::configured::Configured;
use support::fake_github::{FakeGithub, APP_KEY_PEM};
use support::stack::WAIT;
use support::wait::eventually;
use support::worker::WorkerProcess;

const INSTALLATION: u64 = 31;

fn app_worker(c: &Configured, fake: &FakeGithub) -> WorkerProcess {
    c.worker()
        .envs(&[
            ("GITHUB_APP_ID", fake.app_id().to_string()),
            (
                "GITHUB_APP_PRIVATE_KEY",
                APP_KEY_PEM.trim_end().replace('\n', "\\n"),
            ),
            ("GITHUB_API_URL", fake.url()),
            ("GITHUB_CATCH_UP_SECS", "0".to_string()),
        ])
        .spawn()
}

/// The App is given `repo`: `installation` `created` or
/// `installation_repositories` `added`, as GitHub sends them to the App.
async fn install(c: &Configured, fake: &FakeGithub, hook: u64, first: bool, repo: &str, id: u64) {
    let repos = serde_json::json!([{"id": id, "full_name": repo, "private": false,
        "name": repo.split('/').nth(1)}]);
    let installation = serde_json::json!({"id": INSTALLATION, "app_id": fake.app_id(),
        "account": {"login": "acme"}});
    let (event, body) = if first {
        let b = serde_json::json!({"action": "created", "installation": installation,
            "repositories": repos, "sender": {"login": "ana"}});
        ("installation", b)
    } else {
        let b = serde_json::json!({"action": "added", "installation": installation,
            "repository_selection": "selected", "repositories_added": repos,
            "repositories_removed": [], "sender": {"login": "ana"}});
        ("installation_repositories", b)
    };
    let guid = format!("install-{repo}");
    let code = fake
        .deliver(hook, event, &guid, body.to_string().as_bytes())
        .await;
    assert_eq!(code, 202, "web takes the {event} delivery");
    let discord = &c.stack.discord;
    let name = repo.split('/').nth(1).unwrap_or_default().to_string();
    eventually(WAIT, &format!("the threads of {repo}"), || async {
        discord
            .threads()
            .iter()
            .filter(|t| t.name.contains(&name))
            .count()
            == 2
    })
    .await;
}

/// Stops a worker and lets the FETCHes it had waiting end (Faktory
/// blocks a FETCH up to 2 s, and one cut off may still take a job, which
/// then waits out its reservation).
async fn stop(mut worker: WorkerProcess) {
    worker.signal("TERM");
    worker.wait_exit(WAIT);
    tokio::time::sleep(Duration::from_millis(2500)).await;
}

async fn setup(fake: &FakeGithub) -> (Configured, u64) {
    let c = stack(true, "").await;
    pulls(fake, "acme/rocket", 4711, "rocket", 2);
    pulls(fake, "acme/tools", 4713, "tools", 2);
    let url = format!("{}/webhooks/github", c.stack.app.address);
    let hook = fake.add_hook("integration", "", fake.app_id(), &url, &c.stack.app.secret);
    (c, hook)
}

/// Every request to the PR routes used the installation's token, and
/// every mint the App's JWT.
fn assert_auth(fake: &FakeGithub) {
    let lists = fake.requests_to("GET", "/repos/acme/");
    assert!(!lists.is_empty());
    let token = format!("installation:{INSTALLATION}");
    assert!(lists.iter().all(|r| r.auth == token), "{lists:?}");
    let mints = fake.requests_to("POST", "/app/installations/");
    assert!(mints.iter().all(|r| r.auth == "app"), "{mints:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn one_installation_token_is_minted_and_shared_by_two_worker_processes() {
    let fake = FakeGithub::start();
    let (c, hook) = setup(&fake).await;
    let first = app_worker(&c, &fake);
    install(&c, &fake, hook, true, "acme/rocket", 4711).await;
    stop(first).await;
    let _second = app_worker(&c, &fake);
    install(&c, &fake, hook, false, "acme/tools", 4713).await;
    let minted = fake.minted();
    assert_eq!(
        minted.len(),
        1,
        "minted once for both processes: {minted:?}"
    );
    assert_eq!(minted[0].0, INSTALLATION);
    assert_auth(&fake);
    assert_eq!(c.stack.discord.threads().len(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_next_process_renews_a_token_near_its_expiry() {
    let fake = FakeGithub::start();
    // Within 5 minutes of expiry 3 s after minting.
    fake.set_token_lifetime(Duration::from_secs(5 * 60 + 3));
    let (c, hook) = setup(&fake).await;
    let first = app_worker(&c, &fake);
    install(&c, &fake, hook, true, "acme/rocket", 4711).await;
    stop(first).await;
    assert_eq!(fake.minted().len(), 1);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let _second = app_worker(&c, &fake);
    install(&c, &fake, hook, false, "acme/tools", 4713).await;
    let minted = fake.minted();
    assert_eq!(minted.len(), 2, "renewed once: {minted:?}");
    assert_ne!(minted[0].1, minted[1].1, "a new token");
    assert_auth(&fake);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_repository_hooks_ping_in_app_mode_finds_the_installation_itself() {
    let fake = FakeGithub::start();
    let c = stack(true, "").await;
    pulls(&fake, "acme/rocket", 4711, "rocket", 2);
    fake.install_app("acme", INSTALLATION);
    let url = format!("{}/webhooks/github", c.stack.app.address);
    let hook = fake.add_hook("repository", "acme/rocket", 4711, &url, &c.stack.app.secret);
    let _worker = app_worker(&c, &fake);
    // A repository hook's ping names no installation: the worker asks
    // GitHub which installation of the App covers the repository.
    let body = ping(Some(("acme/rocket", 4711)), None, hook);
    assert_eq!(fake.deliver(hook, "ping", "ping-app", &body).await, 200);
    let discord = &c.stack.discord;
    eventually(WAIT, "the threads of acme/rocket", || async {
        discord.threads().len() == 2
    })
    .await;
    let lookups = fake.requests_to("GET", "/repos/acme/rocket/installation");
    assert!(!lookups.is_empty(), "the installation was looked up");
    assert!(lookups.iter().all(|r| r.auth == "app"), "{lookups:?}");
    let minted = fake.minted();
    assert_eq!(minted.len(), 1, "{minted:?}");
    assert_eq!(minted[0].0, INSTALLATION);
    let lists = fake.requests_to("GET", "/repos/acme/rocket/pulls");
    let token = format!("installation:{INSTALLATION}");
    assert!(
        !lists.is_empty() && lists.iter().all(|r| r.auth == token),
        "{lists:?}"
    );
}
