//! Dibs' own environment: which guilds may use `/dibs`
//! (`DIBS_GUILD_IDS`) and the CI/CD API's tokens, each with a name
//! (`DIBS_API_TOKENS`), or the one unnamed token of old (`DIBS_API_TOKEN`).
//! A token's value never reaches a log line or an error message: errors
//! name an entry by its position only (a malformed entry may hold its
//! token on either side of the `=`).

use super::Secret;
use anyhow::{bail, Context as _};

/// One token of the Dibs API.
#[derive(Debug, Clone)]
pub struct ApiToken {
    /// What its holds are bound to; empty for `DIBS_API_TOKEN`.
    pub name: String,
    pub secret: Secret,
    /// May release a person's (a Discord user's) hold with `force`.
    pub force: bool,
}

/// `DIBS_GUILD_IDS`: comma-separated guild ids; empty means any guild.
pub(super) fn guild_ids(raw: &str) -> anyhow::Result<Vec<u64>> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<u64>()
                .ok()
                .filter(|g| *g > 0)
                .with_context(|| format!("DIBS_GUILD_IDS: {s:?} is not a guild id"))
        })
        .collect()
}

/// `DIBS_API_TOKENS`: `name=token` entries separated by commas; a name
/// ending in `:force` (`release:force=TOKEN`) may force a person's hold.
/// Names are 1–64 of letters, digits, `-`, `_`, `.`; tokens must not
/// contain a comma, and each must be unique.
pub(super) fn api_tokens(raw: &str) -> anyhow::Result<Vec<ApiToken>> {
    let mut tokens: Vec<ApiToken> = Vec::new();
    for (i, entry) in raw.split(',').enumerate() {
        let entry = entry.trim();
        if entry.is_empty() {
            continue;
        }
        let at = i + 1;
        let Some((name, secret)) = entry.split_once('=') else {
            bail!("DIBS_API_TOKENS entry #{at} is not `name=token`");
        };
        let (name, force) = match name.trim().strip_suffix(":force") {
            Some(n) => (n, true),
            None => (name.trim(), false),
        };
        if !holder_name(name) {
            bail!("DIBS_API_TOKENS entry #{at}: its name is not 1–64 of letters, digits, `-`, `_`, `.`");
        }
        let secret = secret.trim();
        if secret.is_empty() {
            bail!("DIBS_API_TOKENS entry #{at} has an empty token");
        }
        if tokens
            .iter()
            .any(|t| t.name == name || t.secret.0 == secret)
        {
            bail!("DIBS_API_TOKENS entry #{at} repeats the name or the token of an earlier one");
        }
        tokens.push(ApiToken {
            name: name.to_string(),
            secret: Secret(secret.to_string()),
            force,
        });
    }
    Ok(tokens)
}

/// A holder or token name: 1–64 of `[A-Za-z0-9._-]`.
pub fn holder_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_have_names_and_may_force() {
        let t = api_tokens("deploy-bot=T1, release:force=T2=,").unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!((t[0].name.as_str(), t[0].force), ("deploy-bot", false));
        assert_eq!(t[0].secret.expose(), "T1");
        assert_eq!((t[1].name.as_str(), t[1].force), ("release", true));
        assert_eq!(t[1].secret.expose(), "T2=", "a token may end in `=`");
        assert!(api_tokens("").unwrap().is_empty());
        for bad in [
            "SEKRIT",
            "a b=SEKRIT",
            "=SEKRIT",
            "x=",
            "SEKRIT=",
            "SEKRIT:force=",
            "a=SEKRIT1,a=SEKRIT2",
            "a=SEKRIT,b=SEKRIT",
        ] {
            let e = api_tokens(bad).unwrap_err().to_string();
            assert!(!e.contains("SEKRIT"), "no token in {e:?}");
        }
        let e = format!("{:?}", api_tokens("a=SECRETVALUE").unwrap());
        assert!(!e.contains("SECRETVALUE"), "{e}");
    }

    #[test]
    fn guild_ids_are_ids() {
        assert_eq!(guild_ids(" 1, 22 ,").unwrap(), vec![1, 22]);
        assert!(guild_ids("").unwrap().is_empty());
        assert!(guild_ids("x").is_err());
    }
}
