//! `threadline commands register` against the fake Discord: run twice,
//! one `/dibs` command is registered (a bulk overwrite), with the
//! application id asked of Discord when not given.

use std::process::Command;
use support::fake_discord::{FakeDiscord, APPLICATION_ID};

use super::support;

fn register(discord: &FakeDiscord, extra: &[&str], env: &[(&str, String)]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_threadline"));
    cmd.args(["commands", "register"])
        .args(extra)
        .env("DISCORD_TOKEN", "token")
        .env("DISCORD_API_URL", discord.base_url())
        .env_remove("DISCORD_APPLICATION_ID");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the threadline binary runs")
}

#[test]
fn registering_twice_leaves_one_command() {
    let discord = FakeDiscord::start();
    for _ in 0..2 {
        let out = register(&discord, &[], &[]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("registered 1 command(s) globally"));
    }
    let commands = discord.commands(None);
    assert_eq!(commands.len(), 1);
    assert_eq!(commands[0]["name"], "dibs");
    let subs: Vec<&str> = commands[0]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(subs, ["on", "off", "list", "status", "forget"]);
    assert_eq!(
        commands[0]["contexts"],
        serde_json::json!([0]),
        "guilds only"
    );
    assert_eq!(commands[0]["integration_types"], serde_json::json!([0]));
    let off = &commands[0]["options"][1]["options"];
    assert_eq!(off[1]["name"], "force");
    assert_eq!(off[1]["type"], 5, "a boolean");
    let on = &commands[0]["options"][0]["options"];
    let names: Vec<&str> = on
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["resource", "for", "note"]);
    let asked = discord
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/applications/@me"))
        .count();
    assert_eq!(asked, 2, "the application id was asked of Discord");

    let app = [("DISCORD_APPLICATION_ID", APPLICATION_ID.to_string())];
    let out = register(&discord, &["--guild", "1300000000000000000"], &app);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(discord.commands(Some(1_300_000_000_000_000_000)).len(), 1);
    let bad = register(&discord, &["--guild", "x"], &app);
    assert_eq!(bad.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_fake_checks_contexts_and_integration_types() {
    let discord = FakeDiscord::start();
    let http = reqwest::Client::new();
    let url = format!(
        "{}/api/v10/applications/{APPLICATION_ID}/commands",
        discord.base_url()
    );
    let put = |command: serde_json::Value| {
        http.put(&url)
            .header("Authorization", "Bot token")
            .json(&serde_json::json!([command]))
            .send()
    };
    let base = serde_json::json!({"name": "dibs", "description": "d", "type": 1});
    for (field, bad) in [
        ("contexts", serde_json::json!([3])),
        ("contexts", serde_json::json!([])),
        ("contexts", serde_json::json!([0, 0])),
        ("integration_types", serde_json::json!([2])),
        ("integration_types", serde_json::json!("0")),
    ] {
        let mut command = base.clone();
        command[field] = bad.clone();
        let res = put(command).await.unwrap();
        assert_eq!(res.status(), 400, "{field}: {bad}");
    }
    let mut good = base.clone();
    good["contexts"] = serde_json::json!([0]);
    good["integration_types"] = serde_json::json!([0]);
    assert_eq!(put(good).await.unwrap().status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_fake_takes_interaction_follow_ups_and_edits() {
    let discord = FakeDiscord::start();
    let http = reqwest::Client::new();
    let base = format!(
        "{}/api/v10/webhooks/{APPLICATION_ID}/tok",
        discord.base_url()
    );
    let body = serde_json::json!({"content": "later", "allowed_mentions": {"parse": []}});
    let posted = http.post(&base).json(&body).send().await.unwrap();
    assert_eq!(posted.status(), 200, "no bot token needed");
    let message: serde_json::Value = posted.json().await.unwrap();
    assert_eq!(message["content"], "later");
    let edited = http
        .patch(format!("{base}/messages/@original"))
        .json(&serde_json::json!({"content": "edited"}))
        .send()
        .await
        .unwrap();
    assert_eq!(edited.status(), 200);
    let unknown = format!("{}/api/v10/webhooks/1/tok", discord.base_url());
    assert_eq!(
        http.post(unknown)
            .json(&body)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let (followups, edits) = discord.interaction_messages();
    assert_eq!(followups, vec![("tok".to_string(), body)]);
    assert_eq!(edits[0].1["content"], "edited");
}
