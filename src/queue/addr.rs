//! Faktory's address: where it is and how to log in, as the official
//! clients read it from the environment (`FAKTORY_PROVIDER`, `FAKTORY_URL`).

use anyhow::{bail, Context as _};

/// Where Faktory is and how to log in.
#[derive(Clone)]
pub struct FaktoryAddr {
    /// `host:port`.
    pub host_port: String,
    /// Already percent-decoded.
    pub password: Option<String>,
}

impl std::fmt::Debug for FaktoryAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pw = self.password.as_ref().map(|_| "***");
        write!(f, "FaktoryAddr({}, password: {:?})", self.host_port, pw)
    }
}

impl FaktoryAddr {
    /// Parses `tcp://[:password@]host[:port]`, decoding the password.
    pub fn parse(raw: &str) -> anyhow::Result<Self> {
        let url = url::Url::parse(raw).context("FAKTORY_URL is not a URL")?;
        if url.scheme() != "tcp" {
            bail!("FAKTORY_URL must start with tcp:// (TLS is not supported)");
        }
        let host = url.host_str().context("FAKTORY_URL has no host")?;
        let port = url.port().unwrap_or(7419);
        let password = match url.password() {
            None | Some("") => None,
            Some(p) => Some(
                percent_encoding::percent_decode_str(p)
                    .decode_utf8()
                    .context("FAKTORY_URL password is not UTF-8 once decoded")?
                    .into_owned(),
            ),
        };
        Ok(FaktoryAddr {
            host_port: format!("{host}:{port}"),
            password,
        })
    }
}

/// Faktory's address as the official clients find it: `FAKTORY_PROVIDER`
/// names the variable that holds the URL (hosts set one of their own),
/// and `FAKTORY_URL` is the default.
impl FaktoryAddr {
    /// Reads the address through `var` (the environment, in production).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> anyhow::Result<FaktoryAddr> {
        let Some(provider) = var("FAKTORY_PROVIDER") else {
            let url = var("FAKTORY_URL").unwrap_or_else(|| "tcp://127.0.0.1:7419".into());
            return FaktoryAddr::parse(&url);
        };
        if provider.contains(':') {
            bail!("FAKTORY_PROVIDER names a variable, not a URL: try FAKTORY_PROVIDER=FAKTORY_URL");
        }
        let url = var(&provider).with_context(|| {
            format!("FAKTORY_PROVIDER is {provider:?}, but that variable is not set")
        })?;
        FaktoryAddr::parse(&url).with_context(|| format!("reading {provider} (FAKTORY_PROVIDER)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faktory_password_is_percent_decoded() {
        let a = FaktoryAddr::parse("tcp://:p%40ss%2Fw0rd@localhost:7000").unwrap();
        assert_eq!(a.host_port, "localhost:7000");
        assert_eq!(a.password.as_deref(), Some("p@ss/w0rd"));
        assert!(!format!("{a:?}").contains("p@ss"));
    }

    #[test]
    fn faktory_defaults_port_and_rejects_other_schemes() {
        assert_eq!(FaktoryAddr::parse("tcp://h").unwrap().host_port, "h:7419");
        assert!(FaktoryAddr::parse("tcp+tls://h:1").is_err());
    }

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn faktory_provider_names_the_variable_with_the_url() {
        let addr = FaktoryAddr::from_vars(vars(&[
            ("FAKTORY_PROVIDER", "MYHOST_FAKTORY"),
            ("MYHOST_FAKTORY", "tcp://:pw@fk.example:7500"),
            ("FAKTORY_URL", "tcp://ignored:1"),
        ]))
        .unwrap();
        assert_eq!(addr.host_port, "fk.example:7500");
        assert_eq!(addr.password.as_deref(), Some("pw"));
        let default = FaktoryAddr::from_vars(vars(&[("FAKTORY_URL", "tcp://a:1")])).unwrap();
        assert_eq!(default.host_port, "a:1");
        let none = FaktoryAddr::from_vars(vars(&[])).unwrap();
        assert_eq!(none.host_port, "127.0.0.1:7419");
    }

    #[test]
    fn a_provider_that_is_unset_or_a_url_is_refused_by_name() {
        let unset = FaktoryAddr::from_vars(vars(&[("FAKTORY_PROVIDER", "NOPE")])).unwrap_err();
        assert!(format!("{unset:#}").contains("NOPE"), "{unset:#}");
        let url = FaktoryAddr::from_vars(vars(&[("FAKTORY_PROVIDER", "tcp://h:1")])).unwrap_err();
        assert!(format!("{url:#}").contains("not a URL"), "{url:#}");
    }
}
