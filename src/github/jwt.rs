//! The GitHub App's JSON Web Token: RS256 over `{iat, exp, iss}`, signed
//! with `ring`, which Threadline already carries as its TLS provider, so
//! App auth adds no second RSA implementation to the build.
//!
//! GitHub asks for `iat` 60 s in the past (clock drift) and `exp` at most
//! 10 minutes ahead; this one expires 9 minutes ahead.

use anyhow::{bail, Context as _};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use std::sync::Arc;

/// How long a minted JWT is valid, counted from now.
pub const LIFETIME_SECS: u64 = 9 * 60;

/// An App's id and private key; cheap to clone, never printed.
#[derive(Clone)]
pub struct AppKey {
    app_id: String,
    key: Arc<RsaKeyPair>,
}

impl std::fmt::Debug for AppKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AppKey({}, ***)", self.app_id)
    }
}

impl AppKey {
    /// Reads a PEM private key: PKCS#1 (`BEGIN RSA PRIVATE KEY`, what
    /// GitHub hands out) or PKCS#8 (`BEGIN PRIVATE KEY`).
    pub fn from_pem(app_id: &str, pem: &str) -> anyhow::Result<AppKey> {
        let pem = pem.replace("\\n", "\n");
        let label = pem
            .lines()
            .find_map(|l| l.trim().strip_prefix("-----BEGIN ")?.strip_suffix("-----"))
            .map(str::to_string)
            .context("GITHUB_APP_PRIVATE_KEY is not a PEM block (no BEGIN line)")?;
        let body: String = pem
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let der = STANDARD
            .decode(body.as_bytes())
            .context("GITHUB_APP_PRIVATE_KEY: the PEM body is not base64")?;
        let key = match label.as_str() {
            "RSA PRIVATE KEY" => RsaKeyPair::from_der(&der),
            "PRIVATE KEY" => RsaKeyPair::from_pkcs8(&der),
            other => bail!("GITHUB_APP_PRIVATE_KEY: a {other} is not an RSA private key"),
        }
        .map_err(|e| anyhow::anyhow!("GITHUB_APP_PRIVATE_KEY is not a usable RSA key: {e}"))?;
        Ok(AppKey {
            app_id: app_id.to_string(),
            key: Arc::new(key),
        })
    }

    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// A JWT valid from 60 s before `now_secs` to [`LIFETIME_SECS`] after.
    pub fn jwt(&self, now_secs: u64) -> anyhow::Result<String> {
        // A numeric App id goes as a number, a client id as a string.
        let iss = match self.app_id.parse::<u64>() {
            Ok(n) => serde_json::Value::from(n),
            Err(_) => serde_json::Value::from(self.app_id.clone()),
        };
        let claims = serde_json::json!({
            "iat": now_secs.saturating_sub(60),
            "exp": now_secs + LIFETIME_SECS,
            "iss": iss,
        });
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
        let claims = URL_SAFE_NO_PAD.encode(claims.to_string().as_bytes());
        let signing_input = format!("{header}.{claims}");
        let mut signature = vec![0; self.key.public().modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                signing_input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| anyhow::anyhow!("signing the App JWT failed"))?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(&signature)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::{UnparsedPublicKey, RSA_PKCS1_2048_8192_SHA256};

    const PEM: &str = include_str!("../../tests/support/fake_github/app-key.pem");
    const PUBLIC: &[u8] = include_bytes!("../../tests/support/fake_github/app-pub.der");

    #[test]
    fn a_jwt_verifies_with_the_public_key_and_carries_the_claims() {
        // One line with literal `\n`, as hosts keep it in a variable.
        let one_line = PEM.trim_end().replace('\n', "\\n");
        let key = AppKey::from_pem("42", &one_line).unwrap();
        let jwt = key.jwt(1_000_000).unwrap();
        let (input, sig) = jwt.rsplit_once('.').unwrap();
        let sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, PUBLIC)
            .verify(input.as_bytes(), &sig)
            .unwrap();
        let claims = input.split('.').nth(1).unwrap();
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap();
        assert_eq!(claims["iss"], 42);
        assert_eq!(claims["iat"], 1_000_000 - 60);
        assert_eq!(claims["exp"], 1_000_000 + 540);
        assert!(!format!("{key:?}").contains("MII"));
    }

    #[test]
    fn not_a_key_is_an_error_naming_the_variable() {
        let e = AppKey::from_pem("1", "hello").unwrap_err();
        assert!(format!("{e:#}").contains("GITHUB_APP_PRIVATE_KEY"));
    }
}
