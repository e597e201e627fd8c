//! A job pushed back by the Discord budget has not tried its effect: it
//! records no intent, so that when it comes back (past the nonce window)
//! it posts once, without searching the channel for a message it never
//! sent.

use crate::support::fake_discord::{BucketLimit, Limits};
use crate::support::history::History;
use crate::support::stack::{Stack, WAIT};
use crate::support::wait::eventually;
use crate::{assert_no_dead, deliver, reads_of};
use std::time::Duration;

/// Keys of the comments' intents (`pr:…:comment:{id}:posted:intent`).
async fn comment_intents(stack: &Stack) -> usize {
    let keys = stack.app.redis_keys().await;
    keys.iter()
        .filter(|k| k.contains(":comment:") && k.ends_with(":posted:intent"))
        .count()
}

/// Pushed-back copies waiting in Faktory's scheduled set.
async fn pushed_back(stack: &Stack) -> usize {
    let scheduled = stack.faktory.set_jobs("scheduled").await;
    scheduled
        .iter()
        .filter(|j| j["custom"]["pushed_back"].as_u64().is_some())
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_pushed_back_records_no_intent_and_posts_without_a_search() {
    let stack = Stack::start().await;
    // One message per 12 s per channel: the second comment waits longer
    // than a job waits in its slot, so it is pushed back.
    let limits = Limits {
        create_message: BucketLimit {
            limit: 1,
            window: Duration::from_secs(12),
        },
        ..Limits::discord()
    };
    stack.discord.set_limits(Some(limits));
    // A nonce window of 0: any attempt that finds an earlier intent searches.
    let _worker = stack.worker().env("DISCORD_NONCE_WINDOW_SECS", "0").spawn();
    let mut h = History::new(9301, 1, "Budget");
    h.opened();
    deliver(&stack, &mut h).await;
    let thread = stack.discord.threads()[0].id;

    h.comment("alice", "first in the window");
    h.comment("bob", "second, pushed back");
    stack.deliver_all(&h.events).await;
    eventually(WAIT, "one comment posted, one pushed back", || async {
        stack.discord.messages(thread).len() == 1 && pushed_back(&stack).await == 1
    })
    .await;
    assert_eq!(
        comment_intents(&stack).await,
        1,
        "only the comment that had its permit recorded an intent"
    );

    stack.quiesce_within(Duration::from_secs(90)).await;
    let texts: Vec<String> = stack
        .discord
        .messages(thread)
        .into_iter()
        .map(|m| m.content)
        .collect();
    assert_eq!(texts.len(), 2, "{texts:#?}");
    assert_eq!(
        texts.iter().filter(|t| t.contains("pushed back")).count(),
        1
    );
    assert_eq!(
        reads_of(&stack, thread),
        0,
        "no history search in the thread"
    );
    assert_eq!(comment_intents(&stack).await, 2);
    assert_no_dead(&stack).await;
}
