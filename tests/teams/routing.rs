//! Repositories reach the channels their routes name; shared channels get
//! repository-qualified thread names; muted and unrouted repositories are
//! accepted and cost no job.

use super::expect_all;
use super::support::configured::Configured;
use super::support::history::History;

#[tokio::test(flavor = "multi_thread")]
async fn routes_send_each_repository_to_its_channel() {
    let (mut a, mut b) = (0, 0);
    let c = Configured::start(|discord, _| {
        (a, b) = (discord.add_text_channel(), discord.add_text_channel());
        format!(
            "[[routes]]\nrepo = \"acme/rocket\"\nchannel = \"{a}\"\n\n[[routes]]\nrepo = \"acme/*\"\nchannel = \"{b}\"\n"
        )
    })
    .await;
    let _worker = c.worker().spawn();
    let mut rocket = History::new(901, 1, "Rocket work");
    rocket.in_repo("acme/rocket").opened();
    let mut other = History::new(902, 2, "Other work");
    other.in_repo("Acme/Other").opened();
    let mut stray = History::new(903, 3, "Stray work");
    stray.in_repo("else/where").opened();
    for h in [&rocket, &other, &stray] {
        expect_all(&c, h, "queued").await;
    }
    c.stack.quiesce().await;

    let threads = c.stack.discord.threads();
    let named = |parent: u64| -> Vec<String> {
        threads
            .iter()
            .filter(|t| t.parent_id == parent)
            .map(|t| t.name.clone())
            .collect()
    };
    assert_eq!(
        named(a),
        vec!["#1 Rocket work"],
        "only rocket reaches A: plain names"
    );
    assert_eq!(
        named(b),
        vec!["Other#2 Other work"],
        "acme/* is shared: qualified"
    );
    assert_eq!(
        named(c.stack.channel),
        vec!["where#3 Stray work"],
        "the fallback while routes exist is shared: qualified"
    );
    assert_eq!(threads.len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn several_repositories_in_one_channel_get_qualified_names() {
    let mut shared = 0;
    let c = Configured::start(|discord, _| {
        shared = discord.add_text_channel();
        format!(
            "[[routes]]\nrepo = \"acme/rocket\"\nchannel = \"{shared}\"\n\n[[routes]]\nrepo = \"acme/probe\"\nchannel = \"{shared}\"\n"
        )
    })
    .await;
    let _worker = c.worker().spawn();
    let mut rocket = History::new(911, 5, "Same number");
    rocket
        .in_repo("acme/rocket")
        .opened()
        .comment("alice", "rocket talk");
    let mut probe = History::new(912, 5, "Same number");
    probe
        .in_repo("acme/probe")
        .opened()
        .comment("bob", "probe talk");
    expect_all(&c, &rocket, "queued").await;
    expect_all(&c, &probe, "queued").await;
    c.stack.quiesce().await;

    let mut names: Vec<String> = c
        .stack
        .discord
        .threads()
        .iter()
        .map(|t| t.name.clone())
        .collect();
    names.sort();
    assert_eq!(names, vec!["probe#5 Same number", "rocket#5 Same number"]);
    for t in c.stack.discord.threads() {
        let texts = super::texts(&c, t.id);
        let own = if t.name.starts_with("rocket") {
            "rocket talk"
        } else {
            "probe talk"
        };
        assert_eq!(
            texts.iter().filter(|m| m.contains(own)).count(),
            1,
            "{texts:?}"
        );
        assert_eq!(
            texts.iter().filter(|m| m.contains("talk")).count(),
            1,
            "no cross-talk"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn muted_and_unrouted_repositories_cost_no_job() {
    let c = Configured::start_with(false, |discord, _| {
        let a = discord.add_text_channel();
        format!(
            "[[routes]]\nrepo = \"acme/secret\"\nmute = true\n\n[[routes]]\nrepo = \"acme/rocket\"\nchannel = \"{a}\"\n"
        )
    })
    .await;
    let mut secret = History::new(921, 1, "Hidden");
    secret
        .in_repo("acme/secret")
        .opened()
        .comment("alice", "psst")
        .review("bob", "approved", "");
    let mut stray = History::new(922, 2, "Nowhere");
    stray
        .in_repo("else/where")
        .opened()
        .comment("alice", "hello?");
    expect_all(&c, &secret, "filtered").await;
    expect_all(&c, &stray, "filtered").await;
    assert_eq!(
        c.stack.app.queued().await,
        0,
        "no job for a muted or unrouted repository"
    );

    let mut rocket = History::new(923, 3, "Routed");
    rocket.in_repo("acme/rocket").opened();
    expect_all(&c, &rocket, "queued").await;
    assert_eq!(c.stack.app.queued().await, 1);
}
