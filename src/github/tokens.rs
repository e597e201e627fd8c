//! The bearer of one request: the token as is, the App's JWT, or an
//! installation token from the Redis cache, minted (by one process at a
//! time) when missing or within 5 minutes of its expiry.

use super::auth::{epoch_ms, As, Cached, Credentials};
use super::client::{failed, parse, GitHub, GithubError};
use crate::clock::now_ms;

impl GitHub {
    pub(super) async fn bearer(&self, who: As) -> Result<String, GithubError> {
        match (&self.credentials, who) {
            (Credentials::Token(token), As::Token) => Ok(token.expose().to_string()),
            (Credentials::App(key), As::App) => key.jwt(now_ms() / 1000).map_err(failed),
            (Credentials::App(_), As::Installation(id)) => self.installation_token(id).await,
            (_, who) => Err(GithubError::Refused {
                status: 0,
                message: format!("{who:?} is not possible in this mode"),
            }),
        }
    }

    /// The cached token of `installation`, minted when missing: by one
    /// process at a time, the others wait for its result.
    async fn installation_token(&self, installation: u64) -> Result<String, GithubError> {
        if let Some(token) = self.tokens.get(installation).await.map_err(failed)? {
            return Ok(token);
        }
        if !self.tokens.lock_mint(installation).await.map_err(failed)? {
            if let Some(token) = self.tokens.wait_for(installation).await.map_err(failed)? {
                return Ok(token);
            }
        }
        let minted = Box::pin(self.mint(installation)).await;
        self.tokens.unlock_mint(installation).await;
        minted
    }

    async fn mint(&self, installation: u64) -> Result<String, GithubError> {
        #[derive(serde::Deserialize)]
        struct Minted {
            token: String,
            expires_at: String,
        }
        let path = format!("/app/installations/{installation}/access_tokens");
        let answer = self.post(&path, As::App, &serde_json::json!({})).await?;
        let minted: Minted = parse(&answer.body, &path)?;
        let expires_at_ms = epoch_ms(&minted.expires_at).unwrap_or(now_ms() + 3_600_000);
        let cached = Cached {
            token: minted.token,
            expires_at_ms,
        };
        self.tokens
            .put(installation, &cached, now_ms())
            .await
            .map_err(failed)?;
        log::info!("minted an installation token for installation {installation}");
        Ok(cached.token)
    }
}
