//! Changing what Threadline already posted: a message is edited (its
//! comment was edited on GitHub) or deleted (its comment was deleted), and
//! a thread's lock is read before an archived thread is reopened for such a
//! change. A bot edits and deletes its own messages without Manage
//! Messages; that permission is only needed for other users' messages.
//!
//! Like every call, these go through the shared budget: Discord gives
//! message edits and deletes buckets of their own (see [`super::bucket`]).

use super::{id, invalid, Discord, DiscordError};
use twilight_http::request::TryIntoRequest;
use twilight_model::channel::message::{AllowedMentions, MessageFlags};

/// Discord's "Unknown Message": deleted meanwhile, or not in that channel.
pub const UNKNOWN_MESSAGE: u64 = 10008;
/// Discord's "Unknown Channel": the thread itself is gone.
pub const UNKNOWN_CHANNEL: u64 = 10003;
/// Discord's "Thread is archived": its messages cannot change until the
/// thread is unarchived.
pub const THREAD_ARCHIVED: u64 = 50083;
/// Discord's "Thread is locked".
pub const THREAD_LOCKED: u64 = 160005;

/// The part of a channel that says whether a thread is locked.
#[derive(serde::Deserialize)]
struct ThreadChannel {
    thread_metadata: Option<ThreadMetadata>,
}

#[derive(serde::Deserialize)]
struct ThreadMetadata {
    #[serde(default)]
    locked: bool,
}

impl Discord {
    /// Replaces the content of a message the bot posted; it pings nobody,
    /// like the message it replaces.
    pub async fn edit_message(
        &self,
        channel: u64,
        message: u64,
        content: &str,
    ) -> Result<(), DiscordError> {
        let nobody = AllowedMentions::default();
        // The edit keeps link previews off, as the message was sent.
        let flags = self.message_flags().map(MessageFlags::from_bits_truncate);
        self.change(
            || format!("edit message {message} in channel {channel}:\n{content}"),
            |client| {
                let mut request = client
                    .update_message(id(channel)?, id(message)?)
                    .content(Some(content))
                    .allowed_mentions(Some(&nobody));
                if let Some(flags) = flags {
                    request = request.flags(flags);
                }
                request.try_into_request().map_err(invalid)
            },
        )
        .await
    }

    /// Deletes a message the bot posted (Discord answers 204).
    pub async fn delete_message(&self, channel: u64, message: u64) -> Result<(), DiscordError> {
        self.change(
            || format!("delete message {message} in channel {channel}"),
            |client| {
                client
                    .delete_message(id(channel)?, id(message)?)
                    .try_into_request()
                    .map_err(invalid)
            },
        )
        .await
    }

    /// Whether a thread is locked (a moderator's lock included, which
    /// Threadline's own records cannot know about).
    pub async fn thread_locked(&self, thread: u64) -> Result<bool, DiscordError> {
        let channel: Option<ThreadChannel> = self.read_channel(thread).await?;
        Ok(channel
            .and_then(|c| c.thread_metadata)
            .is_some_and(|m| m.locked))
    }
}
