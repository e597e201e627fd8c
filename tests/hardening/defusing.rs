//! GitHub text a user controls renders no mention anywhere: a head
//! branch named `@everyone` or `<@&123>`, a line comment on `@here.md`.
//! `allowed_mentions` stops every ping regardless; these must not even
//! show as one, and `allowed_mentions` stays explicit.

use crate::support::history::History;
use crate::support::stack::Stack;
use crate::{assert_no_dead, deliver};
use serde_json::json;

fn assert_defused(text: &str) {
    for live in ["@everyone", "@here", "<@"] {
        assert!(!text.contains(live), "{live:?} in {text:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn branch_names_and_paths_render_no_mention() {
    let stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    let mut h = History::new(9331, 4, "Branches");
    h.opened().edit_last(|v| {
        v["pull_request"]["head"]["label"] = json!("mallory:@everyone`<@&123>`");
        v["pull_request"]["head"]["ref"] = json!("@everyone`<@&123>`");
        v["pull_request"]["base"]["ref"] = json!("main");
    });
    h.line_comment(555, 9101, "on a path").edit_last(|v| {
        v["comment"]["path"] = json!("@here.md");
    });
    h.line_comment(555, 9102, "on another").edit_last(|v| {
        v["comment"]["path"] = json!("docs/<@&42>.md");
    });
    deliver(&stack, &mut h).await;

    let thread = stack.discord.threads()[0].id;
    let intro = &stack.discord.messages(stack.channel)[0];
    assert!(intro.content.contains("mallory:"), "{}", intro.content);
    let batch = &stack.discord.messages(thread)[0];
    assert!(batch.content.contains("here.md"), "{}", batch.content);
    for m in [intro, batch] {
        assert_defused(&m.content);
        assert_eq!(m.allowed_mentions, Some(json!({ "parse": [] })));
    }
    assert_no_dead(&stack).await;
}
