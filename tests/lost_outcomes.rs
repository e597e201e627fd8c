//! A job's outcome survives a lost Faktory connection, and a worker
//! started while the shared Discord budget is busy stays up: real worker
//! processes, real Faktory and Redis, the fake Discord enforcing Discord's
//! limits.

use threadline_test_support as support;

use std::time::{Duration, Instant};
use support::fake_discord::{Fault, FaultKind, Limits, Route};
use support::history::History;
use support::proxy::IdleDropProxy;
use support::stack::{Stack, WAIT};
use support::wait::eventually;
use support::worker::WorkerBuilder;
use support::worker::WorkerProcess;

/// How many messages in `thread` carry `text`.
fn copies_of(stack: &Stack, thread: u64, text: &str) -> usize {
    stack
        .discord
        .messages(thread)
        .iter()
        .filter(|m| m.content.contains(text))
        .count()
}

/// The thread of PR `number`, whose title names it.
fn thread_of(stack: &Stack, number: u64) -> Option<u64> {
    let tag = format!("#{number} ");
    stack
        .discord
        .threads()
        .into_iter()
        .find(|t| t.name.contains(&tag))
        .map(|t| t.id)
}

/// Opens `n` PRs and waits for their threads.
async fn open_prs(stack: &Stack, repo: u64, n: u64) -> Vec<History> {
    let mut prs: Vec<History> = (1..=n)
        .map(|number| History::new(repo, number, &format!("Load {number}")))
        .collect();
    for h in &mut prs {
        h.opened();
        stack.deliver_all(&h.events).await;
    }
    eventually(WAIT, "every PR has its thread", || async {
        (1..=n).all(|number| thread_of(stack, number).is_some())
    })
    .await;
    prs
}

/// Comments `per_pr` times on every PR, delivering every tenth delivery
/// twice (GitHub redelivering), and returns the comment texts by PR.
async fn comment_on_all(stack: &Stack, prs: &mut [History], per_pr: usize) -> Vec<Vec<String>> {
    let mut texts = vec![Vec::new(); prs.len()];
    let mut sent = 0;
    for round in 0..per_pr {
        for (i, h) in prs.iter_mut().enumerate() {
            let text = format!("load comment {round} on PR {}", i + 1);
            let at = h.events.len();
            h.comment("alice", &text);
            stack.deliver_all(&h.events[at..]).await;
            sent += 1;
            if sent % 10 == 0 {
                stack.deliver_all(&h.events[at..]).await;
            }
            texts[i].push(text);
        }
    }
    texts
}

