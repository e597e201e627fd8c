//! Timed releases are Faktory scheduled jobs: one fires once even across
//! a worker restart and a Faktory restart (SIGTERM saves the scheduled
//! set), and hands the resource to the next in line, whose own timed
//! release starts then. A release made stale by an early manual release
//! and a re-take does nothing, and so does one of a forgotten resource's
//! old life.

use super::{text, user, Dibs, ALL_ON};
use support::stack::WAIT;
use support::wait::eventually;

use super::support;

#[tokio::test(flavor = "multi_thread")]
async fn a_timed_release_survives_restarts_and_fires_once() {
    let mut dibs = Dibs::start(ALL_ON).await;
    let (a, b) = (user(1), user(2));
    let took = text(
        &dibs
            .dibs(a, "on", &[("resource", "staging"), ("for", "5s")])
            .await,
    );
    assert!(took.contains("until <t:"), "{took}");
    dibs.dibs(b, "on", &[("resource", "staging"), ("for", "1h")])
        .await;

    // A worker runs, then stops; Faktory restarts; a new worker starts.
    let mut worker = dibs.stack.worker().token("token").spawn();
    worker.signal("TERM");
    worker.wait_exit(std::time::Duration::from_secs(20));
    dibs.stack.faktory.restart();
    let _worker = dibs.stack.worker().token("token").spawn();

    eventually(WAIT, "the release notifications", || async {
        dibs.posted().len() >= 2
    })
    .await;
    let status = dibs.status("staging").await;
    assert!(status.contains(&format!("held by <@{b}>")), "{status}");
    assert!(
        status.contains("until <t:"),
        "b's own hour started: {status}"
    );
    // Faktory scans its scheduled set every 5 s: give a second copy time.
    tokio::time::sleep(std::time::Duration::from_secs(7)).await;
    let posted = dibs.posted();
    assert_eq!(posted.len(), 2, "{posted:?}");
    let turn = posted.iter().find(|m| {
        m.content
            .starts_with(&format!("<@{b}> **staging** is yours now"))
    });
    let turn = turn.expect("b is told");
    assert!(
        turn.content.contains(&format!("<@{a}>'s time ran out")),
        "{}",
        turn.content
    );
    assert_eq!(
        turn.allowed_mentions,
        Some(serde_json::json!({"parse": [], "users": [b.to_string()]}))
    );
    let up = posted.iter().find(|m| {
        m.content
            .starts_with(&format!("<@{a}> your time on **staging** ran out"))
    });
    assert!(up.is_some(), "a is told: {posted:?}");
    // b's release is scheduled, once.
    let scheduled = dibs.stack.faktory.set_jobs("scheduled").await;
    let releases: Vec<_> = scheduled
        .iter()
        .filter(|j| j["jobtype"] == "dibs.release")
        .collect();
    assert_eq!(releases.len(), 1, "{scheduled:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stale_release_does_nothing() {
    let dibs = Dibs::start(ALL_ON).await;
    let (a, b) = (user(1), user(2));
    dibs.dibs(a, "on", &[("resource", "staging"), ("for", "5s")])
        .await;
    let off = text(&dibs.dibs(a, "off", &[("resource", "staging")]).await);
    assert!(off.contains("it is free"), "{off}");
    // Taken again, without a time limit (so for `max_hold`, a day), and
    // someone waits.
    dibs.dibs(a, "on", &[("resource", "staging")]).await;
    dibs.dibs(b, "on", &[("resource", "staging")]).await;

    let _worker = dibs.stack.worker().token("token").spawn();
    // The old release comes due, runs, and is done (ACKed).
    dibs.stack.settle(1).await;
    dibs.stack.quiesce().await;
    let status = dibs.status("staging").await;
    assert!(status.contains(&format!("held by <@{a}>")), "{status}");
    assert!(status.contains(&format!("1. <@{b}>")), "{status}");
    assert!(dibs.posted().is_empty(), "nobody was told anything");
}

#[tokio::test(flavor = "multi_thread")]
async fn extending_moves_the_release() {
    let dibs = Dibs::start(ALL_ON).await;
    let (a, b) = (user(1), user(2));
    dibs.dibs(a, "on", &[("resource", "staging"), ("for", "5s")])
        .await;
    dibs.dibs(b, "on", &[("resource", "staging")]).await;
    let extended = text(
        &dibs
            .dibs(a, "on", &[("resource", "staging"), ("for", "2h")])
            .await,
    );
    assert!(
        extended.contains(&format!("<@{a}> has **staging** until")),
        "{extended}"
    );
    let _worker = dibs.stack.worker().token("token").spawn();
    // The 5 s release runs and finds itself stale; the 2 h one waits.
    dibs.stack.settle(1).await;
    let status = dibs.status("staging").await;
    assert!(status.contains(&format!("held by <@{a}>")), "{status}");
    assert!(dibs.posted().is_empty(), "nobody was told anything");
    let scheduled = dibs.stack.faktory.set_jobs("scheduled").await;
    assert_eq!(scheduled.len(), 1, "the moved release: {scheduled:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retried_timed_release_gives_the_same_answer() {
    use threadline::dibs::{ledger::Mode, Entry, Force, Outcome, Releaser, Store};
    let redis = threadline::redis_conn::connect(&support::servers::shared_redis_url())
        .await
        .expect("Redis");
    let prefix = format!("threadline:{}:", support::servers::unique_namespace());
    let store = Store::new(redis, prefix);
    let entry = |id: &str| Entry {
        id: id.into(),
        channel: "5".into(),
        for_ms: 60_000,
        ..Entry::default()
    };
    let took = store
        .take("staging", &entry("1"), Mode::Queue, 0)
        .await
        .unwrap();
    store
        .take("staging", &entry("2"), Mode::Queue, 0)
        .await
        .unwrap();
    let first = store.expire("staging", took.version).await.unwrap();
    let again = store.expire("staging", took.version).await.unwrap();
    assert_eq!(first.outcome, Outcome::Released);
    assert_eq!(again.outcome, Outcome::Released, "a retry of the same job");
    assert_eq!(again.version, first.version);
    assert_eq!(again.promoted, first.promoted);
    assert_eq!(first.promoted.as_ref().unwrap().id, "2");
    assert_eq!(
        threadline::dibs::after_change::after(&again, true),
        threadline::dibs::after_change::after(&first, true),
        "the same follow-up jobs, which the worker performs once"
    );
    // A manual release of 2's hold leaves 2's own timed release stale.
    let two = Releaser {
        id: "2",
        token: "",
        force: Force::No,
    };
    let manual = store.release("staging", two).await.unwrap();
    assert_eq!(manual.outcome, Outcome::Released);
    let stale = store.expire("staging", first.version).await.unwrap();
    assert_eq!(stale.outcome, Outcome::Stale);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_release_of_a_forgotten_resources_old_life_is_stale() {
    use threadline::dibs::{ledger::Mode, Entry, Force, Outcome, Releaser, Store};
    let redis = threadline::redis_conn::connect(&support::servers::shared_redis_url())
        .await
        .expect("Redis");
    let prefix = format!("threadline:{}:", support::servers::unique_namespace());
    let store = Store::new(redis, prefix);
    let entry = Entry {
        id: "1".into(),
        for_ms: 60_000,
        ..Entry::default()
    };
    let one = Releaser {
        id: "1",
        token: "",
        force: Force::No,
    };
    let first = store.take("staging", &entry, Mode::Queue, 0).await.unwrap();
    store.release("staging", one).await.unwrap();
    let forgot = store.forget("staging").await.unwrap();
    assert_eq!(forgot.outcome, Outcome::Forgot);
    assert!(store.get("staging").await.unwrap().is_none());
    // Named again, it never repeats a version of its old life, so the
    // first hold's release (still scheduled) cannot end the new one.
    let again = store.take("staging", &entry, Mode::Queue, 0).await.unwrap();
    assert!(
        again.version > first.version + 1,
        "{} then {}",
        first.version,
        again.version
    );
    let stale = store.expire("staging", first.version).await.unwrap();
    assert_eq!(stale.outcome, Outcome::Stale);
    let twice = store.expire("staging", again.version).await.unwrap();
    assert_eq!(twice.outcome, Outcome::Released);
    let replay = store.expire("staging", again.version).await.unwrap();
    assert_eq!(
        (replay.outcome, replay.outbox),
        (Outcome::Released, None),
        "a second copy changes nothing and owes nothing new"
    );
}
