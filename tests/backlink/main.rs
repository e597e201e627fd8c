//! The back-link on the PR (`[github] backlink = true`): against the fake
//! GitHub and the fake Discord, with real Faktory and Redis. One comment
//! per PR across a duplicate delivery; a comment already on GitHub with
//! the marker (a worker killed after GitHub's answer, before the record)
//! is taken, not posted again; a thread made anew edits the same comment;
//! the comment's own webhook is not forwarded; off by default; writes at
//! least 1 s apart.

use threadline_test_support as support;

use std::time::Duration;
use support::configured::Configured;
use support::fake_github::{pull_request, FakeGithub, TOKEN, TOKEN_USER};
use support::history::History;
use support::wait::eventually;
use support::worker::WorkerProcess;

const REPO: &str = "acme/rocket";
const REPO_ID: u64 = 4711;
const WAIT: Duration = Duration::from_secs(60);
const ON: &str = "[github]\nbacklink = true\n";

fn worker(c: &Configured, fake: &FakeGithub) -> WorkerProcess {
    c.worker()
        .envs(&[
            ("GITHUB_TOKEN", TOKEN.to_string()),
            ("GITHUB_API_URL", fake.url()),
            ("GITHUB_CATCH_UP_SECS", "0".to_string()),
        ])
        .spawn()
}

fn fake_with(numbers: &[u64]) -> FakeGithub {
    let fake = FakeGithub::start();
    let pulls = numbers
        .iter()
        .map(|n| pull_request(REPO, REPO_ID, *n, &format!("Item-{n}"), "ana"))
        .collect();
    fake.add_pulls(REPO, pulls);
    fake
}

fn marker(n: u64) -> String {
    format!("<!-- threadline:thread pr:{REPO_ID}:{n} -->")
}

fn thread_of(c: &Configured, n: u64) -> Option<u64> {
    let name = format!("Item-{n}");
    let threads = c.stack.discord.threads();
    threads
        .iter()
        .rev()
        .find(|t| t.name.contains(&name))
        .map(|t| t.id)
}

fn writes(fake: &FakeGithub) -> usize {
    fake.requests_to("POST", "/repos/acme/rocket/issues").len()
        + fake.requests_to("PATCH", "/repos/acme/rocket/issues").len()
}

