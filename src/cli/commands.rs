//! `threadline commands register [--guild ID]`: registers `/dibs` with
//! Discord through twilight-http, as a bulk overwrite of the application's
//! commands (global, or one guild's, which update at once), so running it
//! again is harmless. The application id is `DISCORD_APPLICATION_ID`, or
//! Discord's answer to `GET /applications/@me`.

use super::{Args, Failure, Outcome};
use crate::settings::CliSettings;
use anyhow::Context as _;
use serde_json::json;
use twilight_model::application::command::Command;
use twilight_model::id::Id;

pub async fn run(argv: &[String]) -> Outcome {
    let args = Args::parse(argv, &["guild"], &[])?;
    match args.positional.as_slice() {
        [verb] if verb == "register" => {}
        _ => return Err(Failure::Usage("expected `commands register`".into())),
    }
    let guild = match args.value("guild") {
        None => None,
        Some(raw) => Some(
            raw.parse::<u64>()
                .ok()
                .filter(|g| *g > 0)
                .ok_or_else(|| Failure::Usage(format!("--guild {raw:?} is not an id")))?,
        ),
    };
    let settings = CliSettings::from_env()?;
    let client = client(&settings)?;
    let app = match settings.discord_application_id {
        Some(id) => id,
        None => application_id(&client).await?,
    };
    let commands = [dibs_command()?];
    let interactions = client.interaction(Id::new_checked(app).context("application id 0")?);
    let response = match guild {
        Some(g) => {
            let guild = Id::new_checked(g).context("guild id 0")?;
            interactions.set_guild_commands(guild, &commands).await
        }
        None => interactions.set_global_commands(&commands).await,
    }
    .context("registering the commands")?;
    let body = response.bytes().await.context("reading Discord's answer")?;
    let registered: Vec<serde_json::Value> =
        serde_json::from_slice(&body).context("reading the registered commands")?;
    let names: Vec<&str> = registered
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    let scope = guild.map_or("globally".to_string(), |g| format!("in guild {g}"));
    println!(
        "registered {} command(s) {scope} for application {app}: /{}",
        names.len(),
        names.join(", /")
    );
    Ok(())
}

/// A twilight client for `DISCORD_API_URL` (plain HTTP for a local one).
fn client(settings: &CliSettings) -> Result<twilight_http::Client, Failure> {
    let token = settings
        .discord_token
        .as_ref()
        .ok_or_else(|| Failure::Usage("DISCORD_TOKEN is not set".into()))?;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let builder = twilight_http::Client::builder().token(token.expose().to_string());
    let url = settings.discord_api_url.trim_end_matches('/');
    let builder = match url.strip_prefix("http://") {
        Some(host) => builder.proxy(host.to_string(), true),
        None if url == "https://discord.com" => builder,
        None => match url.strip_prefix("https://") {
            Some(host) => builder.proxy(host.to_string(), false),
            None => {
                return Err(Failure::Usage(format!(
                    "DISCORD_API_URL {url:?} is not a URL"
                )))
            }
        },
    };
    Ok(builder.build())
}

async fn application_id(client: &twilight_http::Client) -> anyhow::Result<u64> {
    let response = client
        .current_user_application()
        .await
        .context("GET /applications/@me (or set DISCORD_APPLICATION_ID)")?;
    let body = response.bytes().await?;
    let app: serde_json::Value = serde_json::from_slice(&body)?;
    app["id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .context("GET /applications/@me answered without an id")
}

/// `/dibs` and its subcommands; option names are the contract with
/// `web`'s interactions endpoint. Guilds only (`contexts: [0]`, installed
/// to a guild: `integration_types: [0]`): a DM has no shared resources.
fn dibs_command() -> anyhow::Result<Command> {
    let resource = json!({"type": 3, "name": "resource", "description": "The resource, e.g. staging", "required": true});
    let force = json!({"type": 5, "name": "force", "description": "Release someone else's hold (Manage Server or the Dibs force role)", "required": false});
    let command = json!({
        "type": 1,
        "name": "dibs",
        "description": "Take turns on shared resources",
        "version": "1",
        "contexts": [0],
        "integration_types": [0],
        "options": [
            {"type": 1, "name": "on", "description": "Take a resource, or join its queue", "options": [
                resource,
                {"type": 3, "name": "for", "description": "How long, e.g. 2h or 1h30m; released then", "required": false},
                {"type": 3, "name": "note", "description": "What for", "required": false},
            ]},
            {"type": 1, "name": "off", "description": "Release a resource, or leave its queue", "options": [resource, force]},
            {"type": 1, "name": "list", "description": "Every resource: holder, since, until, queue"},
            {"type": 1, "name": "status", "description": "One resource: holder and queue", "options": [resource]},
            {"type": 1, "name": "forget", "description": "Remove a resource nobody holds from the list", "options": [resource]},
        ],
    });
    serde_json::from_value(command).context("the /dibs command definition")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_definition_is_valid() {
        let command = super::dibs_command().unwrap();
        let subs: Vec<&str> = command.options.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(subs, ["on", "off", "list", "status", "forget"]);
        let json = serde_json::to_value(&command).unwrap();
        assert_eq!(json["contexts"], serde_json::json!([0]), "guilds only");
        assert_eq!(json["integration_types"], serde_json::json!([0]));
    }
}
