//! The config file's contract: the README's example parses, defaults
//! apply, and every refusal names its key.

use super::*;

const EXAMPLE: &str = r#"
[[routes]]
repo = "acme/rocket"
channel = "600000000000000002"

[routes.filters]
labels_include = ["ship-it"]
bots = "forward"

[[routes]]
repo = "acme/*"
channel = 600000000000000003

[[routes]]
repo = "acme/secret"
mute = true

[people]
OctoCat = "700000000000000001"

[teams]
"acme/core" = "800000000000000001"

[filters]
bot_allowlist = ["renovate[bot]"]
drafts = "hold"

[forum]
tags = { open = "Open", merged = "Shipped" }

[reminders]
after = "1h30m"
quiet_hours = { from = "19:00", to = "08:00", tz = "Europe/Berlin", weekends = true }

[dibs]
resources = ["Staging", "device-1"]
"#;

fn env(fallback: Option<u64>) -> EnvOverrides {
    EnvOverrides {
        fallback,
        ..Default::default()
    }
}

#[test]
fn the_example_parses_with_defaults_applied() {
    let c = Config::parse(EXAMPLE, &env(Some(9))).expect("example parses");
    assert_eq!(c.person("octocat"), Some(700000000000000001));
    assert_eq!(c.team("ACME/core"), Some(800000000000000001));
    assert_eq!(c.forum.merged, "Shipped");
    assert_eq!(c.forum.open, "Open");
    assert_eq!(c.dibs.resources, vec!["staging", "device-1"]);
    let r = c.reminders.clone().expect("reminders on");
    assert_eq!(r.after, Duration::from_secs(5400));
    assert_eq!((r.every, r.max), (Duration::from_secs(86_400), 2));
    let rocket = c.filters_for("acme/rocket");
    assert_eq!(rocket.labels_include, vec!["ship-it"]);
    assert_eq!(rocket.bots, Bots::Forward);
    assert_eq!(
        rocket.drafts,
        Drafts::Hold,
        "route inherits what it does not set"
    );
    assert_eq!(rocket.labels_exclude, vec!["no-thread"]);
}

#[test]
fn first_matching_route_wins_then_fallback() {
    let c = Config::parse(EXAMPLE, &env(Some(9))).expect("parses");
    let to = |repo: &str| match c.destination(repo) {
        Destination::Channel {
            channel, qualified, ..
        } => format!("{channel}:{qualified}"),
        Destination::Muted => "muted".into(),
        Destination::Unrouted => "unrouted".into(),
    };
    assert_eq!(to("Acme/Rocket"), "600000000000000002:false");
    assert_eq!(to("acme/other"), "600000000000000003:true");
    assert_eq!(
        to("acme/secret"),
        "600000000000000003:true",
        "first match wins"
    );
    assert_eq!(
        to("else/where"),
        "9:true",
        "the fallback while routes exist"
    );
    let c = Config::parse(EXAMPLE, &env(None)).expect("parses");
    assert!(matches!(c.destination("else/where"), Destination::Unrouted));
}

#[test]
fn without_a_file_everything_goes_to_the_fallback_unqualified() {
    let c = Config::without_file(&env(Some(5)));
    assert!(matches!(
        c.destination("a/b"),
        Destination::Channel {
            channel: 5,
            qualified: false,
            ..
        }
    ));
    assert!(c.reminders.is_none());
    assert_eq!(c.filters.labels_exclude, vec!["no-thread"]);
}

