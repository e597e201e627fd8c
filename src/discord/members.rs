//! Thread members: adding a person to a PR's thread, so that it shows in
//! their thread list and they get its notifications.

use super::{id, invalid, Discord, DiscordError};
use twilight_http::request::TryIntoRequest;

impl Discord {
    /// `PUT /channels/{thread}/thread-members/{user}`; adding a member
    /// twice is a no-op on Discord's side. The thread must not be archived.
    pub async fn add_thread_member(&self, thread: u64, user: u64) -> Result<(), DiscordError> {
        self.change(
            || format!("add user {user} to thread {thread}"),
            |client| {
                client
                    .add_thread_member(id(thread)?, id(user)?)
                    .try_into_request()
                    .map_err(invalid)
            },
        )
        .await
    }
}
