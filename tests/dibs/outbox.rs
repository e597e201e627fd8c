//! Faktory down while a resource changes: the change stands, the answer
//! says its jobs wait, and what it caused (the next holder's notification,
//! a timed release) is queued by the worker once Faktory is back, once.

use super::{text, user, Dibs, ALL_ON};
use support::stack::WAIT;
use support::wait::eventually;
use threadline::dibs::Store;

use super::support;

#[tokio::test(flavor = "multi_thread")]
async fn what_a_change_causes_while_faktory_is_down_is_queued_when_it_is_back() {
    let mut dibs = Dibs::start(ALL_ON).await;
    let channel = |_: u64| dibs.stack.discord.add_text_channel();
    let (a, b, c) = (user(1), user(2), user(3));
    let (in_b, in_c) = (channel(b), channel(c));
    dibs.dibs(a, "on", &[("resource", "staging"), ("for", "1h")])
        .await;
    dibs.dibs_in(in_b, b, "on", &[("resource", "staging")])
        .await;

    dibs.stack.faktory.stop();
    // b's turn comes, and c takes pixel for 3 s: neither's jobs can be queued.
    let off = text(&dibs.dibs(a, "off", &[("resource", "staging")]).await);
    assert!(off.contains(&format!("<@{b}> has it now")), "{off}");
    assert!(off.contains("queued as soon as it is back"), "{off}");
    let took = text(
        &dibs
            .dibs_in(in_c, c, "on", &[("resource", "pixel"), ("for", "3s")])
            .await,
    );
    assert!(took.contains("queued as soon as it is back"), "{took}");
    assert!(dibs
        .status("staging")
        .await
        .contains(&format!("held by <@{b}>")));

    dibs.stack.faktory.restart();
    let _worker = dibs.stack.worker().token("token").spawn();
    eventually(WAIT, "b told, and c's time run out", || async {
        !dibs.stack.discord.messages(in_b).is_empty()
            && !dibs.stack.discord.messages(in_c).is_empty()
    })
    .await;
    let told_b = &dibs.stack.discord.messages(in_b)[0].content;
    assert!(
        told_b.starts_with(&format!("<@{b}> **staging** is yours now")),
        "{told_b}"
    );
    let told_c = &dibs.stack.discord.messages(in_c)[0].content;
    assert!(
        told_c.starts_with(&format!("<@{c}> your time on **pixel** ran out")),
        "{told_c}"
    );
    assert!(dibs.status("pixel").await.contains("free"));

    dibs.stack.quiesce().await;
    assert_eq!(dibs.stack.discord.messages(in_b).len(), 1, "told once");
    assert_eq!(dibs.stack.discord.messages(in_c).len(), 1, "told once");
    let redis = threadline::redis_conn::connect(&dibs.stack.app.redis_url)
        .await
        .expect("Redis");
    let prefix = format!("threadline:{}:", dibs.stack.app.namespace);
    let owed = Store::new(redis, prefix).owed_count().await.unwrap();
    assert_eq!(owed, 0, "nothing is owed any more");
    // b's own release (a day out; a's hour-long one is stale) is queued, once.
    let scheduled = dibs.stack.faktory.set_jobs("scheduled").await;
    let later = chrono::Utc::now() + chrono::Duration::hours(2);
    let b_release = scheduled.iter().filter(|j| {
        let at = chrono::DateTime::parse_from_rfc3339(j["at"].as_str().unwrap_or_default());
        j["jobtype"] == "dibs.release" && at.is_ok_and(|at| at > later)
    });
    assert_eq!(b_release.count(), 1, "{scheduled:?}");
}
