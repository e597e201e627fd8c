//! `[ci]` (top level, and per route as `[routes.ci]`): what CI shows in a
//! PR's thread. `mode = "summary"` (the default) keeps one summary per head
//! commit and the result messages; `"failures"` posts only the red result
//! messages; `"off"` shows nothing. `ignore` drops checks and workflows by
//! name, `*` matching any run of characters (`"codecov/*"`), ignoring case.

use anyhow::{bail, Result};
use serde::Deserialize;

/// `[ci]` as written.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCi {
    pub mode: Option<String>,
    pub ignore: Option<Vec<String>>,
}

/// What CI shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CiMode {
    #[default]
    Summary,
    Failures,
    Off,
}

/// `[ci]`, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CiSettings {
    pub mode: CiMode,
    /// Lower-cased patterns.
    pub ignore: Vec<String>,
}

impl CiSettings {
    /// Whether a check or workflow of this name is left out.
    pub fn ignores(&self, name: &str) -> bool {
        let name = name.to_lowercase();
        self.ignore.iter().any(|p| glob(p, &name))
    }
}

/// `raw` over `base`: a key written replaces the base's (lists too).
pub fn build(raw: Option<&RawCi>, base: &CiSettings, at: &str) -> Result<CiSettings> {
    let Some(raw) = raw else {
        return Ok(base.clone());
    };
    let mode = match raw.mode.as_deref() {
        None => base.mode,
        Some("summary") => CiMode::Summary,
        Some("failures") => CiMode::Failures,
        Some("off") => CiMode::Off,
        Some(other) => {
            bail!("{at}.mode: {other:?} is not \"summary\", \"failures\" or \"off\"")
        }
    };
    let ignore = match &raw.ignore {
        None => base.ignore.clone(),
        Some(list) => list.iter().map(|p| p.to_lowercase()).collect(),
    };
    Ok(CiSettings { mode, ignore })
}

/// `*` matches any run of characters; everything else itself. Greedy
/// with backtracking to the last star only, so linear in practice and
/// never worse than the product of the lengths.
fn glob(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while j < n.len() {
        if i < p.len() && p[i] == '*' {
            star = Some((i, j));
            i += 1;
        } else if i < p.len() && p[i] == n[j] {
            i += 1;
            j += 1;
        } else if let Some((si, sj)) = star {
            i = si + 1;
            j = sj + 1;
            star = Some((si, sj + 1));
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_names_ignoring_case() {
        let ci = CiSettings {
            mode: CiMode::Summary,
            ignore: vec!["codecov/*".into(), "*lint*".into(), "docs".into()],
        };
        assert!(ci.ignores("codecov/patch"));
        assert!(ci.ignores("Codecov/Project"));
        assert!(ci.ignores("clippy lint (stable)"));
        assert!(ci.ignores("docs"));
        assert!(!ci.ignores("docs build"));
        assert!(!ci.ignores("test (ubuntu)"));
        assert!(!CiSettings::default().ignores("anything"));
    }

    #[test]
    fn a_route_overrides_what_it_writes_and_inherits_the_rest() {
        let top = build(
            Some(&RawCi {
                mode: Some("failures".into()),
                ignore: Some(vec!["Codecov/*".into()]),
            }),
            &CiSettings::default(),
            "ci",
        )
        .unwrap();
        assert_eq!(top.mode, CiMode::Failures);
        assert_eq!(top.ignore, ["codecov/*"]);
        let route = RawCi {
            mode: Some("off".into()),
            ignore: None,
        };
        let own = build(Some(&route), &top, "routes[0].ci").unwrap();
        assert_eq!(
            (own.mode, own.ignore.clone()),
            (CiMode::Off, top.ignore.clone())
        );
        assert_eq!(build(None, &top, "x").unwrap(), top);
        let bad = RawCi {
            mode: Some("loud".into()),
            ignore: None,
        };
        let err = build(Some(&bad), &top, "ci").unwrap_err().to_string();
        assert!(err.contains("ci.mode") && err.contains("loud"), "{err}");
    }
}
