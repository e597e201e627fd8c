//! Which rate-limit bucket a request falls in, before Discord has said.
//!
//! Discord keys a bucket by an opaque hash (shared by routes with the same
//! limit) plus the route's major parameter: the channel, guild or webhook
//! id. Until a response has told us the hash, a request is known by its
//! route template (`POST /channels/{id}/messages`) and major id, and gets
//! the seed limits below, which the budget replaces with what Discord
//! advertises in its headers.

use std::time::Duration;

/// A request's place in Discord's rate limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// `METHOD /path` with every id replaced by `{id}`; never holds an id,
    /// so it is safe as a metric label too.
    pub template: String,
    /// The major parameter (channel, guild or webhook id); 0 when none.
    pub major: u64,
}

/// Limits assumed for a route until Discord's headers say otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seed {
    pub limit: u32,
    pub window: Duration,
}

const fn seed(limit: u32, millis: u64) -> Seed {
    Seed {
        limit,
        window: Duration::from_millis(millis),
    }
}

impl Route {
    /// Classifies a request by method and API path (`channels/1/messages`).
    pub fn of(method: &str, path: &str) -> Route {
        let path = path.split('?').next().unwrap_or_default();
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let is_id = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let major = match segments.as_slice() {
            [top, id, ..] if matches!(*top, "channels" | "guilds" | "webhooks") && is_id(id) => {
                id.parse().unwrap_or(0)
            }
            _ => 0,
        };
        let shape: Vec<&str> = segments
            .iter()
            .map(|s| if is_id(s) { "{id}" } else { s })
            .collect();
        Route {
            template: format!("{method} /{}", shape.join("/")),
            major,
        }
    }

    /// The seed limits of this route's bucket.
    pub fn seed(&self) -> Seed {
        match self.template.as_str() {
            "POST /channels/{id}/messages" => seed(5, 5_000),
            "PATCH /channels/{id}" => seed(5, 5_000),
            "POST /channels/{id}/threads" | "POST /channels/{id}/messages/{id}/threads" => {
                seed(10, 10_000)
            }
            "PATCH /channels/{id}/messages/{id}" => seed(5, 5_000),
            "DELETE /channels/{id}/messages/{id}" => seed(5, 1_000),
            _ => seed(50, 1_000),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_hide_ids_and_keep_the_major() {
        let r = Route::of("POST", "channels/123/messages");
        assert_eq!(r.template, "POST /channels/{id}/messages");
        assert_eq!(r.major, 123);
        assert_eq!(r.seed(), seed(5, 5_000));
        let t = Route::of("POST", "channels/9/messages/77/threads");
        assert_eq!(t.template, "POST /channels/{id}/messages/{id}/threads");
        assert_eq!((t.major, t.seed().limit), (9, 10));
        let d = Route::of("DELETE", "channels/9/messages/77");
        assert_eq!(d.seed(), seed(5, 1_000));
        // Reading a channel back is a bucket of its own, apart from posting.
        let g = Route::of("GET", "channels/9/messages?after=5&limit=100");
        assert_eq!(g.template, "GET /channels/{id}/messages");
        assert_eq!((g.major, g.seed()), (9, seed(50, 1_000)));
        assert_ne!(g.template, r.template);
        let u = Route::of("GET", "users/@me");
        assert_eq!((u.major, u.seed()), (0, seed(50, 1_000)));
        assert_eq!(
            Route::of("PATCH", "channels/5?x=1").template,
            "PATCH /channels/{id}"
        );
    }
}
