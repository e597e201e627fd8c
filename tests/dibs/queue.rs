//! The fair queue under concurrency: 50 people run `/dibs on staging` at
//! once; one holds it and 49 wait in one definite order, each told a
//! different position. Releasing in turn hands it down the line, and the
//! worker tells each next holder once, pinging only them.

use super::{text, user, Dibs, ALL_ON};
use std::collections::BTreeMap;
use support::stack::WAIT;
use support::wait::eventually;
use support::wait::join_all;

use super::support;

#[tokio::test(flavor = "multi_thread")]
async fn fifty_at_once_end_in_one_order_and_each_next_holder_is_told_once() {
    let dibs = Dibs::start(ALL_ON).await;
    let _worker = dibs.stack.worker().token("token").spawn();
    let people: Vec<u64> = (1..=50).map(user).collect();
    // Each runs the command in a channel of their own, where they are told
    // their turn came (Discord allows 5 messages per 5 s per channel).
    let channel: BTreeMap<u64, u64> = people
        .iter()
        .map(|u| (*u, dibs.stack.discord.add_text_channel()))
        .collect();
    let answers = join_all(
        people
            .iter()
            .map(|u| dibs.dibs_in(channel[u], *u, "on", &[("resource", "Staging")])),
    )
    .await;

    // Who got which position, from the answers alone.
    let mut holder = None;
    let mut by_position = BTreeMap::new();
    for (u, answer) in people.iter().zip(&answers) {
        let said = text(answer);
        assert_eq!(answer["allowed_mentions"], serde_json::json!({"parse": []}));
        if said.starts_with(&format!("<@{u}> has **staging**")) {
            assert!(holder.replace(*u).is_none(), "two holders");
        } else {
            let position: usize = said
                .split('#')
                .nth(1)
                .and_then(|rest| rest.split(' ').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("no position in {said:?}"));
            assert!(
                by_position.insert(position, *u).is_none(),
                "position {position} twice"
            );
        }
    }
    let holder = holder.expect("one holder");
    assert_eq!(
        by_position.keys().copied().collect::<Vec<_>>(),
        (1..=49).collect::<Vec<_>>()
    );

    // The stored queue is that order, without the holder.
    let listed = super::api::list(&dibs).await;
    let queue: Vec<String> = listed["resources"][0]["queue"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    let expected: Vec<String> = by_position.values().map(u64::to_string).collect();
    assert_eq!(queue, expected);

    // Each holder in turn releases; the answer names the next one.
    let mut current = holder;
    for next in by_position.values() {
        let said = text(&dibs.dibs(current, "off", &[("resource", "staging")]).await);
        assert!(said.contains(&format!("<@{next}> has it now")), "{said}");
        current = *next;
    }
    let last = text(&dibs.dibs(current, "off", &[("resource", "staging")]).await);
    assert!(last.contains("it is free"), "{last}");
    let again = dibs.dibs(current, "off", &[("resource", "staging")]).await;
    assert_eq!(
        again["flags"], 64,
        "releasing what you do not hold is ephemeral"
    );

    // Each of the 49 next holders is told once, in their channel,
    // pinging only them.
    let posted = || {
        let all = channel
            .values()
            .map(|c| dibs.stack.discord.messages(*c).len());
        all.sum::<usize>()
    };
    eventually(WAIT, "49 notifications", || async { posted() >= 49 }).await;
    dibs.stack.quiesce().await;
    assert_eq!(posted(), 49, "exactly one each");
    assert!(dibs.stack.discord.messages(channel[&holder]).is_empty());
    for next in by_position.values() {
        let theirs = dibs.stack.discord.messages(channel[next]);
        assert_eq!(theirs.len(), 1, "{next} told once, where they asked");
        assert!(
            theirs[0]
                .content
                .starts_with(&format!("<@{next}> **staging** is yours now")),
            "{}",
            theirs[0].content
        );
        assert_eq!(
            theirs[0].allowed_mentions,
            Some(serde_json::json!({"parse": [], "users": [next.to_string()]}))
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn leaving_the_queue_and_unknown_resources() {
    let dibs = Dibs::start(ALL_ON).await;
    dibs.dibs(user(1), "on", &[("resource", "pixel-7")]).await;
    let queued = text(&dibs.dibs(user(2), "on", &[("resource", "pixel-7")]).await);
    assert!(queued.contains("held by <@"), "{queued}");
    let twice = text(&dibs.dibs(user(2), "on", &[("resource", "PIXEL-7")]).await);
    assert!(twice.contains("#1 in line"), "not listed twice: {twice}");
    let left = text(&dibs.dibs(user(2), "off", &[("resource", "pixel-7")]).await);
    assert!(left.contains("left the queue"), "{left}");
    let status = dibs.status("pixel-7").await;
    assert!(
        status.contains(&format!("held by <@{}>", user(1))) && !status.contains("queue"),
        "{status}"
    );

    let unknown = dibs.dibs(user(1), "status", &[("resource", "nope")]).await;
    assert_eq!(
        unknown["flags"], 64,
        "an unknown resource is an ephemeral error"
    );
    let bad = dibs.dibs(user(1), "on", &[("resource", "a b")]).await;
    assert_eq!(bad["flags"], 64);
    let bad_for = dibs
        .dibs(user(1), "on", &[("resource", "x"), ("for", "soon")])
        .await;
    assert_eq!(bad_for["flags"], 64);
}