/// Every comment in its PR's thread exactly once.
fn all_once(stack: &Stack, texts: &[Vec<String>]) -> bool {
    texts.iter().enumerate().all(|(i, wanted)| {
        let Some(thread) = thread_of(stack, i as u64 + 1) else {
            return false;
        };
        wanted.iter().all(|t| copies_of(stack, thread, t) == 1)
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_faktory_restart_under_push_backs_strands_no_job() {
    // The production reservation: a stranded job would wait 300 s.
    let mut stack = Stack::builder().production_reservation().start().await;
    stack.discord.set_limits(Some(Limits::discord()));
    let mut opener = stack.worker().spawn();
    let mut prs = open_prs(&stack, 9801, 6).await;
    stop(&mut opener);
    // A backlog of 8 comments a thread against 5 messages per 5 s: the
    // budget pushes jobs back while Faktory goes away.
    let texts = comment_on_all(&stack, &mut prs, 8).await;
    // Discord holds the first posts, so that their jobs end, and their
    // outcomes are due, while Faktory is down.
    stack.discord.inject(Fault {
        route: Route::CreateMessage,
        kind: FaultKind::Delay(Duration::from_secs(3)),
        times: 6,
    });
    let _workers: Vec<WorkerProcess> = (0..3).map(|_| stack.worker().spawn()).collect();
    eventually(WAIT, "the held posts are on their way", || async {
        stack.discord.pending_faults() == 0
    })
    .await;
    stack.faktory.stop();
    tokio::time::sleep(Duration::from_secs(5)).await;
    stack.faktory.restart();
    let back = Instant::now();

    // Without retries requeued by the test: only the workers' own doing.
    eventually(
        Duration::from_secs(60),
        "every comment in its thread, and no job left in Busy, within 60 s of Faktory's return",
        || async { all_once(&stack, &texts) && reserved(&stack).await == 0 },
    )
    .await;
    eprintln!("recovered {:?} after Faktory's return", back.elapsed());
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert!(all_once(&stack, &texts), "and each stays posted once");
    assert!(
        stack.faktory.set_jobs("dead").await.is_empty(),
        "nothing dead"
    );
    assert_eq!(stack.discord.rate_limited().total(), 0, "no 429");
}

/// Stops a worker as a deploy does: a killed one may leave a FETCH
/// waiting inside Faktory, which would take a job.
fn stop(worker: &mut WorkerProcess) {
    worker.signal("TERM");
    worker.wait_exit(Duration::from_secs(20));
}

/// A worker whose Faktory is behind `proxy`.
fn worker_behind(stack: &Stack, proxy: &IdleDropProxy) -> WorkerProcess {
    WorkerBuilder::new()
        .faktory(&proxy.faktory_url())
        .namespace(&stack.app.namespace)
        .discord(&stack.discord, stack.channel)
        .redis(&stack.app.redis_url)
        .slots(1)
        .spawn()
}

/// Jobs Faktory holds as reserved (its *Busy* page).
async fn reserved(stack: &Stack) -> u64 {
    let mut storage = stack.faktory.storage().await;
    redis::cmd("ZCARD")
        .arg("working")
        .query_async(&mut storage)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ack_lost_to_a_cut_connection_is_delivered_on_reconnect() {
    let stack = Stack::start().await;
    let proxy = IdleDropProxy::start(stack.faktory.port, Duration::from_secs(3600));
    let worker = worker_behind(&stack, &proxy);
    let mut prs = open_prs(&stack, 9802, 1).await;
    let thread = thread_of(&stack, 1).expect("the thread");
    eventually(WAIT, "the opening jobs are done", || async {
        reserved(&stack).await == 0 && stack.idle().await
    })
    .await;

    // The comment's post is held by Discord for 2 s; the line to Faktory
    // is cut meanwhile, so its ACK meets a dead connection.
    stack.discord.inject(Fault {
        route: Route::CreateMessage,
        kind: FaultKind::Delay(Duration::from_secs(2)),
        times: 1,
    });
    let before = stack.discord.requests().len();
    let at = prs[0].events.len();
    prs[0].comment("bob", "cut before its ACK");
    stack.deliver_all(&prs[0].events[at..]).await;
    eventually(WAIT, "the post is on its way to Discord", || async {
        stack.discord.pending_faults() == 0
    })
    .await;
    proxy.cut();

    eventually(
        Duration::from_secs(20),
        "Faktory holds no reservation: the ACK came through after reconnecting",
        || async {
            copies_of(&stack, thread, "cut before its ACK") == 1 && reserved(&stack).await == 0
        },
    )
    .await;
    assert!(
        stack.faktory.set_jobs("retry").await.is_empty(),
        "the job was not FAILed"
    );
    assert!(stack.faktory.set_jobs("dead").await.is_empty());
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(copies_of(&stack, thread, "cut before its ACK"), 1);
    let posts = stack.discord.requests()[before..]
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with(&format!("/channels/{thread}/messages")))
        .count();
    assert_eq!(posts, 1, "the job was performed once");
    assert!(
        worker.logs().contains("lost Faktory"),
        "the worker saw the cut:\n{}",
        worker.logs()
    );
}

/// A stack in limits mode whose workers assume a global budget of 2
/// requests per second, with a backlog of comments on `prs` PRs.
async fn busy_stack(repo: u64) -> (Stack, Vec<History>, Vec<Vec<String>>) {
    let stack = Stack::start().await;
    stack.discord.set_limits(Some(Limits::discord()));
    let mut opener = stack.worker().global_rate_limit(2).spawn();
    let mut prs = open_prs(&stack, repo, 4).await;
    stop(&mut opener);
    let texts = comment_on_all(&stack, &mut prs, 6).await;
    (stack, prs, texts)
}

/// Waits until a global pause is learned by the budget: the next post
/// draws a global 429 lasting `secs`, which every process then honours.
async fn pause_budget(stack: &Stack, secs: f64) {
    let before = stack.discord.rate_limited().global;
    stack.discord.inject(Fault {
        route: Route::CreateMessage,
        kind: FaultKind::RateLimitedGlobal { retry_after: secs },
        times: 1,
    });
    eventually(WAIT, "the global 429 was answered", || async {
        stack.discord.rate_limited().global > before
    })
    .await;
}

/// A worker that came up during the pause: it waits, stays up, and
/// takes jobs once its start-up check is done.
async fn stays_up_and_works(mut worker: WorkerProcess) -> WorkerProcess {
    eventually(WAIT, "the new worker waits for the budget", || async {
        worker.logs().contains("waiting")
    })
    .await;
    eventually(WAIT, "the new worker performs jobs", || async {
        worker.logs().contains("outcome=\"done\"")
    })
    .await;
    assert!(
        worker.child.try_wait().unwrap().is_none(),
        "the new worker is still running:\n{}",
        worker.logs()
    );
    assert!(
        worker.logs().contains("waiting") && worker.logs().contains("budget"),
        "it said why it waited:\n{}",
        worker.logs()
    );
    worker
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_started_while_the_budget_is_busy_stays_up() {
    let (stack, _prs, texts) = busy_stack(9803).await;
    let _draining = stack.worker().global_rate_limit(2).spawn();
    pause_budget(&stack, 8.0).await;
    let late = stack.worker().global_rate_limit(2).spawn();
    let _late = stays_up_and_works(late).await;

    eventually(Duration::from_secs(120), "the backlog drains", || async {
        all_once(&stack, &texts)
    })
    .await;
    only_the_pause_was_rate_limited(&stack);
}

/// Every 429 is the injected global pause, or a request already on the
/// wire when it was answered: no process sent into the pause.
fn only_the_pause_was_rate_limited(stack: &Stack) {
    let limited = stack.discord.rate_limited();
    assert_eq!(limited.total(), limited.global, "no bucket 429 at all");
    let requests = stack.discord.requests();
    let first = requests
        .iter()
        .find(|r| r.status == 429)
        .expect("the injected pause was answered");
    let late = requests
        .iter()
        .filter(|r| r.status == 429 && r.at > first.at + Duration::from_millis(300))
        .count();
    assert_eq!(late, 0, "nothing was sent into the pause");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_restarted_by_a_deploy_while_the_budget_is_busy_stays_up() {
    let (stack, _prs, texts) = busy_stack(9804).await;
    let _steady = stack.worker().slots(2).global_rate_limit(2).spawn();
    let mut deployed = stack.worker().slots(2).global_rate_limit(2).spawn();
    eventually(WAIT, "the backlog is being drained", || async {
        deployed.logs().contains("outcome=")
    })
    .await;
    deployed.signal("TERM");
    let status = deployed.wait_exit(Duration::from_secs(20));
    assert!(
        status.success(),
        "the drain ends cleanly:\n{}",
        deployed.logs()
    );
    pause_budget(&stack, 8.0).await;
    let restarted = stack.worker().slots(2).global_rate_limit(2).spawn();
    let _restarted = stays_up_and_works(restarted).await;

    eventually(Duration::from_secs(120), "the backlog drains", || async {
        all_once(&stack, &texts)
    })
    .await;
    only_the_pause_was_rate_limited(&stack);
}