#[tokio::test(flavor = "multi_thread")]
async fn one_comment_per_pr_across_a_duplicate_delivery_with_the_threads_link() {
    let c = Configured::start(|_, _| ON.to_string()).await;
    let fake = fake_with(&[1]);
    let _worker = worker(&c, &fake);
    let mut h = History::new(REPO_ID, 1, "Item-1");
    h.in_repo(REPO).opened();
    c.stack.deliver_all(&h.events).await;
    c.stack.deliver_all(&h.events).await;
    eventually(WAIT, "the back-link comment", || async {
        !fake.comments(REPO, 1).is_empty()
    })
    .await;
    c.stack.quiesce_within(WAIT).await;
    let comments = fake.comments(REPO, 1);
    assert_eq!(comments.len(), 1, "{comments:?}");
    let thread = thread_of(&c, 1).expect("a thread");
    let body = comments[0]["body"].as_str().unwrap_or("");
    assert!(body.contains(&marker(1)), "{body}");
    assert!(
        body.contains("https://discord.com/channels/") && body.contains(&format!("/{thread}")),
        "{body} / threads {:?}",
        c.stack.discord.threads()
    );
    assert_eq!(comments[0]["user"]["login"], TOKEN_USER);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_comment_left_by_a_killed_worker_is_taken_and_a_new_thread_edits_it() {
    let c = Configured::start(|_, _| ON.to_string()).await;
    let fake = fake_with(&[2]);
    // GitHub answered a worker that died before the record: the comment
    // is there, with the marker, and Redis knows nothing of it.
    let body = format!("💬 an earlier attempt\n\n{}", marker(2));
    let left = fake.add_comment(REPO, 2, &body, TOKEN_USER, "User");
    let _worker = worker(&c, &fake);
    let mut h = History::new(REPO_ID, 2, "Item-2");
    h.in_repo(REPO).opened();
    c.stack.deliver_all(&h.events).await;
    let first = thread_of(&c, 2);
    eventually(WAIT, "the comment edited to the link", || async {
        let comments = fake.comments(REPO, 2);
        comments.len() == 1 && comments[0]["body"] != body.as_str()
    })
    .await;
    c.stack.quiesce_within(WAIT).await;
    assert!(
        fake.requests_to("POST", "/repos/acme/rocket/issues")
            .is_empty(),
        "no second comment"
    );
    let first = first.or_else(|| thread_of(&c, 2)).expect("a thread");

    // The thread is deleted on Discord; the next event makes a new one.
    c.stack.discord.delete_thread(first);
    h.comment("bob", "still there?");
    let last = h.events.len() - 1;
    c.stack.deliver_all(&h.events[last..]).await;
    eventually(
        WAIT,
        "the same comment edited to the new thread",
        || async {
            let now = thread_of(&c, 2).filter(|t| *t != first);
            let comments = fake.comments(REPO, 2);
            now.is_some_and(|t| {
                comments.len() == 1
                    && comments[0]["body"]
                        .as_str()
                        .is_some_and(|b| b.contains(&format!("/{t}")))
            })
        },
    )
    .await;
    c.stack.quiesce_within(WAIT).await;
    let comments = fake.comments(REPO, 2);
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0]["id"], left);
    assert!(fake
        .requests_to("POST", "/repos/acme/rocket/issues")
        .is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_comments_own_webhook_is_not_forwarded() {
    let c = Configured::start(|_, _| ON.to_string()).await;
    let fake = fake_with(&[3]);
    let _worker = worker(&c, &fake);
    let mut h = History::new(REPO_ID, 3, "Item-3");
    h.in_repo(REPO).opened();
    c.stack.deliver_all(&h.events).await;
    eventually(WAIT, "the back-link", || async {
        !fake.comments(REPO, 3).is_empty()
    })
    .await;
    let body = fake.comments(REPO, 3)[0]["body"]
        .as_str()
        .unwrap_or("")
        .to_string();
    // GitHub sends it back as the token's user: a person's token (a
    // login that does not look like a bot's, so the bots filter lets it by).
    h.comment("ana", &body);
    h.comment("bob", "a real comment");
    let from = h.events.len() - 2;
    c.stack.deliver_all(&h.events[from..]).await;
    c.stack.quiesce_within(WAIT).await;
    let thread = thread_of(&c, 3).expect("a thread");
    let messages = c.stack.discord.messages(thread);
    assert!(messages
        .iter()
        .any(|m| m.content.contains("a real comment")));
    assert!(
        !messages
            .iter()
            .any(|m| m.content.contains("discord.com/channels")),
        "{messages:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn off_by_default_no_github_call() {
    let c = Configured::start(|_, _| String::new()).await;
    let fake = fake_with(&[4]);
    let _worker = worker(&c, &fake);
    let mut h = History::new(REPO_ID, 4, "Item-4");
    h.in_repo(REPO).opened();
    c.stack.deliver_all(&h.events).await;
    eventually(WAIT, "the thread", || async { thread_of(&c, 4).is_some() }).await;
    c.stack.quiesce_within(WAIT).await;
    let issues = fake
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("/issues"))
        .count();
    assert_eq!(issues, 0);
    assert!(fake.comments(REPO, 4).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn back_links_of_many_prs_are_written_at_least_a_second_apart() {
    let c = Configured::start(|_, _| ON.to_string()).await;
    let numbers: Vec<u64> = (10..15).collect();
    let fake = fake_with(&numbers);
    // Two worker processes: the spacing holds across them (Redis).
    let _a = worker(&c, &fake);
    let _b = worker(&c, &fake);
    for n in &numbers {
        let mut h = History::new(REPO_ID, *n, &format!("Item-{n}"));
        h.in_repo(REPO).opened();
        c.stack.deliver_all(&h.events).await;
    }
    eventually(Duration::from_secs(90), "a back-link per PR", || async {
        writes(&fake) == numbers.len()
    })
    .await;
    c.stack.quiesce_within(WAIT).await;
    let mut at: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" || r.method == "PATCH")
        .map(|r| r.at)
        .collect();
    at.sort();
    assert_eq!(at.len(), numbers.len());
    for pair in at.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(gap >= Duration::from_millis(990), "writes {gap:?} apart");
    }
    for n in &numbers {
        assert_eq!(fake.comments(REPO, *n).len(), 1, "#{n}");
    }
}
