//! Changing a thread: its name, archived and locked flags, in one PATCH.

use super::{id, invalid, Discord, DiscordError};
use twilight_http::request::TryIntoRequest;

/// A change to a thread; `None` leaves a field as it is.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ThreadPatch {
    pub name: Option<String>,
    pub archived: Option<bool>,
    pub locked: Option<bool>,
}

impl Discord {
    /// Renames, archives or locks a thread (Manage Threads for locking).
    pub async fn update_thread(
        &self,
        thread: u64,
        patch: &ThreadPatch,
    ) -> Result<(), DiscordError> {
        self.change(
            || format!("update thread {thread}: {patch:?}"),
            |client| {
                let mut request = client.update_thread(id(thread)?);
                if let Some(name) = &patch.name {
                    request = request.name(name);
                }
                if let Some(archived) = patch.archived {
                    request = request.archived(archived);
                }
                if let Some(locked) = patch.locked {
                    request = request.locked(locked);
                }
                request.try_into_request().map_err(invalid)
            },
        )
        .await
    }
}
