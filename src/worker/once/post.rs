//! Posting a message once per effect, however late a retry comes.
//!
//! 1. The guard: if the effect's key records a message id, it happened.
//! 2. The intent ([`crate::worker::once::intent`]): when the effect was first tried,
//!    recorded before trying: once the budget granted the permit, so that
//!    a job pushed back before sending has tried nothing.
//! 3. An earlier attempt older than the nonce window may have posted and
//!    died before recording: its message is looked for in the channel
//!    ([`crate::worker::once::lookup`]) and, if found, recorded instead of posting.
//! 4. Otherwise the message is posted with a nonce derived from the key
//!    and `enforce_nonce`, which covers attempts within the window
//!    (racing copies, a reply lost a moment ago), and recorded (`SET NX`).

use crate::discord::{DiscordError, Mentions};
use crate::redis_conn::EFFECT_TTL;
use crate::worker::once::intent::Intent;
use crate::worker::once::lookup::{self, Marker};
use crate::worker::{Context, JobError};

const UNKNOWN_CHANNEL: u64 = 10003;

/// One message effect: its guard key, and how its message is recognised.
#[derive(Debug, Clone)]
pub struct Effect<'a> {
    pub key: &'a str,
    pub marker: Marker,
    /// Messages up to this id are known to be another effect's (an older
    /// generation's intro); 0 when none is.
    pub floor: u64,
}

impl<'a> Effect<'a> {
    /// An effect whose message's first line is unique to it.
    pub fn new(key: &'a str, content: &str) -> Effect<'a> {
        Effect {
            key,
            marker: Marker::first_line_of(content),
            floor: 0,
        }
    }
}

/// Posts `content` to `channel` unless the effect already happened;
/// returns the message id either way.
pub async fn post_once(
    ctx: &Context,
    effect: &Effect<'_>,
    channel: u64,
    content: &str,
) -> Result<u64, JobError> {
    post_raw(ctx, effect, channel, content)
        .await?
        .map_err(|e| JobError::discord(&format!("posting to channel {channel}"), e))
}

/// Like [`post_once`], with Discord's answer left for the caller to sort.
pub async fn post_raw(
    ctx: &Context,
    effect: &Effect<'_>,
    channel: u64,
    content: &str,
) -> Result<Result<u64, DiscordError>, JobError> {
    post_raw_mentioning(ctx, effect, channel, content, &Mentions::none()).await
}

/// Like [`post_raw`], pinging exactly `mentions` (whose text the content
/// carries, after its first line: the marker never depends on who is
/// mapped when).
pub async fn post_raw_mentioning(
    ctx: &Context,
    effect: &Effect<'_>,
    channel: u64,
    content: &str,
    mentions: &Mentions,
) -> Result<Result<u64, DiscordError>, JobError> {
    let key = effect.key;
    if let Some(id) = ctx.guards.get(key).await? {
        return Ok(Ok(id));
    }
    let intent = Intent::read(&ctx.guards, key).await?;
    if intent.needs_lookup(ctx.discord.nonce_window()) {
        let after = lookup::start_after(intent.first_ms, effect.floor);
        match lookup::find(ctx, channel, after, &effect.marker).await? {
            Ok(Some(id)) => {
                log::info!(
                    "{key}: first tried {:?} ago; found its message {id} in channel {channel}, not posting again",
                    intent.age()
                );
                return Ok(Ok(ctx.guards.record(key, id, Some(EFFECT_TTL)).await?));
            }
            Ok(None) => {}
            // A deleted thread is the caller's to handle, as when posting.
            Err(e) if e.code() == Some(UNKNOWN_CHANNEL) => return Ok(Err(e)),
            Err(e) => return Err(JobError::discord(&reading(channel), e)),
        }
    }
    // The channel is part of the nonce: a retry into a recreated thread
    // must not get back the message Discord kept for the deleted one.
    let nonce = ctx.guards.nonce(&format!("{key}@{channel}"));
    let declare = Intent::on_permit(&ctx.guards, key);
    let sent = ctx
        .discord
        .send_message_after(channel, content, &nonce, mentions, Some(declare))
        .await;
    match sent {
        Ok(id) => Ok(Ok(ctx.guards.record(key, id, Some(EFFECT_TTL)).await?)),
        Err(e) => Ok(Err(e)),
    }
}

/// What a lookup was doing, for the message of a job it failed.
fn reading(channel: u64) -> String {
    format!(
        "reading channel {channel} for a message an earlier attempt may have posted \
         (needs Read Message History)"
    )
}

/// The short reference that makes a message without a GitHub URL of its
/// own unique to effect `key` (see [`lookup::with_ref`]).
pub fn reference(ctx: &Context, key: &str) -> String {
    ctx.guards.nonce(&format!("{key}#ref"))[..12].to_string()
}
