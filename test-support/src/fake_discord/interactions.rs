//! Discord's application and interaction routes: `GET /applications/@me`,
//! the bulk overwrite of an application's commands (global, or one
//! guild's), which stores and returns them, and the interaction webhook's
//! follow-up message and edit of the original answer. Webhook routes are
//! authorised by their token in the path, not by the bot token.

use super::reply::Reply;
use super::state::State;
use super::FakeDiscord;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The fake application's id (the bot's application).
pub const APPLICATION_ID: u64 = 1_000_000_000_000_000_002;

/// Message bodies, each with the interaction token it was sent with.
pub type Tokened = Vec<(String, Value)>;

/// Commands by (application, guild), follow-ups and edits by token.
#[derive(Default)]
pub(super) struct Interactions {
    commands: BTreeMap<(u64, Option<u64>), Vec<Value>>,
    followups: Tokened,
    edits: Tokened,
}

/// An application or interaction route, with its ids.
#[derive(Clone, Copy, Debug)]
pub(super) enum Call {
    CurrentApplication,
    SetCommands(u64, Option<u64>),
    Followup(u64),
    EditOriginal(u64),
}

impl Call {
    /// The call for `segments` (below `/api/v10/`), if it is one.
    pub(super) fn parse(method: &str, segments: &[&str]) -> Option<Result<Call, Reply>> {
        let id = |s: &str| {
            s.parse::<u64>()
                .map_err(|_| Reply::invalid_form("id", "Value is not snowflake."))
        };
        let call = match (method, segments) {
            ("GET", ["applications", "@me"]) => Ok(Call::CurrentApplication),
            ("PUT", ["applications", app, "commands"]) => {
                id(app).map(|a| Call::SetCommands(a, None))
            }
            ("PUT", ["applications", app, "guilds", guild, "commands"]) => {
                id(app).and_then(|a| Ok(Call::SetCommands(a, Some(id(guild)?))))
            }
            ("POST", ["webhooks", app, _token]) => id(app).map(Call::Followup),
            ("PATCH", ["webhooks", app, _token, "messages", "@original"]) => {
                id(app).map(Call::EditOriginal)
            }
            _ => return None,
        };
        Some(call)
    }

    /// True for routes that need no bot token.
    pub(super) fn is_webhook(path: &str) -> bool {
        path.starts_with("/api/v10/webhooks/")
    }
}

pub(super) fn execute(
    st: &mut State,
    call: Call,
    path: &str,
    body: &Value,
) -> Result<Reply, Reply> {
    match call {
        Call::CurrentApplication => Ok(Reply::ok(application())),
        Call::SetCommands(app, guild) => set_commands(st, app, guild, body),
        Call::Followup(app) | Call::EditOriginal(app) => {
            if app != APPLICATION_ID {
                return Err(Reply::error(404, 10015, "Unknown Webhook"));
            }
            let token = path.split('/').nth(5).unwrap_or_default().to_string();
            let id = st.next_id();
            let message = json!({
                "id": id.to_string(), "channel_id": "0", "type": 0,
                "content": body["content"].as_str().unwrap_or_default(),
                "author": {"id": APPLICATION_ID.to_string(), "username": "threadline", "discriminator": "0000"},
                "attachments": [], "embeds": [], "mentions": [], "mention_roles": [],
                "mention_everyone": false, "pinned": false, "tts": false,
                "timestamp": super::messages::TIMESTAMP,
            });
            let list = match call {
                Call::Followup(_) => &mut st.interactions.followups,
                _ => &mut st.interactions.edits,
            };
            list.push((token, body.clone()));
            Ok(Reply::ok(message))
        }
    }
}

/// Stores the commands (a bulk overwrite replaces them all) with ids.
fn set_commands(
    st: &mut State,
    app: u64,
    guild: Option<u64>,
    body: &Value,
) -> Result<Reply, Reply> {
    if app != APPLICATION_ID {
        return Err(Reply::error(
            403,
            20012,
            "You are not authorized to perform this action on this application",
        ));
    }
    let Some(list) = body.as_array() else {
        return Err(Reply::invalid_form("_root", "Must be an array."));
    };
    let mut stored = Vec::new();
    for command in list {
        let Some(name) = command["name"]
            .as_str()
            .filter(|n| (1..=32).contains(&n.len()))
        else {
            return Err(Reply::invalid_form(
                "name",
                "Must be between 1 and 32 in length.",
            ));
        };
        for (field, allowed) in [("contexts", 0..=2), ("integration_types", 0..=1)] {
            check_enum_list(&command[field], allowed).map_err(|e| Reply::invalid_form(field, e))?;
        }
        let mut command = command.clone();
        command["id"] = json!(st.next_id().to_string());
        command["application_id"] = json!(APPLICATION_ID.to_string());
        command["version"] = json!(st.next_id().to_string());
        if let Some(g) = guild {
            command["guild_id"] = json!(g.to_string());
        }
        command["name"] = json!(name);
        stored.push(command);
    }
    st.interactions
        .commands
        .insert((app, guild), stored.clone());
    Ok(Reply::ok(Value::Array(stored)))
}

/// `contexts` and `integration_types` as the OpenAPI description has
/// them: absent, null, or a non-empty list of unique known values
/// (`InteractionContextType` 0–2, `ApplicationIntegrationType` 0–1).
fn check_enum_list(
    value: &Value,
    allowed: std::ops::RangeInclusive<u64>,
) -> Result<(), &'static str> {
    let list = match value {
        Value::Null => return Ok(()),
        Value::Array(list) if !list.is_empty() => list,
        _ => return Err("Must be a non-empty array."),
    };
    let mut seen = Vec::new();
    for v in list {
        let n = v.as_u64().filter(|n| allowed.contains(n));
        match n {
            Some(n) if !seen.contains(&n) => seen.push(n),
            Some(_) => return Err("Items must be unique."),
            None => return Err("Value is not a valid enum value."),
        }
    }
    Ok(())
}

fn application() -> Value {
    json!({
        "id": APPLICATION_ID.to_string(),
        "name": "threadline",
        "icon": null,
        "description": "",
        "bot_public": true,
        "bot_require_code_grant": false,
        "verify_key": "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "team": null,
        "flags": 0,
    })
}

impl FakeDiscord {
    /// The commands registered for `guild` (`None`: global).
    pub fn commands(&self, guild: Option<u64>) -> Vec<Value> {
        let st = self.lock();
        let found = st.interactions.commands.get(&(APPLICATION_ID, guild));
        found.cloned().unwrap_or_default()
    }

    /// Bodies of interaction follow-ups and edits of original answers,
    /// each with its interaction token.
    pub fn interaction_messages(&self) -> (Tokened, Tokened) {
        let st = self.lock();
        (
            st.interactions.followups.clone(),
            st.interactions.edits.clone(),
        )
    }
}
