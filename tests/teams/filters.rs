//! Every filter: what `web` drops costs no job; a PR that becomes
//! eligible gets its thread then, with a line saying why; a PR that
//! becomes ineligible gets no more messages; what an issue payload cannot
//! tell (the base branch) the worker decides from what `web` recorded.

use super::support::configured::Configured;
use super::support::history::History;
use super::{expect_all, texts};

/// Only `web`: each PR here must be filtered without a job.
#[tokio::test(flavor = "multi_thread")]
async fn filtered_pull_requests_leave_the_queues_unchanged() {
    let c = Configured::start(|_, ch| {
        format!("[filters]\nlabels_include = []\nauthors_exclude = [\"Codertocat\"]\n\n\
         [[routes]]\nrepo = \"acme/held\"\nchannel = \"{ch}\"\n[routes.filters]\ndrafts = \"hold\"\n\n\
         [[routes]]\nrepo = \"acme/main-only\"\nchannel = \"{ch}\"\n[routes.filters]\nbase_branches = [\"main\"]\nauthors_exclude = []\n\n\
         [[routes]]\nrepo = \"acme/shipping\"\nchannel = \"{ch}\"\n[routes.filters]\nlabels_include = [\"ship\"]\nauthors_exclude = []\n\n\
         [[routes]]\nrepo = \"acme/open\"\nchannel = \"{ch}\"\n[routes.filters]\nauthors_exclude = []\n")
    })
    .await;
    let mut cases = vec![];
    let mut h = History::new(931, 1, "By an excluded author");
    h.in_repo("else/where").opened();
    cases.push(h);
    let mut h = History::new(932, 2, "Held draft");
    h.in_repo("acme/held");
    h.draft = true;
    h.opened();
    cases.push(h);
    let mut h = History::new(933, 3, "Into dev");
    h.in_repo("acme/main-only").targeting("dev").opened();
    cases.push(h);
    let mut h = History::new(934, 4, "Unlabelled");
    h.in_repo("acme/shipping").opened();
    cases.push(h);
    let mut h = History::new(935, 5, "Opted out by label");
    h.in_repo("acme/open").with_labels(&["No-Thread"]).opened();
    cases.push(h);
    let mut h = History::new(936, 6, "Opted out in the body");
    h.in_repo("acme/open").opened().edit_last(|v| {
        v["pull_request"]["body"] = serde_json::json!("Refactor.\n\n[no-thread]");
    });
    cases.push(h);
    for h in &cases {
        expect_all(&c, h, "filtered").await;
    }
    assert_eq!(
        c.stack.app.queued().await,
        0,
        "a filtered pull_request costs no job"
    );

    let mut ok = History::new(937, 7, "Into main");
    ok.in_repo("acme/main-only").targeting("main").opened();
    expect_all(&c, &ok, "queued").await;
    assert_eq!(c.stack.app.queued().await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_label_added_after_open_and_removed_again() {
    let c = Configured::start(|_, _| "[filters]\nlabels_exclude = [\"wip\"]\n".to_string()).await;
    let _worker = c.worker().spawn();
    let mut h = History::new(941, 10, "Labelled later");
    h.opened().comment("alice", "first");
    h.label("wip", true)
        .comment("alice", "while wip")
        .label("wip", false);
    h.comment("alice", "after wip");
    c.stack.deliver_all(&h.events).await;
    c.stack.quiesce().await;

    let threads = c.stack.discord.threads();
    assert_eq!(threads.len(), 1, "{threads:?}");
    let texts = texts(&c, threads[0].id);
    let count = |needle: &str| texts.iter().filter(|t| t.contains(needle)).count();
    assert_eq!(count("first"), 1, "{texts:#?}");
    assert_eq!(
        count("while wip"),
        0,
        "an ineligible PR gets no more messages"
    );
    assert_eq!(count("the label \"wip\" was removed"), 1, "{texts:#?}");
    assert_eq!(count("after wip"), 1, "{texts:#?}");

    // Opened with the label: no thread until it is removed.
    let mut late = History::new(942, 11, "Born wip");
    late.with_labels(&["wip"]).opened().comment("bob", "unseen");
    expect_all(&c, &late, "filtered").await;
    late.events.clear();
    late.label("wip", false).comment("bob", "seen");
    c.stack.deliver_all(&late.events).await;
    c.stack.quiesce().await;
    let thread = c
        .stack
        .discord
        .threads()
        .into_iter()
        .find(|t| t.name.starts_with("#11"));
    let thread = thread.expect("the thread appears once eligible");
    let texts = super::texts(&c, thread.id);
    assert_eq!(texts.len(), 2, "the line and the comment: {texts:#?}");
    assert!(texts[0].contains("appears here now: the label \"wip\" was removed"));
    assert!(texts[1].contains("seen") && !texts[1].contains("unseen"));
    let intro = c.stack.discord.message(thread.id).expect("the intro");
    assert!(intro.content.contains("**o/r#11**"), "{intro:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn held_drafts_get_their_thread_when_ready() {
    let c = Configured::start(|_, _| "[filters]\ndrafts = \"hold\"\n".to_string()).await;
    let _worker = c.worker().spawn();
    let mut h = History::new(951, 20, "Draft first");
    h.draft = true;
    h.opened().comment("alice", "early words");
    expect_all(&c, &h, "filtered").await;
    h.events.clear();
    h.draft(false).comment("alice", "now ready");
    c.stack.deliver_all(&h.events).await;
    c.stack.quiesce().await;

    let threads = c.stack.discord.threads();
    assert_eq!(threads.len(), 1, "{threads:?}");
    assert_eq!(threads[0].name, "#20 Draft first");
    let texts = texts(&c, threads[0].id);
    assert_eq!(texts.len(), 2, "{texts:#?}");
    assert!(texts[0].contains("appears here now: it is ready for review"));
    assert!(texts[1].contains("now ready"));

    // Back to draft: ineligible again, so nothing more is posted.
    h.events.clear();
    h.draft(true).comment("alice", "drafting again");
    expect_all(&c, &h, "filtered").await;
    c.stack.quiesce().await;
    assert_eq!(super::texts(&c, threads[0].id).len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_worker_decides_the_base_branch_of_a_comment() {
    let c = Configured::start(|_, _| "[filters]\nbase_branches = [\"main\"]\n".to_string()).await;
    let _worker = c.worker().spawn();
    let mut h = History::new(961, 30, "Into dev");
    h.targeting("dev").opened();
    expect_all(&c, &h, "filtered").await;
    h.events.clear();
    // An issue_comment payload names no base branch: web queues it.
    h.comment("alice", "on dev");
    expect_all(&c, &h, "queued").await;
    c.stack.quiesce().await;
    assert!(
        c.stack.discord.threads().is_empty(),
        "the worker dropped it"
    );

    h.events.clear();
    h.rebase_onto("main").comment("alice", "on main");
    c.stack.deliver_all(&h.events).await;
    c.stack.quiesce().await;
    let threads = c.stack.discord.threads();
    assert_eq!(threads.len(), 1);
    let texts = texts(&c, threads[0].id);
    assert_eq!(texts.len(), 2, "{texts:#?}");
    assert!(texts[0].contains("its base branch changed to \"main\""));
    assert!(texts[1].contains("on main"));
}

#[tokio::test(flavor = "multi_thread")]
async fn bots_are_dropped_unless_allowed() {
    let c =
        Configured::start(|_, _| "[filters]\nbot_allowlist = [\"renovate[bot]\"]\n".to_string())
            .await;
    let _worker = c.worker().spawn();
    let mut h = History::new(971, 40, "Deps");
    h.opened()
        .comment("renovate[bot]", "from renovate")
        .comment("dependabot[bot]", "from dependabot")
        .comment("alice", "from alice");
    c.stack.deliver_all(&h.events).await;
    c.stack.quiesce().await;
    let threads = c.stack.discord.threads();
    let texts = texts(&c, threads[0].id);
    let joined = texts.join("\n");
    assert!(
        joined.contains("from renovate") && joined.contains("from alice"),
        "{joined}"
    );
    assert!(!joined.contains("from dependabot"), "{joined}");
}
