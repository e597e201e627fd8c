//! Who may use Dibs, where, and for how long: guilds only (none in DMs,
//! only `DIBS_GUILD_IDS` when set), a hold without `for:` ends after
//! `max_hold`, `force:true` for Manage Server or the force role (saying
//! who forced whose hold), names of at most 64 characters, notes defused,
//! at most 200 resources without a list, and `/dibs forget`.

use super::{command, text, user, Dibs, ALL_ON, API_TOKEN};
use serde_json::{json, Value};
use std::time::Duration;
use support::stack::WAIT;
use support::wait::eventually;

use super::support;

const GUILD: u64 = 1_300_000_000_000_000_000;
const ROLE: u64 = 900_000_000_000_000_001;

/// `/dibs off resource force:true` by `user` with these permission bits
/// and roles.
fn forced_off(channel: u64, user: u64, resource: &str, permissions: &str, roles: &[u64]) -> Value {
    let mut body = command(channel, user, "off", &[("resource", resource)]);
    body["data"]["options"][0]["options"]
        .as_array_mut()
        .unwrap()
        .push(json!({"type": 5, "name": "force", "value": true}));
    body["member"]["permissions"] = json!(permissions);
    body["member"]["roles"] = json!(roles.iter().map(u64::to_string).collect::<Vec<_>>());
    body
}

