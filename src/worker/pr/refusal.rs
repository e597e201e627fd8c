//! A PR's thread that Discord refuses for what it says: AutoMod blocking a
//! word of the title (400 with code 200001 on a name, 200000 on a message)
//! or an invalid form body (50035). No retry changes such an answer, and
//! every later job of the PR needs the thread, so instead of sending them
//! all to the dead set:
//!
//! 1. an intro refused for its text is posted with the title withheld
//!    (same effect, same marker: it is still found again);
//! 2. a thread refused its name is started under a neutral one (`PR #123`);
//! 3. refused that too, the PR has no thread: its events go to the parent
//!    channel itself ("inline"), each first line naming the PR, after a
//!    one-line note that says why.
//!
//! Each step is logged with Discord's answer. Exactly once still holds:
//! Discord starts at most one thread from the intro (a repeat, under
//! whatever name, answers 160004 and the intro's id is the thread's), and
//! the inline choice is written (`pr:…:inline`, the parent's id) before the
//! thread mapping, which then holds the parent's id; every later job finds
//! the mapping and never makes a second thread.

use crate::discord::{DiscordError, THREAD_ALREADY_CREATED};
use crate::keys;
use crate::text::{truncate_chars, MESSAGE_MAX, NAME_MAX};
use crate::worker::once::lookup;
use crate::worker::once::post::{self, Effect};
use crate::worker::{Context, JobError, Parent};
use redis::AsyncCommands;
use threadline_jobs::{PullRequest, Repo};

/// "Message was blocked by automatic moderation".
pub const AUTOMOD_MESSAGE: u64 = 200_000;
/// "Title was blocked by automatic moderation".
pub const AUTOMOD_TITLE: u64 = 200_001;
/// "Invalid Form Body".
pub const INVALID_FORM: u64 = 50_035;

/// True when Discord refused a request for its content, for good.
pub fn is_refusal(e: &DiscordError) -> bool {
    matches!(
        e,
        DiscordError::Api { status: 400, code, .. }
            if [AUTOMOD_MESSAGE, AUTOMOD_TITLE, INVALID_FORM].contains(code)
    )
}

/// The name of a thread whose own name was refused: no title, nothing a
/// GitHub user wrote.
pub fn neutral_name(repo: &Repo, number: u64, qualified: bool) -> String {
    let short = repo.full_name.rsplit('/').next().unwrap_or(&repo.full_name);
    let name = match qualified {
        true => format!("{short} PR #{number}"),
        false => format!("PR #{number}"),
    };
    truncate_chars(&name, NAME_MAX).0
}

/// The intro when Discord refused the real one: its marker, the link, no
/// GitHub text.
pub fn withheld_intro(repo: &Repo, pr: &PullRequest) -> String {
    format!(
        "**{}#{}**: (title withheld: Discord's moderation refused it)\n<{}>",
        repo.full_name, pr.number, pr.html_url
    )
}

/// What starting the PR's thread from its intro gave.
pub enum Started {
    /// The thread, and the name it got if this attempt made it.
    Thread { id: u64, name: Option<String> },
    /// Refused twice: the PR goes inline in the parent channel.
    Inline,
}

/// Starts the thread from `starter` under `name`, or under the neutral
/// name when Discord refuses `name`.
pub async fn start_thread(
    ctx: &Context,
    (repo, pr): (&Repo, &PullRequest),
    parent: Parent,
    starter: u64,
    name: &str,
) -> Result<Started, JobError> {
    let refused = match start(ctx, parent, starter, name).await? {
        Ok(started) => return Ok(started),
        Err(refused) => refused,
    };
    let neutral = neutral_name(repo, pr.number, parent.qualified);
    log::warn!(
        "{}#{}: Discord refused the thread name {name:?} ({refused}); starting it as {neutral:?}",
        repo.full_name,
        pr.number
    );
    match start(ctx, parent, starter, &neutral).await? {
        Ok(started) => Ok(started),
        Err(again) => {
            log::warn!(
                "{}#{}: Discord refused the thread name {neutral:?} too ({again}); \
                 the PR's events go to channel {} itself",
                repo.full_name,
                pr.number,
                parent.channel
            );
            Ok(Started::Inline)
        }
    }
}

