//! Which Dibs resources may be used, and what a resource name is. It lives
//! in `config` (the `[dibs]` table is where the list comes from) so that
//! the settings can hold it without importing `dibs`, which sits above them.

/// Which resources may be used: any (empty), or a fixed list.
#[derive(Debug, Clone, Default)]
pub struct DibsSettings {
    /// Lowercase names; empty allows any name.
    pub resources: Vec<String>,
}

impl DibsSettings {
    /// The normalised name of `raw` if it is a usable resource name.
    pub fn resource(&self, raw: &str) -> Result<String, String> {
        let name = normalise(raw).ok_or_else(|| {
            format!(
                "`{}` is not a resource name (letters, digits, `-`, `_`, `.`; at most 50)",
                raw.trim()
            )
        })?;
        if !self.resources.is_empty() && !self.resources.contains(&name) {
            return Err(format!(
                "unknown resource `{name}`; known: {}",
                self.resources.join(", ")
            ));
        }
        Ok(name)
    }
}

/// Lowercase, trimmed; `None` unless 1–50 of `[a-z0-9._-]`.
pub fn normalise(raw: &str) -> Option<String> {
    let name = raw.trim().to_lowercase();
    let ok = (1..=50).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    ok.then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_lowercase_and_bounded() {
        assert_eq!(normalise(" Staging "), Some("staging".into()));
        assert_eq!(normalise("pixel-7.b_2"), Some("pixel-7.b_2".into()));
        assert_eq!(normalise(""), None);
        assert_eq!(normalise("a b"), None);
        assert_eq!(normalise(&"x".repeat(51)), None);
        let fixed = DibsSettings {
            resources: vec!["staging".into()],
        };
        assert!(fixed.resource("STAGING").is_ok());
        assert!(fixed.resource("prod").is_err());
    }
}