#[test]
fn refusals_name_the_key() {
    let cases = [
        ("[[routes]]\nrepo = \"a/b\"\nchanel = \"1\"\n", "chanel"),
        (
            "[[routes]]\nrepo = \"a/b\"\nchannel = \"12x\"\n",
            "routes[0].channel",
        ),
        (
            "[[routes]]\nrepo = \"a\"\nchannel = \"1\"\n",
            "routes[0].repo",
        ),
        ("[[routes]]\nrepo = \"a/b\"\n", "routes[0].channel"),
        ("[filters]\nbots = \"maybe\"\n", "filters.bots"),
        ("[people]\nocto = \"cat\"\n", "people.\"octo\""),
        ("[reminders]\nafter = \"10\"\n", "reminders.after"),
        (
            "[reminders]\nquiet_hours = { from = \"7pm\", to = \"08:00\", tz = \"UTC\" }\n",
            "quiet_hours.from",
        ),
        (
            "[reminders]\nquiet_hours = { from = \"19:00\", to = \"08:00\", tz = \"Mars/Base\" }\n",
            "quiet_hours.tz",
        ),
        (
            "[[routes]]\nrepo = \"a/b\"\nchannel = \"1\"\n[routes.filters]\ndrafts = \"later\"\n",
            "routes[0].filters.drafts",
        ),
    ];
    for (text, key) in cases {
        let err = format!("{:#}", Config::parse(text, &env(None)).expect_err(text));
        assert!(
            err.contains(key),
            "{text:?} gave {err:?}, which does not name {key}"
        );
    }
    let err = format!(
        "{:#}",
        Config::parse("[[routes]]\nrepo = \"a/b\"\nchanel = \"1\"\n", &env(None)).unwrap_err()
    );
    assert!(err.contains("line 3"), "the parser's line is kept: {err}");
}

#[test]
fn env_turns_reminders_off_and_bots_default() {
    let off = EnvOverrides {
        reminders_off: true,
        forward_bots: true,
        ..Default::default()
    };
    let c = Config::parse(EXAMPLE, &off).expect("parses");
    assert!(c.reminders.is_none());
    assert_eq!(c.filters.bots, Bots::Forward);
    let c = Config::parse("[filters]\nbots = \"ignore\"\n", &off).expect("parses");
    assert_eq!(
        c.filters.bots,
        Bots::Ignore,
        "the file's own bots wins over the env default"
    );
}

#[test]
fn embeds_follow_the_route_then_the_top_level_key() {
    let off = Config::parse("", &env(Some(9))).expect("parses");
    assert!(!off.embeds_for(Some("o/r")) && !off.embeds_for(None));
    let text = "embeds = true\n\
                [[routes]]\nrepo = \"acme/quiet\"\nchannel = \"1\"\nembeds = false\n\
                [[routes]]\nrepo = \"acme/*\"\nchannel = \"2\"\n";
    let c = Config::parse(text, &env(Some(9))).expect("parses");
    assert!(!c.embeds_for(Some("acme/quiet")));
    assert!(c.embeds_for(Some("acme/rocket")), "inherits the top level");
    assert!(c.embeds_for(Some("elsewhere/x")) && c.embeds_for(None));
    assert!(Config::parse("embeds = \"yes\"", &env(None)).is_err());
}

#[test]
fn the_readmes_ci_keys_parse_top_level_and_per_route() {
    use super::ci::CiMode;
    let c = Config::parse(&readme_example(), &EnvOverrides::default()).unwrap();
    assert_eq!(c.ci_for("acme/other").mode, CiMode::Summary);
    let rocket = c.ci_for("acme/rocket");
    assert_eq!(rocket.mode, CiMode::Summary, "inherited");
    assert!(rocket.ignores("codecov/patch") && rocket.ignores("Docs"));
    assert!(!c.ci_for("acme/other").ignores("docs"));
    let off = Config::parse("[ci]\nmode = \"off\"\n", &EnvOverrides::default()).unwrap();
    assert_eq!(off.ci_for("x/y").mode, CiMode::Off);
    assert!(Config::parse("[ci]\nping = true\n", &EnvOverrides::default()).is_err());
}

/// The ```toml block of README's "The config file".
fn readme_example() -> String {
    let readme = include_str!("../../README.md");
    let section = &readme[readme.find("## The config file").unwrap_or(0)..];
    let start = section
        .find("```toml\n")
        .map_or(0, |i| i + "```toml\n".len());
    let end = section[start..]
        .find("```")
        .map_or(section.len(), |e| start + e);
    section[start..end].to_string()
}
