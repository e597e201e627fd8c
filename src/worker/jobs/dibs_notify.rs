//! `dibs.notify`: tells someone what a Dibs change means for them (their
//! turn came, their time ran out) with a channel message in the channel
//! where they ran their command. An interaction's token expires after 15
//! minutes, so this is an ordinary message, posted once per job delivery
//! like every other effect (see `post`), pinging only the person it is for.

use crate::worker::once::{lookup, post};
use crate::worker::{Context, JobError};
use crate::discord::Mentions;
use threadline_jobs::DibsNotify;

const UNKNOWN_CHANNEL: u64 = 10003;

pub async fn perform(ctx: &Context, job: DibsNotify) -> Result<(), JobError> {
    let key = crate::keys::delivery_effect(job.delivery.key(), "notify");
    // The reference makes the first line unique, so a late retry finds
    // the message it may have posted instead of posting it again.
    let text = lookup::with_ref(&job.content, &post::reference(ctx, &key));
    let effect = post::Effect::new(&key, &text);
    let bad = |what: &str| JobError::Permanent(anyhow::anyhow!("{key}: {what} is not a snowflake"));
    let channel: u64 = job.channel_id.parse().map_err(|_| bad("channel_id"))?;
    let mut mentions = Mentions::none();
    if let Some(user) = &job.user_id {
        mentions.user(user.parse::<u64>().map_err(|_| bad("user_id"))?);
    }
    match post::post_raw_mentioning(ctx, &effect, channel, &text, &mentions).await? {
        Ok(_) => Ok(()),
        // Where they asked is gone: there is nobody left to tell there.
        Err(e) if e.code() == Some(UNKNOWN_CHANNEL) => {
            log::warn!("{key}: channel {channel} is gone; notification dropped");
            Ok(())
        }
        Err(e) => Err(JobError::discord(
            &format!("posting a dibs notification to channel {channel}"),
            e,
        )),
    }
}