/// One start; `Err` is a refusal of the name, which the caller handles.
async fn start(
    ctx: &Context,
    parent: Parent,
    starter: u64,
    name: &str,
) -> Result<Result<Started, DiscordError>, JobError> {
    match ctx
        .discord
        .start_thread(parent.channel, starter, name)
        .await
    {
        Ok(id) => Ok(Ok(Started::Thread {
            id,
            name: Some(name.to_string()),
        })),
        Err(e) if e.code() == Some(THREAD_ALREADY_CREATED) => Ok(Ok(Started::Thread {
            id: starter,
            name: None,
        })),
        Err(e) if is_refusal(&e) => Ok(Err(e)),
        Err(e) => Err(JobError::discord("starting the PR thread", e)),
    }
}

/// Makes the parent channel the PR's place: the note once, then the
/// inline record; returns the parent's id, for the thread mapping.
pub async fn go_inline(
    ctx: &Context,
    repo: &Repo,
    pr: &PullRequest,
    generation: u64,
    parent: Parent,
) -> Result<u64, JobError> {
    let key = format!("{}:inline_note:{generation}", keys::pr_key(repo, pr));
    let note = format!(
        "**{}#{}** · Discord refused a thread for this pull request (its name, twice); \
         its events follow in this channel, each starting with **{}#{}**.",
        repo.full_name, pr.number, repo.full_name, pr.number
    );
    let note = lookup::with_ref(&note, &post::reference(ctx, &key));
    post::post_once(ctx, &Effect::new(&key, &note), parent.channel, &note).await?;
    let mut redis = ctx.guards.redis();
    redis
        .set::<_, _, ()>(inline_key(ctx, repo, pr), parent.channel)
        .await
        .map_err(|e| JobError::redis("recording that the PR has no thread", e))?;
    Ok(parent.channel)
}

fn inline_key(ctx: &Context, repo: &Repo, pr: &PullRequest) -> String {
    ctx.guards.key(&keys::of_pr(repo, pr, "inline"))
}

/// True when `thread`, the PR's mapping, is its parent channel (inline):
/// nothing there is renamed, archived or joined.
pub async fn is_inline(
    ctx: &Context,
    repo: &Repo,
    pr: &PullRequest,
    thread: u64,
) -> Result<bool, JobError> {
    let mut redis = ctx.guards.redis();
    let inline: Option<u64> = redis
        .get(inline_key(ctx, repo, pr))
        .await
        .map_err(|e| JobError::redis("reading whether the PR has a thread", e))?;
    Ok(inline == Some(thread))
}

/// An event's text as posted inline: its first line names the PR.
pub fn in_parent(repo: &Repo, pr: &PullRequest, content: &str) -> String {
    let text = format!("**{}#{}** · {content}", repo.full_name, pr.number);
    truncate_chars(&text, MESSAGE_MAX).0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> Repo {
        Repo {
            id: 1,
            full_name: "o/rocket".into(),
        }
    }

    #[test]
    fn only_answers_about_the_content_are_refusals() {
        let api = |status, code| DiscordError::Api {
            status,
            code,
            message: String::new(),
        };
        assert!(is_refusal(&api(400, AUTOMOD_MESSAGE)));
        assert!(is_refusal(&api(400, AUTOMOD_TITLE)));
        assert!(is_refusal(&api(400, INVALID_FORM)));
        assert!(!is_refusal(&api(400, THREAD_ALREADY_CREATED)));
        assert!(!is_refusal(&api(403, 50013)));
        assert!(!is_refusal(&DiscordError::Timeout));
    }

    #[test]
    fn a_neutral_name_carries_no_github_text() {
        assert_eq!(neutral_name(&repo(), 123, false), "PR #123");
        assert_eq!(neutral_name(&repo(), 123, true), "rocket PR #123");
    }

    #[test]
    fn inline_text_never_looks_like_an_intro() {
        let pr = PullRequest {
            number: 9,
            title: "t".into(),
            html_url: "https://github.com/o/rocket/pull/9".into(),
            author: "a".into(),
            base_ref: "main".into(),
            head_label: "a:f".into(),
            draft: false,
            body_excerpt: String::new(),
            body_truncated: false,
            state: "open".into(),
            merged: false,
            updated_at: String::new(),
            from_issue: false,
        };
        let intro = crate::worker::pr::intro::intro_marker(&repo(), &pr);
        assert!(!intro.matches(&in_parent(&repo(), &pr, "💬 x")));
        assert!(intro.matches(&withheld_intro(&repo(), &pr)));
        let long = "x".repeat(3000);
        assert!(in_parent(&repo(), &pr, &long).chars().count() <= MESSAGE_MAX);
    }
}
