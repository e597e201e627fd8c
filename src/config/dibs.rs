//! `[dibs]` of the config file: which resources may be used, what a
//! resource name is, how long a hold lasts when nobody says, and which
//! role may force a release. It lives in `config` (the `[dibs]` table is
//! where it comes from) so that the settings can hold it without importing
//! `dibs`, which sits above them.

use super::raw::{RawDibs, RawId};
use anyhow::{bail, Result};
use std::time::Duration;

/// The longest resource name, in characters.
pub const NAME_MAX: usize = 64;
/// Without a `resources` list, at most this many resources exist at once:
/// every name anyone typed would otherwise stay in Redis for good.
pub const MAX_RESOURCES: usize = 200;
/// `max_hold` when the file does not set it.
pub const DEFAULT_MAX_HOLD: Duration = Duration::from_secs(86_400);
/// The longest hold anyone may ask for (`for:`, the API's `for`).
pub const MAX_FOR: Duration = Duration::from_secs(7 * 86_400);

/// What `[dibs]` says, with defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DibsSettings {
    /// Lowercase names; empty allows any name (at most [`MAX_RESOURCES`]).
    pub resources: Vec<String>,
    /// How long a hold taken without `for:` lasts (`max_hold`, 24 h), so
    /// that a forgotten hold ends by itself.
    pub max_hold: Duration,
    /// Members with this role may `/dibs off force:true` (`force_role`),
    /// beside those with Manage Server.
    pub force_role: Option<u64>,
}

impl Default for DibsSettings {
    fn default() -> Self {
        DibsSettings {
            resources: Vec::new(),
            max_hold: DEFAULT_MAX_HOLD,
            force_role: None,
        }
    }
}

impl DibsSettings {
    /// The normalised name of `raw` if it is a usable resource name.
    pub fn resource(&self, raw: &str) -> Result<String, String> {
        let name = normalise(raw).ok_or_else(|| {
            format!(
                "`{}` is not a resource name (letters, digits, `-`, `_`, `.`; at most {NAME_MAX})",
                crate::text::defuse(&raw.trim().chars().take(80).collect::<String>())
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

    /// How many resources may exist at once; 0 for no limit (a fixed list
    /// is its own limit).
    pub fn max_resources(&self) -> usize {
        if self.resources.is_empty() {
            MAX_RESOURCES
        } else {
            0
        }
    }
}

/// Lowercase, trimmed; `None` unless 1–64 of `[a-z0-9._-]`.
pub fn normalise(raw: &str) -> Option<String> {
    let name = raw.trim().to_lowercase();
    let ok = (1..=NAME_MAX).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    ok.then_some(name)
}

/// `[dibs]` checked: every listed name a resource name, `max_hold` a
/// duration of 1 s to 7 d, `force_role` a Discord id.
pub(super) fn build(raw: &RawDibs) -> Result<DibsSettings> {
    let mut resources = Vec::new();
    for r in raw.resources.as_deref().unwrap_or_default() {
        match normalise(r) {
            Some(name) => resources.push(name),
            None => bail!("[dibs] resources: {r:?} is not a resource name (letters, digits, `-`, `_`, `.`; at most {NAME_MAX})"),
        }
    }
    let max_hold = match raw.max_hold.as_deref() {
        None => DEFAULT_MAX_HOLD,
        Some(s) => crate::duration::parse(s)
            .filter(|d| !d.is_zero() && *d <= MAX_FOR)
            .ok_or_else(|| {
                anyhow::anyhow!("[dibs] max_hold: {s:?} is not a duration from 1s to 7d")
            })?,
    };
    let force_role = match &raw.force_role {
        None => None,
        Some(id) => Some(
            match id {
                RawId::Text(s) => s.trim().parse::<u64>().ok(),
                RawId::Number(n) => u64::try_from(*n).ok(),
            }
            .filter(|n| *n > 0)
            .ok_or_else(|| anyhow::anyhow!("[dibs] force_role: {id:?} is not a Discord role id"))?,
        ),
    };
    Ok(DibsSettings {
        resources,
        max_hold,
        force_role,
    })
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
        assert_eq!(normalise(&"x".repeat(64)), Some("x".repeat(64)));
        assert_eq!(normalise(&"x".repeat(65)), None);
        let fixed = DibsSettings {
            resources: vec!["staging".into()],
            ..DibsSettings::default()
        };
        assert!(fixed.resource("STAGING").is_ok());
        assert!(fixed.resource("prod").is_err());
        assert_eq!(fixed.max_resources(), 0, "a fixed list is its own limit");
        assert_eq!(DibsSettings::default().max_resources(), 200);
    }

    #[test]
    fn max_hold_and_force_role_are_checked() {
        let raw = |hold: Option<&str>, role: Option<RawId>| RawDibs {
            resources: None,
            max_hold: hold.map(str::to_string),
            force_role: role,
        };
        let d = build(&raw(None, None)).unwrap();
        assert_eq!((d.max_hold, d.force_role), (DEFAULT_MAX_HOLD, None));
        let d = build(&raw(
            Some("8h"),
            Some(RawId::Text("900000000000000001".into())),
        ))
        .unwrap();
        assert_eq!(d.max_hold, Duration::from_secs(8 * 3600));
        assert_eq!(d.force_role, Some(900_000_000_000_000_001));
        assert!(build(&raw(Some("0s"), None)).is_err());
        assert!(build(&raw(Some("8d"), None)).is_err());
        assert!(build(&raw(None, Some(RawId::Number(-1)))).is_err());
    }
}
