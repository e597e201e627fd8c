//! What `/dibs` reads of a Discord interaction, and who may run what:
//! guilds only (none in DMs, and only `DIBS_GUILD_IDS` when set), and
//! `force:true` only for members with Manage Server (or Administrator)
//! or the `[dibs] force_role`. The endpoint (`interactions.rs`) verifies
//! the request and hands over the parsed [`Invocation`]; this runs it.

use super::DibsWeb;
use crate::dibs::Entry;
use crate::web::dibs_commands::{self, Answer, Command};
use serde::Deserialize;
use serde_json::Value;

/// Permission bits of `member.permissions` (Discord's computed ones).
const ADMINISTRATOR: u64 = 1 << 3;
const MANAGE_GUILD: u64 = 1 << 5;
/// The longest note kept, in characters.
const NOTE_MAX: usize = 200;

/// The parts of an APPLICATION_COMMAND interaction `/dibs` uses.
#[derive(Debug, Default, Deserialize)]
pub struct Invocation {
    /// Absent in DMs.
    #[serde(default)]
    guild_id: Option<String>,
    #[serde(default)]
    channel_id: Option<String>,
    /// Present in guilds: the user, their permissions and roles.
    #[serde(default)]
    member: Option<Member>,
    /// Present in DMs instead of `member`.
    #[serde(default)]
    user: Option<User>,
    #[serde(default)]
    data: Option<Data>,
}

#[derive(Debug, Deserialize)]
struct Member {
    user: User,
    /// A decimal string of permission bits.
    #[serde(default)]
    permissions: Option<String>,
    #[serde(default)]
    roles: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct User {
    id: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    global_name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Data {
    name: String,
    #[serde(default)]
    options: Vec<Opt>,
}

#[derive(Debug, Deserialize)]
struct Opt {
    name: String,
    #[serde(default)]
    value: Option<Value>,
    #[serde(default)]
    options: Vec<Opt>,
}

/// Runs a `/dibs` command; a refusal or failure is answered to its
/// reader only.
pub async fn run(dibs: &DibsWeb, inv: Invocation) -> Answer {
    if let Err(why) = place(dibs, &inv) {
        let guild = inv.guild_id.as_deref().unwrap_or("none (a DM)");
        log::info!("interaction refused: guild={guild}: {why}");
        return Answer::error(why.into());
    }
    let may_force = may_force(dibs, inv.member.as_ref());
    let Some(user) = inv.member.map(|m| m.user).or(inv.user) else {
        return Answer::error("no user in this interaction".into());
    };
    let who = Entry {
        name: user.global_name.clone().unwrap_or(user.username.clone()),
        id: user.id,
        channel: inv.channel_id.unwrap_or_default(),
        ..Entry::default()
    };
    let parsed = match inv.data {
        Some(data) if data.name == "dibs" => parse(&data.options),
        _ => Err("unknown command".into()),
    };
    let command = match parsed {
        Ok(command) => command,
        Err(why) => return Answer::error(why),
    };
    if matches!(command, Command::Off { force: true, .. }) && !may_force {
        return Answer::error(
            "Forcing a release needs the Manage Server permission or the role \
             Threadline's `[dibs] force_role` names."
                .into(),
        );
    }
    let said = format!("{command:?}");
    let user = who.id.clone();
    let answer = match dibs_commands::run(dibs, command, who).await {
        Ok(answer) => answer,
        Err(e) => {
            log::error!("dibs command failed: {e:#}");
            Answer::error("Dibs is unavailable right now (Redis); try again.".into())
        }
    };
    log::info!(
        "interaction user={user} command={said} error={}",
        answer.ephemeral
    );
    answer
}

/// `/dibs` answers in guilds only: a DM has no shared resources, and a
/// guild outside `DIBS_GUILD_IDS` is not one this install serves.
fn place(dibs: &DibsWeb, inv: &Invocation) -> Result<(), &'static str> {
    let Some(guild) = inv.guild_id.as_deref() else {
        return Err("`/dibs` works in a server's channels only, not in direct messages.");
    };
    let listed = |g: &u64| guild.parse::<u64>().ok() == Some(*g);
    if !dibs.guilds.is_empty() && !dibs.guilds.iter().any(listed) {
        return Err("`/dibs` is not enabled in this server.");
    }
    Ok(())
}

/// Manage Server, Administrator, or the configured force role.
fn may_force(dibs: &DibsWeb, member: Option<&Member>) -> bool {
    let Some(member) = member else {
        return false;
    };
    let bits = member
        .permissions
        .as_deref()
        .and_then(|p| p.parse::<u64>().ok())
        .unwrap_or(0);
    let role = dibs.settings.force_role.map(|r| r.to_string());
    bits & (MANAGE_GUILD | ADMINISTRATOR) != 0 || role.is_some_and(|r| member.roles.contains(&r))
}

/// The subcommand and its options (names as registered).
fn parse(options: &[Opt]) -> Result<Command, String> {
    let sub = options.first().ok_or("missing subcommand")?;
    let value = |name: &str| sub.options.iter().find(|o| o.name == name)?.value.as_ref();
    let text = |name: &str| value(name)?.as_str().map(str::to_string);
    let resource = || text("resource").ok_or_else(|| "missing option resource".to_string());
    match sub.name.as_str() {
        "on" => Ok(Command::On {
            resource: resource()?,
            hold: text("for").map(|raw| hold(&raw)).transpose()?,
            note: text("note")
                .unwrap_or_default()
                .chars()
                .take(NOTE_MAX)
                .collect(),
        }),
        "off" => Ok(Command::Off {
            resource: resource()?,
            force: value("force").is_some_and(|v| v.as_bool() == Some(true) || v == "true"),
        }),
        "forget" => Ok(Command::Forget {
            resource: resource()?,
        }),
        "list" => Ok(Command::List),
        "status" => Ok(Command::Status {
            resource: resource()?,
        }),
        other => Err(format!("unknown subcommand {other}")),
    }
}

fn hold(raw: &str) -> Result<std::time::Duration, String> {
    match crate::duration::parse(raw) {
        Some(d) if !d.is_zero() && d <= crate::dibs::MAX_FOR => Ok(d),
        _ => Err(format!(
            "`{}` is not a duration up to 7d (e.g. 90s, 1h30m, 2d)",
            crate::dibs::render::safe(raw)
        )),
    }
}
