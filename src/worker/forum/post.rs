//! A PR's forum post, created exactly once.
//!
//! `POST /channels/{forum}/threads` takes no nonce, so a reply lost after
//! Discord made the post would make a second one on retry. Before the
//! POST (once the budget granted its permit) an intent is recorded (Redis time, [`crate::worker::once::intent`]); an
//! attempt that finds an intent from an earlier one first looks for the
//! post that attempt may have made: the forum's posts among the guild's
//! active threads and the forum's archived ones, created after the
//! intent's time (less a clock margin), whose first message (its id is
//! the post's) is the bot's and starts with the intro's marker
//! `**{repo}#{number}**: `. Found, it is recorded instead of posting
//! again. Racing jobs never get this far together: `ensure_thread` lets
//! one job at a time create.

use super::sync::current_state;
use super::Forum;
use crate::discord::{ListedThread, NewPost};
use crate::keys::pr_key;
use crate::redis_conn::EFFECT_TTL;
use crate::worker::once::intent::Intent;
use crate::worker::once::lookup::{self, Marker};
use crate::worker::pr::intro::{intro, intro_marker};
use crate::worker::pr::refusal;
use crate::worker::{Context, JobError};
use threadline_jobs::{PullRequest, Repo};

/// A post: its id, and the name it got if this attempt made it.
pub struct Made {
    pub id: u64,
    pub named: Option<String>,
}

/// The guard key of generation `g`'s post.
pub(crate) fn post_key(key: &str, g: u64) -> String {
    format!("{key}:post:{g}")
}

/// Creates generation `generation`'s post of `pr` in `forum_id` titled
/// `name`, unless an earlier attempt did.
pub async fn create(
    ctx: &Context,
    repo: &Repo,
    pr: &PullRequest,
    generation: u64,
    (forum_id, forum): (u64, &Forum),
    name: &str,
) -> Result<Made, JobError> {
    let key = pr_key(repo, pr);
    let guard = post_key(&key, generation);
    if let Some(id) = ctx.guards.get(&guard).await? {
        return Ok(Made { id, named: None });
    }
    // An older generation's post is another post with the same marker.
    let floor = match generation {
        0 => 0,
        g => ctx.guards.get(&post_key(&key, g - 1)).await?.unwrap_or(0),
    };
    let intent = Intent::read(&ctx.guards, &guard).await?;
    if !intent.fresh {
        let after = lookup::start_after(intent.first_ms, floor);
        let marker = intro_marker(repo, pr);
        if let Some(id) = find_post(ctx, forum_id, forum, after, &marker).await? {
            log::info!(
                "{guard}: first tried {:?} ago; found its forum post {id}, not posting again",
                intent.age()
            );
            let id = ctx.guards.record(&guard, id, Some(EFFECT_TTL)).await?;
            return Ok(Made { id, named: None });
        }
    }
    let state = current_state(ctx, repo, pr).await?;
    let tags = forum.tags.for_new_post(state, forum.require_tag);
    let content = intro(repo, pr);
    let post = NewPost {
        name,
        content: &content,
        tags: &tags,
    };
    let doing = format!("creating a post in forum {forum_id}");
    let declare = Intent::on_permit(&ctx.guards, &guard);
    let made = match ctx
        .discord
        .create_forum_post(forum_id, &post, Some(declare))
        .await
    {
        Ok(id) => (id, name.to_string()),
        // Refused for its title or intro (AutoMod): a neutral post. A
        // forum has no channel of its own to fall back to.
        Err(e) if refusal::is_refusal(&e) => {
            let neutral = refusal::neutral_name(repo, pr.number, qualified(name, pr));
            log::warn!(
                "{}#{}: Discord refused forum post {name:?} ({e}); posting it as {neutral:?}, title withheld",
                repo.full_name,
                pr.number
            );
            let content = refusal::withheld_intro(repo, pr);
            let post = NewPost {
                name: &neutral,
                content: &content,
                tags: &tags,
            };
            let declare = Intent::on_permit(&ctx.guards, &guard);
            let id = ctx
                .discord
                .create_forum_post(forum_id, &post, Some(declare))
                .await;
            (id.map_err(|e| JobError::discord(&doing, e))?, neutral)
        }
        Err(e) => return Err(JobError::discord(&doing, e)),
    };
    let id = ctx.guards.record(&guard, made.0, Some(EFFECT_TTL)).await?;
    Ok(Made {
        id,
        named: Some(made.1),
    })
}

/// Whether the post's name carries its repository: it does not start
/// with `#{number}` (see [`crate::text::thread_name_in`]).
fn qualified(name: &str, pr: &PullRequest) -> bool {
    !name
        .trim_start_matches("[draft] ")
        .starts_with(&format!("#{}", pr.number))
}

/// The earliest post in the forum after snowflake `after` that the bot made
/// and whose first message carries `marker`.
async fn find_post(
    ctx: &Context,
    forum_id: u64,
    forum: &Forum,
    after: u64,
    marker: &Marker,
) -> Result<Option<u64>, JobError> {
    let reading = |e| {
        JobError::discord(
            &format!(
                "looking in forum {forum_id} for a post an earlier attempt may have made \
                 (needs Read Message History)"
            ),
            e,
        )
    };
    let me = ctx.discord.own_user_id().await.map_err(reading)?;
    let mut candidates: Vec<ListedThread> = Vec::new();
    if forum.guild != 0 {
        candidates.extend(
            ctx.discord
                .active_threads(forum.guild)
                .await
                .map_err(reading)?,
        );
    }
    candidates.extend(
        ctx.discord
            .archived_posts(forum_id)
            .await
            .map_err(reading)?,
    );
    candidates.retain(|t| t.parent_id == forum_id && t.id > after && t.owner_id == me);
    candidates.sort_by_key(|t| t.id);
    candidates.dedup_by_key(|t| t.id);
    for post in candidates {
        // A post's first message has the post's id.
        let first = ctx
            .discord
            .messages_after(post.id, post.id - 1, 1)
            .await
            .map_err(reading)?;
        let mine = first
            .first()
            .is_some_and(|m| m.id == post.id && m.author_id == me && marker.matches(&m.content));
        if mine {
            return Ok(Some(post.id));
        }
    }
    Ok(None)
}
