//! The PR's intro: the thread's starter message in the parent channel,
//! posted once per thread generation, and how it is recognised when it
//! must be found again.
//!
//! Its first line starts with `**{repo}#{number}**: ` whatever the title
//! (racing jobs may render different titles for the same intro). Every
//! generation's intro starts alike, so a generation's lookup starts after
//! the previous generation's intro, which its guard still records.

use crate::keys::pr_key;
use crate::text;
use crate::worker::once::lookup::Marker;
use crate::worker::once::post::{self, Effect};
use crate::worker::pr::messages::{code, safe};
use crate::worker::pr::refusal;
use crate::worker::{Context, JobError};
use threadline_jobs::{PullRequest, Repo};

/// The guard key of generation `g`'s intro.
pub(crate) fn starter_key(key: &str, g: u64) -> String {
    match g {
        0 => format!("{key}:starter"),
        g => format!("{key}:starter:{g}"),
    }
}

/// Posts generation `g`'s intro once. Every generation's intro starts
/// alike, so a lookup starts after the previous generation's.
pub async fn post_intro(
    ctx: &Context,
    repo: &Repo,
    pr: &PullRequest,
    g: u64,
    parent: u64,
) -> Result<u64, JobError> {
    let key = pr_key(repo, pr);
    let floor = match g {
        0 => None,
        g => ctx.guards.get(&starter_key(&key, g - 1)).await?,
    };
    let starter_key = starter_key(&key, g);
    let effect = Effect {
        key: &starter_key,
        marker: intro_marker(repo, pr),
        floor: floor.unwrap_or(0),
    };
    match post::post_raw(ctx, &effect, parent, &intro(repo, pr)).await? {
        Ok(id) => Ok(id),
        // AutoMod (say) refused the title or excerpt: the same intro,
        // found again by the same marker, without them.
        Err(e) if refusal::is_refusal(&e) => {
            log::warn!(
                "{}#{}: Discord refused the intro ({e}); posting it with the title withheld",
                repo.full_name,
                pr.number
            );
            let withheld = refusal::withheld_intro(repo, pr);
            post::post_once(ctx, &effect, parent, &withheld).await
        }
        Err(e) => Err(JobError::discord(
            &format!("posting to channel {parent}"),
            e,
        )),
    }
}

/// What the intro's first line starts with, whatever the title.
pub(crate) fn intro_marker(repo: &Repo, pr: &PullRequest) -> Marker {
    Marker::FirstLineStarts(format!("**{}#{}**: ", repo.full_name, pr.number))
}

/// The starter message: who, where, the link and a clean excerpt.
pub fn intro(repo: &Repo, pr: &PullRequest) -> String {
    let title = safe(&text::one_line(&pr.title));
    let branches = if pr.base_ref.is_empty() {
        String::new()
    } else {
        format!(" · {} ← {}", code(&pr.base_ref), code(&pr.head_label))
    };
    let head = format!(
        "**{repo}#{number}**: {title}\nopened by **{author}**{branches}{draft}\n<{url}>",
        repo = repo.full_name,
        number = pr.number,
        author = safe(&pr.author),
        draft = if pr.draft { " · draft" } else { "" },
        url = pr.html_url,
    );
    let (head, _) = text::truncate_chars(&head, text::MESSAGE_MAX);
    text::with_excerpt(
        &head,
        &safe(&pr.body_excerpt),
        pr.body_truncated,
        &pr.html_url,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pr(body: &str) -> PullRequest {
        PullRequest {
            number: 9,
            title: "Ping @everyone".into(),
            html_url: "https://github.com/o/r/pull/9".into(),
            author: "octocat".into(),
            base_ref: "main".into(),
            head_label: "octocat:x".into(),
            draft: false,
            body_excerpt: body.into(),
            body_truncated: false,
            state: "open".into(),
            merged: false,
            updated_at: String::new(),
            from_issue: false,
        }
    }

    #[test]
    fn intro_fits_and_defuses() {
        let repo = Repo {
            id: 1,
            full_name: "o/r".into(),
        };
        let long = "@here line\n".repeat(500);
        let intro = intro(&repo, &pr(&long));
        assert!(intro.chars().count() <= text::MESSAGE_MAX);
        assert!(!intro.contains("@everyone") && !intro.contains("@here"));
        assert!(intro.contains("full text"));
        assert!(intro.contains("`main` ← `octocat:x`"));
    }

    #[test]
    fn the_intro_marker_survives_a_new_title_but_not_another_pr() {
        let repo = Repo {
            id: 1,
            full_name: "o/r".into(),
        };
        let mut first = pr("body");
        let marker = intro_marker(&repo, &first);
        assert!(marker.matches(&intro(&repo, &first)));
        first.title = "Renamed meanwhile".into();
        assert!(marker.matches(&intro(&repo, &first)));
        let mut other = pr("body");
        other.number = 90;
        assert!(!marker.matches(&intro(&repo, &other)));
    }
}
