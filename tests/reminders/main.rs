//! Review reminders, end to end: real Faktory (its scheduled set is the
//! timer), real Redis, the real worker binary with a `THREADLINE_CONFIG`
//! holding `[reminders]` in seconds, and the fake Discord.

use threadline_test_support as support;

mod cancel;
mod quiet;
mod restart;

use std::time::Duration;
use support::fake_discord::StoredMessage;
use support::history::{allowed, History};
use support::stack::Stack;
use support::wait::eventually;
use support::worker::WorkerProcess;

pub const ALICE: u64 = 700_000_000_000_000_002;
pub const CAROL: u64 = 700_000_000_000_000_003;
pub const CORE: u64 = 800_000_000_000_000_001;
pub const NUDGE: &str = "⏰ Reminder";

/// A worker whose config maps alice, carol and `Codertocat/core`, with
/// `reminders` as the `[reminders]` section's body.
pub fn worker(stack: &Stack, reminders: &str, env: &[(&str, String)]) -> WorkerProcess {
    let path = std::env::temp_dir().join(format!("reminders-{}.toml", stack.app.namespace));
    let text = format!(
        "[people]\nalice = \"{ALICE}\"\ncarol = \"{CAROL}\"\n\n\
         [teams]\n\"codertocat/core\" = \"{CORE}\"\n\n[reminders]\n{reminders}\n"
    );
    std::fs::write(&path, text).expect("config file written");
    let mut all = vec![("THREADLINE_CONFIG", path.display().to_string())];
    all.extend(env.iter().cloned());
    stack.worker().drain_secs(1).envs(&all).spawn()
}

/// Every nudge posted anywhere in the stack, oldest first.
pub fn nudges(stack: &Stack) -> Vec<StoredMessage> {
    let mut all: Vec<StoredMessage> = stack
        .discord
        .threads()
        .iter()
        .flat_map(|t| stack.discord.messages(t.id))
        .filter(|m| m.content.starts_with(NUDGE))
        .collect();
    all.sort_by_key(|m| m.id);
    all
}

/// The nudges naming `who` (`**alice**`, `**team Core**`).
pub fn nudges_for(stack: &Stack, who: &str) -> Vec<StoredMessage> {
    let needle = format!("from **{who}**");
    let all = nudges(stack);
    all.into_iter()
        .filter(|m| m.content.contains(&needle))
        .collect()
}

/// When a message was created, from its snowflake (Unix ms).
pub fn created_ms(id: u64) -> u64 {
    (id >> 22) + 1_420_070_400_000
}

/// The message in any thread whose text contains `needle`.
pub fn message_with(stack: &Stack, needle: &str) -> StoredMessage {
    let threads = stack.discord.threads();
    let found = threads
        .iter()
        .flat_map(|t| stack.discord.messages(t.id))
        .find(|m| m.content.contains(needle));
    found.unwrap_or_else(|| panic!("a message saying {needle:?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pending_review_is_nudged_after_after_then_every_up_to_max() {
    let stack = Stack::start().await;
    let _worker = worker(&stack, "after = \"6s\"\nevery = \"6s\"\nmax = 2", &[]);
    let mut h = History::new(951, 1, "Please review");
    h.opened()
        .review_requested("alice", false)
        .review_requested("zed", false);
    h.team_requested("Core", "core");
    stack.deliver_all(&h.events).await;
    eventually(Duration::from_secs(90), "two nudges each", || async {
        nudges(&stack).len() >= 6
    })
    .await;
    // Nothing is left scheduled: no third nudge can ever come.
    stack.quiesce().await;

    let requested = message_with(&stack, "requested a review from **alice**");
    let alice = nudges_for(&stack, "alice");
    assert_eq!(alice.len(), 2, "max = 2: {alice:#?}");
    let first = created_ms(alice[0].id) - created_ms(requested.id);
    assert!(
        first >= 5_900,
        "the first nudge came {first} ms after the request"
    );
    let second = created_ms(alice[1].id) - created_ms(alice[0].id);
    assert!(
        second >= 5_900,
        "the second came {second} ms after the first"
    );
    for m in &alice {
        assert_eq!(m.allowed_mentions, Some(allowed(&[ALICE], &[])), "{m:?}");
        assert!(m.content.ends_with(&format!("\n<@{ALICE}>")), "{m:?}");
    }
    let zed = nudges_for(&stack, "zed");
    assert_eq!(zed.len(), 2);
    for m in &zed {
        assert_eq!(
            m.allowed_mentions,
            Some(allowed(&[], &[])),
            "unmapped: {m:?}"
        );
        assert!(!m.content.contains("<@"), "{m:?}");
    }
    let team = nudges_for(&stack, "team Core");
    assert_eq!(team.len(), 2);
    for m in &team {
        assert_eq!(m.allowed_mentions, Some(allowed(&[], &[CORE])), "{m:?}");
        assert!(m.content.ends_with(&format!("\n<@&{CORE}>")), "{m:?}");
    }
    assert_eq!(nudges(&stack).len(), 6);
}
