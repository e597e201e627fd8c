//! Link previews: every message the worker sends or edits carries
//! `flags: SUPPRESS_EMBEDS` (4), so that a URL in a comment unfurls
//! nothing, unless the config says `embeds = true`.

use crate::support::configured::Configured;
use crate::support::history::History;
use crate::support::stack::Stack;
use crate::{assert_no_dead, deliver};
use serde_json::Value;

/// The `flags` of every request that sends or edits a message.
fn message_flags(stack: &Stack) -> Vec<(String, Value)> {
    let requests = stack.discord.requests();
    let sending = requests.iter().filter(|r| {
        let message = r.method == "POST" && r.path.ends_with("/messages");
        let edit = r.method == "PATCH" && r.path.contains("/messages/");
        message || edit
    });
    sending
        .map(|r| (format!("{} {}", r.method, r.path), r.body["flags"].clone()))
        .collect()
}

/// A PR, a comment with a link, and its edit (a PATCH of the message).
async fn story(stack: &Stack, repo: u64) {
    let mut h = History::new(repo, 1, "Links");
    h.opened()
        .comment("alice", "see https://example.com/pic.png");
    deliver(stack, &mut h).await;
    let id = h.last_comment_id();
    h.comment_edited(id, "alice", "see https://example.com/other.png");
    deliver(stack, &mut h).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_message_suppresses_embeds_by_default() {
    let stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    story(&stack, 9321).await;
    let flags = message_flags(&stack);
    assert!(flags.len() >= 3, "intro, comment, edit: {flags:#?}");
    assert!(flags.iter().any(|(r, _)| r.starts_with("PATCH")));
    for (request, flag) in &flags {
        assert_eq!(flag, &Value::from(4), "{request}");
    }
    for m in stack.discord.messages(stack.channel) {
        assert_eq!(m.flags, 4);
    }
    assert_no_dead(&stack).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn embeds_true_turns_link_previews_back_on() {
    let configured = Configured::start(|_, _| "embeds = true\n".to_string()).await;
    let stack = &configured.stack;
    let _worker = configured.worker().spawn();
    story(stack, 9322).await;
    let flags = message_flags(stack);
    assert!(flags.len() >= 3, "{flags:#?}");
    for (request, flag) in &flags {
        assert!(flag.as_u64().unwrap_or(0) & 4 == 0, "{request}: {flag}");
    }
    assert_no_dead(stack).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_route_decides_for_its_repository() {
    let configured = Configured::start(|_, channel| {
        format!(
            "embeds = true\n[[routes]]\nrepo = \"o/r\"\nchannel = \"{channel}\"\nembeds = false\n"
        )
    })
    .await;
    let stack = &configured.stack;
    let _worker = configured.worker().spawn();
    story(stack, 9323).await;
    let flags = message_flags(stack);
    assert!(flags.len() >= 3, "{flags:#?}");
    for (request, flag) in &flags {
        assert_eq!(flag, &Value::from(4), "{request}");
    }
}
