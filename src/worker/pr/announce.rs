//! The common shape of a PR event, shared by most job kinds: record the
//! PR's state, make sure its thread exists, post the event's line once,
//! then let a thread sync settle the name and archived state.

use crate::discord::Mentions;
use crate::worker::once::lookup;
use crate::worker::once::post;
use crate::worker::pr::{people, pr_state, schedule, thread};
use crate::worker::{Context, JobError};
use threadline_jobs::{Delivery, PullRequest, Repo};

/// The common shape of a PR event: record the PR's state, make sure the
/// thread exists, post `text` (once per delivery and `effect`), then let
/// a thread sync settle the name and archived state.
pub(crate) async fn announce(
    ctx: &Context,
    delivery: &Delivery,
    repo: &Repo,
    pr: &PullRequest,
    effect: &str,
    text: Option<String>,
) -> Result<(), JobError> {
    let none = Mentions::none();
    announce_mentioning(ctx, delivery, repo, pr, effect, text, &none).await
}

/// [`announce`], with `text` pinging exactly `mentions` (on a line of
/// their own after the first, see [`people`]).
pub(crate) async fn announce_mentioning(
    ctx: &Context,
    delivery: &Delivery,
    repo: &Repo,
    pr: &PullRequest,
    effect: &str,
    text: Option<String>,
    mentions: &Mentions,
) -> Result<(), JobError> {
    pr_state::observe(ctx, delivery.seq, repo, pr).await?;
    match text {
        Some(text) => {
            let key = crate::keys::delivery_effect(delivery.key(), effect);
            // A comment's or review's first line shows its GitHub URL; the
            // others need a reference to be told apart (see `lookup`).
            let text = match effect {
                "commented" | "review" => text,
                _ => lookup::with_ref(&text, &post::reference(ctx, &key)),
            };
            let text = people::with_mentions(&text, mentions);
            thread::post_in_thread_mentioning(ctx, repo, pr, &key, &text, mentions).await?;
        }
        None => {
            thread::ensure_thread(ctx, repo, pr).await?;
        }
    }
    schedule::sync_soon(ctx, delivery, repo, pr).await
}