#[tokio::test(flavor = "multi_thread")]
async fn dibs_answers_in_its_guilds_only() {
    let other = GUILD + 1;
    let dibs = Dibs::start_tweaked(ALL_ON, |d| d.guilds = vec![GUILD]).await;
    let channel = dibs.stack.channel;

    // A DM: a `user`, no `member`, no `guild_id`.
    let mut dm = command(channel, user(1), "on", &[("resource", "staging")]);
    let member = dm.as_object_mut().unwrap().remove("member").unwrap();
    dm.as_object_mut().unwrap().remove("guild_id");
    dm["user"] = member["user"].clone();
    let refused = dibs.interact(dm).await;
    assert_eq!(refused["flags"], 64, "{refused}");
    assert!(text(&refused).contains("direct messages"), "{refused}");

    let mut elsewhere = command(channel, user(1), "on", &[("resource", "staging")]);
    elsewhere["guild_id"] = json!(other.to_string());
    let refused = dibs.interact(elsewhere).await;
    assert_eq!(refused["flags"], 64, "{refused}");
    assert!(
        text(&refused).contains("not enabled in this server"),
        "{refused}"
    );
    assert_eq!(
        super::api::list(&dibs).await["resources"],
        json!([]),
        "neither took anything"
    );

    let ok = dibs.dibs(user(1), "on", &[("resource", "staging")]).await;
    assert_eq!(ok["flags"], Value::Null, "{ok}");
    assert!(text(&ok).contains("has **staging**"), "{ok}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hold_without_for_ends_after_max_hold() {
    let dibs = Dibs::start_tweaked(ALL_ON, |d| d.dibs.max_hold = Duration::from_secs(3)).await;
    let _worker = dibs.stack.worker().token("token").spawn();
    let (a, b) = (user(1), user(2));
    let took = text(&dibs.dibs(a, "on", &[("resource", "staging")]).await);
    assert!(took.contains("until <t:"), "a release is due: {took}");
    dibs.dibs(b, "on", &[("resource", "staging")]).await;
    eventually(WAIT, "a's hold to end by itself", || async {
        dibs.status("staging")
            .await
            .contains(&format!("held by <@{b}>"))
    })
    .await;
    eventually(WAIT, "a told, b told", || async {
        dibs.posted().len() >= 2
    })
    .await;
    let posted = dibs.posted();
    assert!(
        posted.iter().any(|m| m
            .content
            .starts_with(&format!("<@{a}> your time on **staging** ran out"))),
        "{posted:?}"
    );
    eventually(WAIT, "b's own hold to end too", || async {
        dibs.status("staging").await.contains("free")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn by_default_a_hold_without_for_lasts_a_day() {
    let dibs = Dibs::start(ALL_ON).await;
    let before = chrono::Utc::now();
    dibs.dibs(user(1), "on", &[("resource", "staging")]).await;
    let scheduled = dibs.stack.faktory.set_jobs("scheduled").await;
    let releases: Vec<&Value> = scheduled
        .iter()
        .filter(|j| j["jobtype"] == "dibs.release")
        .collect();
    assert_eq!(releases.len(), 1, "its release is queued: {scheduled:?}");
    let at = chrono::DateTime::parse_from_rfc3339(releases[0]["at"].as_str().unwrap()).unwrap();
    let minutes = (at.with_timezone(&chrono::Utc) - before).num_minutes();
    assert!((23 * 60..=24 * 60).contains(&minutes), "{minutes} min");
}

#[tokio::test(flavor = "multi_thread")]
async fn force_needs_manage_server_or_the_role_and_says_who() {
    let dibs = Dibs::start_tweaked(ALL_ON, |d| d.dibs.force_role = Some(ROLE)).await;
    let _worker = dibs.stack.worker().token("token").spawn();
    let channel = |_: u64| dibs.stack.discord.add_text_channel();
    let (a, b, c, d, e) = (user(1), user(2), user(3), user(4), user(5));
    let (in_a, in_b) = (channel(a), channel(b));
    dibs.dibs_in(in_a, a, "on", &[("resource", "staging")])
        .await;
    dibs.dibs_in(in_b, b, "on", &[("resource", "staging")])
        .await;

    // Send Messages and the like, but not Manage Server (0x20).
    let refused = dibs
        .interact(forced_off(dibs.stack.channel, c, "staging", "2048", &[]))
        .await;
    assert_eq!(refused["flags"], 64, "{refused}");
    assert!(text(&refused).contains("Manage Server"), "{refused}");
    assert!(dibs
        .status("staging")
        .await
        .contains(&format!("held by <@{a}>")));

    let forced = dibs
        .interact(forced_off(dibs.stack.channel, d, "staging", "32", &[]))
        .await;
    assert_eq!(forced["flags"], Value::Null, "public: {forced}");
    assert_eq!(
        text(&forced),
        format!("<@{d}> forced the release of **staging**, held by <@{a}>; <@{b}> has it now.")
    );
    eventually(WAIT, "a and b told", || async {
        !dibs.stack.discord.messages(in_a).is_empty()
            && !dibs.stack.discord.messages(in_b).is_empty()
    })
    .await;
    let told_a = &dibs.stack.discord.messages(in_a)[0].content;
    assert!(
        told_a.starts_with(&format!(
            "<@{a}> your hold on **staging** was released by <@{d}>"
        )),
        "{told_a}"
    );
    let told_b = &dibs.stack.discord.messages(in_b)[0].content;
    assert!(
        told_b.contains(&format!("<@{d}> forced the release of <@{a}>'s hold")),
        "{told_b}"
    );

    // The role, without the permission.
    let by_role = dibs
        .interact(forced_off(dibs.stack.channel, e, "staging", "0", &[ROLE]))
        .await;
    assert!(
        text(&by_role).contains(&format!("held by <@{b}>; it is free")),
        "{by_role}"
    );
    assert!(dibs.status("staging").await.contains("free"));
}

#[tokio::test(flavor = "multi_thread")]
async fn names_are_bounded_and_notes_defused() {
    let dibs = Dibs::start(ALL_ON).await;
    let longest = "s".repeat(64);
    let ok = dibs.dibs(user(1), "on", &[("resource", &longest)]).await;
    assert_eq!(ok["flags"], Value::Null, "64 characters are a name: {ok}");
    let long = dibs
        .dibs(user(1), "on", &[("resource", &"s".repeat(65))])
        .await;
    assert_eq!(long["flags"], 64, "{long}");
    assert!(text(&long).contains("at most 64"), "{long}");
    let body = json!({"action": "take", "holder": "ci"});
    let (status, _) = super::api::call(&dibs, API_TOKEN, &"s".repeat(65), body).await;
    assert_eq!(status, 400);

    let note = "deploying @everyone @here [github.com](https://evil.example)";
    dibs.dibs(user(2), "on", &[("resource", "staging"), ("note", note)])
        .await;
    let status = dibs.status("staging").await;
    assert!(status.contains("deploying @\u{200b}everyone"), "{status}");
    assert!(
        !status.contains("@everyone") && !status.contains("@here"),
        "{status}"
    );
    assert!(!status.contains("]("), "a masked link is broken: {status}");
    let listed = text(&dibs.dibs(user(3), "list", &[]).await);
    assert!(!listed.contains("@everyone"), "{listed}");
}

#[tokio::test(flavor = "multi_thread")]
async fn at_most_two_hundred_resources_and_forget_removes_an_unheld_one() {
    let dibs = Dibs::start(ALL_ON).await;
    for n in 0..200 {
        let body = json!({"action": "take", "holder": "ci"});
        let (status, state) = super::api::call(&dibs, API_TOKEN, &format!("r{n}"), body).await;
        assert_eq!(status, 200, "{state}");
    }
    let refused = dibs.dibs(user(1), "on", &[("resource", "one-more")]).await;
    assert_eq!(refused["flags"], 64, "{refused}");
    assert!(text(&refused).contains("200 resources"), "{refused}");
    let body = json!({"action": "take", "holder": "ci"});
    let (status, _) = super::api::call(&dibs, API_TOKEN, "one-more", body.clone()).await;
    assert_eq!(status, 409);
    let again = dibs.dibs(user(1), "on", &[("resource", "r7")]).await;
    assert!(
        text(&again).contains("held by `api:ci`"),
        "a known one still works: {again}"
    );

    let held = dibs.dibs(user(1), "forget", &[("resource", "r7")]).await;
    assert_eq!(held["flags"], 64, "a held resource stays: {held}");
    let release = json!({"action": "release", "holder": "ci"});
    let (status, _) = super::api::call(&dibs, API_TOKEN, "r8", release).await;
    assert_eq!(status, 200);
    let forgot = dibs.dibs(user(1), "forget", &[("resource", "r8")]).await;
    assert_eq!(forgot["flags"], Value::Null, "{forgot}");
    let listed = super::api::list(&dibs).await;
    assert_eq!(listed["resources"].as_array().unwrap().len(), 200 - 1);
    let took = dibs.dibs(user(1), "on", &[("resource", "one-more")]).await;
    assert!(
        text(&took).contains("has **one-more**"),
        "room again: {took}"
    );
}
