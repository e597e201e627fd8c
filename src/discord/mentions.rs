//! Who a message may ping: `allowed_mentions` with explicit lists.
//!
//! Every message is sent with `parse: []`, so that nothing in its text
//! (`@everyone`, `@here`, a role or user someone typed) pings anyone. A
//! message that means to ping adds exactly those ids; Discord caps each
//! list at 100, and so does [`Mentions`]. A message that mentions nobody
//! sends `{"parse":[]}` as it always did.

use super::{created_id, id, invalid, BeforeSend, Discord, DiscordError};
use serde::Serialize;
use twilight_http::request::TryIntoRequest;

/// Discord's limit on each of `users` and `roles`.
pub const MENTIONS_MAX: usize = 100;

/// The user and role ids a message pings, nobody else.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mentions {
    users: Vec<u64>,
    roles: Vec<u64>,
}

impl Mentions {
    /// Pings nobody.
    pub fn none() -> Mentions {
        Mentions::default()
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty() && self.roles.is_empty()
    }

    /// Adds a user, once, within the cap.
    pub fn user(&mut self, user: u64) -> &mut Self {
        push_capped(&mut self.users, user);
        self
    }

    /// Adds a role, once, within the cap.
    pub fn role(&mut self, role: u64) -> &mut Self {
        push_capped(&mut self.roles, role);
        self
    }

    pub fn users(&self) -> &[u64] {
        &self.users
    }

    pub fn roles(&self) -> &[u64] {
        &self.roles
    }

    /// How the ids look in a message's text: `<@user> <@&role>`.
    pub fn text(&self) -> String {
        let users = self.users.iter().map(|u| format!("<@{u}>"));
        let roles = self.roles.iter().map(|r| format!("<@&{r}>"));
        users.chain(roles).collect::<Vec<_>>().join(" ")
    }

    fn allowed(&self) -> Allowed {
        let strings = |ids: &[u64]| ids.iter().map(u64::to_string).collect();
        Allowed {
            parse: [],
            users: strings(&self.users),
            roles: strings(&self.roles),
        }
    }
}

fn push_capped(ids: &mut Vec<u64>, id: u64) {
    if ids.len() < MENTIONS_MAX && !ids.contains(&id) {
        ids.push(id);
    }
}

#[derive(Serialize)]
struct Body<'a> {
    content: &'a str,
    nonce: &'a str,
    enforce_nonce: bool,
    allowed_mentions: Allowed,
    /// `SUPPRESS_EMBEDS` unless link previews are on.
    #[serde(skip_serializing_if = "Option::is_none")]
    flags: Option<u64>,
}

#[derive(Serialize)]
struct Allowed {
    parse: [&'static str; 0],
    // Omitted when empty, so that a message pinging nobody is sent as before.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    users: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    roles: Vec<String>,
}

impl Discord {
    /// Posts a message that pings exactly `mentions`; a repeat with the
    /// same nonce within Discord's nonce window returns the first message.
    pub async fn send_message_mentioning(
        &self,
        channel: u64,
        content: &str,
        nonce: &str,
        mentions: &Mentions,
    ) -> Result<u64, DiscordError> {
        self.send_message_after(channel, content, nonce, mentions, None)
            .await
    }

    /// [`Discord::send_message_mentioning`], running `before` once the
    /// budget grants the permit (not at all when the job is pushed back).
    pub async fn send_message_after(
        &self,
        channel: u64,
        content: &str,
        nonce: &str,
        mentions: &Mentions,
        before: Option<BeforeSend<'_>>,
    ) -> Result<u64, DiscordError> {
        let Some(live) = &self.live else {
            if let Some(hook) = before {
                hook.await?;
            }
            log::info!(
                "DRY RUN: post to channel {channel} (nonce {nonce}, pinging {mentions:?}):\n{content}"
            );
            return Ok(super::id_from(nonce));
        };
        let body = Body {
            content,
            nonce,
            enforce_nonce: true,
            allowed_mentions: mentions.allowed(),
            flags: self.message_flags(),
        };
        let body = serde_json::to_vec(&body).map_err(|e| DiscordError::Invalid(e.to_string()))?;
        let request = live
            .builder
            .create_message(id(channel)?)
            .payload_json(&body)
            .try_into_request()
            .map_err(invalid)?;
        created_id(self.call_after(live, request, before).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nobody_is_the_old_body_and_lists_are_explicit_and_capped() {
        let none = serde_json::to_value(Mentions::none().allowed()).unwrap_or_default();
        assert_eq!(none, serde_json::json!({ "parse": [] }));
        let mut m = Mentions::none();
        m.user(1).user(1).role(7);
        for u in 10..200 {
            m.user(u);
        }
        let json = serde_json::to_value(m.allowed()).unwrap_or_default();
        assert_eq!(json["parse"], serde_json::json!([]));
        assert_eq!(json["users"].as_array().map(Vec::len), Some(MENTIONS_MAX));
        assert_eq!(json["users"][0], "1");
        assert_eq!(json["roles"], serde_json::json!(["7"]));
        assert!(m.text().starts_with("<@1> <@10>"));
        assert!(m.text().ends_with("<@&7>"));
    }
}
