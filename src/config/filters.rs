//! Noise filters: which pull requests get a thread, and whose comments and
//! reviews are forwarded. `web` applies them to what a payload says;
//! what a payload lacks (an `issue_comment` knows no base branch or draft
//! state) is left to the worker, which knows the PR's stored state.

/// Bots' comments and reviews: dropped (the default) or forwarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bots {
    Ignore,
    Forward,
}

/// Drafts: a thread at once, or only once the PR is ready for review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drafts {
    Create,
    Hold,
}

/// The filters in force for one route, defaults already applied. Lists
/// are lowercase, since GitHub logins, labels and branches compare
/// case-insensitively here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filters {
    pub bots: Bots,
    pub bot_allowlist: Vec<String>,
    pub labels_include: Vec<String>,
    pub labels_exclude: Vec<String>,
    pub base_branches: Vec<String>,
    pub authors_exclude: Vec<String>,
    pub drafts: Drafts,
}

impl Filters {
    /// Today's behaviour, and the defaults of `[filters]`.
    pub fn defaults(forward_bots: bool) -> Filters {
        Filters {
            bots: if forward_bots {
                Bots::Forward
            } else {
                Bots::Ignore
            },
            bot_allowlist: Vec::new(),
            labels_include: Vec::new(),
            labels_exclude: vec!["no-thread".into()],
            base_branches: Vec::new(),
            authors_exclude: Vec::new(),
            drafts: Drafts::Create,
        }
    }

    /// Whether a comment or review by `login` is forwarded.
    pub fn forwards(&self, login: &str, is_bot: bool) -> bool {
        !is_bot || self.bots == Bots::Forward || contains(&self.bot_allowlist, login)
    }

    /// Why a PR gets no thread (or no more messages), or `None` when it is
    /// eligible. Facts the caller does not know are `None` and pass.
    pub fn excludes(&self, pr: &PrFacts) -> Option<String> {
        if pr.body.contains("[no-thread]") {
            return Some("[no-thread] in the PR body".into());
        }
        if contains(&self.authors_exclude, pr.author) {
            return Some(format!("author {} is excluded", pr.author));
        }
        if let Some(label) = pr.labels.iter().find(|l| contains(&self.labels_exclude, l)) {
            return Some(format!("label {label:?} is excluded"));
        }
        if !self.labels_include.is_empty()
            && !pr.labels.iter().any(|l| contains(&self.labels_include, l))
        {
            return Some("no label of labels_include".into());
        }
        match pr.base {
            Some(base)
                if !self.base_branches.is_empty() && !contains(&self.base_branches, base) =>
            {
                return Some(format!("base branch {base:?} is not in base_branches"))
            }
            _ => {}
        }
        (self.drafts == Drafts::Hold && pr.draft == Some(true))
            .then(|| "a draft, and drafts are held".into())
    }
}

/// What the filters look at, as far as the caller knows it.
#[derive(Debug, Clone, Copy)]
pub struct PrFacts<'a> {
    pub author: &'a str,
    pub labels: &'a [String],
    pub body: &'a str,
    /// `None` when unknown (an issue payload).
    pub base: Option<&'a str>,
    pub draft: Option<bool>,
}

fn contains(list: &[String], value: &str) -> bool {
    list.iter().any(|v| v.eq_ignore_ascii_case(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(labels: &'a [String], base: Option<&'a str>, draft: Option<bool>) -> PrFacts<'a> {
        PrFacts {
            author: "octocat",
            labels,
            body: "",
            base,
            draft,
        }
    }

    #[test]
    fn every_filter_gives_its_reason() {
        let mut f = Filters::defaults(false);
        let none: Vec<String> = vec![];
        assert_eq!(f.excludes(&facts(&none, Some("main"), Some(false))), None);
        let skip = vec!["No-Thread".to_string()];
        assert!(f.excludes(&facts(&skip, None, None)).is_some());
        f.labels_include = vec!["ship".into()];
        assert!(f.excludes(&facts(&none, None, None)).is_some());
        f.labels_include.clear();
        f.base_branches = vec!["main".into()];
        assert!(f.excludes(&facts(&none, Some("dev"), None)).is_some());
        assert_eq!(
            f.excludes(&facts(&none, None, None)),
            None,
            "unknown base passes"
        );
        f.drafts = Drafts::Hold;
        assert!(f.excludes(&facts(&none, None, Some(true))).is_some());
        let body = PrFacts {
            body: "please [no-thread]",
            ..facts(&none, None, None)
        };
        assert!(f.excludes(&body).is_some());
        f.authors_exclude = vec!["OctoCat".into()];
        assert!(f.excludes(&facts(&none, None, None)).is_some());
    }

    #[test]
    fn bots_follow_policy_and_allowlist() {
        let mut f = Filters::defaults(false);
        assert!(!f.forwards("dependabot[bot]", true));
        assert!(f.forwards("octocat", false));
        f.bot_allowlist = vec!["renovate[bot]".into()];
        assert!(f.forwards("Renovate[bot]", true));
        assert!(Filters::defaults(true).forwards("x[bot]", true));
    }
}
