//! People: mapped GitHub users and teams are pinged exactly where meant
//! (`allowed_mentions` lists exactly those ids), unmapped people never,
//! and mapped participants join the PR's thread once. Real Faktory, real
//! Redis, the real worker binary with a `THREADLINE_CONFIG`, the fake
//! Discord.

use threadline_test_support as support;

mod members;

use serde_json::json;
use support::fake_discord::StoredMessage;
use support::history::{allowed, History};
use support::stack::Stack;

pub const AUTHOR: u64 = 700_000_000_000_000_001;
pub const ALICE: u64 = 700_000_000_000_000_002;
pub const CAROL: u64 = 700_000_000_000_000_003;
pub const DAVE: u64 = 700_000_000_000_000_004;
pub const CORE: u64 = 800_000_000_000_000_001;

/// The config file every worker here reads: the fixtures' author
/// (`Codertocat`), alice, carol and dave are mapped; `Codertocat/core`
/// is a mapped team.
pub fn config_file(stack: &Stack) -> String {
    let path = std::env::temp_dir().join(format!("people-{}.toml", stack.app.namespace));
    let text = format!(
        "[people]\nCodertocat = \"{AUTHOR}\"\nalice = \"{ALICE}\"\ncarol = \"{CAROL}\"\n\
         dave = \"{DAVE}\"\n\n[teams]\n\"codertocat/core\" = \"{CORE}\"\n"
    );
    std::fs::write(&path, text).expect("config file written");
    path.display().to_string()
}

pub fn people_worker(stack: &Stack) -> support::worker::WorkerProcess {
    let env = [("THREADLINE_CONFIG", config_file(stack))];
    stack.worker().envs(&env).spawn()
}

fn the_thread(stack: &Stack) -> u64 {
    let threads = stack.discord.threads();
    assert_eq!(threads.len(), 1, "exactly one thread: {threads:?}");
    threads[0].id
}

fn one_with<'a>(messages: &'a [StoredMessage], needle: &str) -> &'a StoredMessage {
    let found: Vec<_> = messages
        .iter()
        .filter(|m| m.content.contains(needle))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one message saying {needle:?}: {messages:#?}"
    );
    found[0]
}

#[tokio::test(flavor = "multi_thread")]
async fn exactly_the_mapped_people_are_pinged_and_nobody_else() {
    let stack = Stack::start().await;
    let _worker = people_worker(&stack);
    let mut h = History::new(901, 7, "Ping the right people");
    h.opened()
        .review_requested("alice", false)
        .review_requested("zed", false);
    h.team_requested("Core", "core");
    h.team_requested("Outsiders", "outsiders");
    h.review("alice", "approved", "")
        .review("zed", "changes_requested", "Please @everyone <@&1> fix")
        .comment("zed", "hi @here");
    h.closed(true);
    h.edit_last(|v| v["pull_request"]["merged_by"]["login"] = json!("zed"));
    stack.deliver_all(&h.events).await;
    stack.quiesce().await;

    let thread = the_thread(&stack);
    let msgs = stack.discord.messages(thread);
    let alice = one_with(&msgs, "requested a review from **alice**");
    assert_eq!(alice.allowed_mentions, Some(allowed(&[ALICE], &[])));
    assert!(
        alice.content.ends_with(&format!("\n<@{ALICE}>")),
        "{alice:?}"
    );
    let team = one_with(&msgs, "requested a review from **team Core**");
    assert_eq!(team.allowed_mentions, Some(allowed(&[], &[CORE])));
    assert!(team.content.ends_with(&format!("\n<@&{CORE}>")), "{team:?}");
    let approved = one_with(&msgs, "**approved**");
    assert_eq!(approved.allowed_mentions, Some(allowed(&[AUTHOR], &[])));
    assert!(approved.content.contains(&format!("<@{AUTHOR}>")));
    let changes = one_with(&msgs, "changes requested");
    assert_eq!(changes.allowed_mentions, Some(allowed(&[AUTHOR], &[])));
    let merged = one_with(&msgs, "**merged**");
    assert_eq!(merged.allowed_mentions, Some(allowed(&[AUTHOR], &[])));
    assert!(merged.content.contains(&format!("<@{AUTHOR}>")));
    // Unmapped people and teams: their login or name, and no ping at all.
    for needle in [
        "from **zed**",
        "from **team Outsiders**",
        "**zed** commented",
    ] {
        let m = one_with(&msgs, needle);
        assert_eq!(m.allowed_mentions, Some(allowed(&[], &[])), "{m:?}");
        assert!(!m.content.contains("<@"), "no mention text: {m:?}");
    }
    for m in stack.discord.messages(stack.channel) {
        assert_eq!(
            m.allowed_mentions,
            Some(allowed(&[], &[])),
            "the intro pings nobody"
        );
    }
    // Whatever the text says, nothing beyond the ids meant is allowed.
    for m in &msgs {
        let a = m.allowed_mentions.clone().expect("allowed_mentions sent");
        assert_eq!(a["parse"], json!([]), "{m:?}");
        let ids = |k: &str| a[k].as_array().map_or(0, Vec::len);
        assert!(ids("users") + ids("roles") <= 1, "{m:?}");
    }
}
