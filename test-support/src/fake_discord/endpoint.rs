//! What a request is: the endpoint the fake implements (with its ids
//! parsed), and the rate-limit bucket it falls in. Buckets are classified
//! from the raw method and path, so that unknown routes are limited too.

use super::history::Page;
use super::reply::Reply;
use super::types::Route;

/// A request the fake understands, with ids parsed.
#[derive(Clone, Copy, Debug)]
pub(super) enum Endpoint {
    CreateMessage(u64),
    StartThread(u64, u64),
    UpdateChannel(u64),
    GetChannel(u64),
    EditMessage(u64, u64),
    DeleteMessage(u64, u64),
    ListMessages(u64, Page),
    CurrentUser,
    Interaction(super::interactions::Call),
    CreateForumPost(u64),
    ActiveThreads(u64),
    ArchivedPublic(u64),
    AddMember(u64, u64),
    RemoveMember(u64, u64),
    ListMembers(u64),
}

impl Endpoint {
    /// `Err` carries the reply for paths that are unknown or have a bad id.
    pub(super) fn parse(method: &str, path: &str, query: &str) -> Result<Endpoint, Reply> {
        let not_found = || Reply::error(404, 0, "404: Not Found");
        let segments = api_segments(path).ok_or_else(not_found)?;
        match (method, segments.as_slice()) {
            ("POST", ["channels", c, "messages"]) => Ok(Endpoint::CreateMessage(snowflake(c)?)),
            ("POST", ["channels", c, "messages", m, "threads"]) => {
                Ok(Endpoint::StartThread(snowflake(c)?, snowflake(m)?))
            }
            ("PATCH", ["channels", c]) => Ok(Endpoint::UpdateChannel(snowflake(c)?)),
            ("GET", ["channels", c]) => Ok(Endpoint::GetChannel(snowflake(c)?)),
            ("PATCH", ["channels", c, "messages", m]) => {
                Ok(Endpoint::EditMessage(snowflake(c)?, snowflake(m)?))
            }
            ("DELETE", ["channels", c, "messages", m]) => {
                Ok(Endpoint::DeleteMessage(snowflake(c)?, snowflake(m)?))
            }
            ("GET", ["channels", c, "messages"]) => {
                Ok(Endpoint::ListMessages(snowflake(c)?, Page::parse(query)?))
            }
            ("GET", ["users", "@me"]) => Ok(Endpoint::CurrentUser),
            ("POST", ["channels", c, "threads"]) => Ok(Endpoint::CreateForumPost(snowflake(c)?)),
            ("GET", ["guilds", g, "threads", "active"]) => {
                Ok(Endpoint::ActiveThreads(snowflake(g)?))
            }
            ("GET", ["channels", c, "threads", "archived", "public"]) => {
                Ok(Endpoint::ArchivedPublic(snowflake(c)?))
            }
            ("PUT", ["channels", c, "thread-members", u]) => {
                Ok(Endpoint::AddMember(snowflake(c)?, snowflake(u)?))
            }
            ("DELETE", ["channels", c, "thread-members", u]) => {
                Ok(Endpoint::RemoveMember(snowflake(c)?, snowflake(u)?))
            }
            ("GET", ["channels", c, "thread-members"]) => Ok(Endpoint::ListMembers(snowflake(c)?)),
            (method, segments) => match super::interactions::Call::parse(method, segments) {
                Some(call) => call.map(Endpoint::Interaction),
                None => Err(not_found()),
            },
        }
    }

    pub(super) fn route(self) -> Route {
        match self {
            Endpoint::CreateMessage(_) => Route::CreateMessage,
            Endpoint::StartThread(..) => Route::StartThreadFromMessage,
            Endpoint::UpdateChannel(_) => Route::UpdateChannel,
            Endpoint::GetChannel(_) => Route::GetChannel,
            Endpoint::EditMessage(..) => Route::EditMessage,
            Endpoint::DeleteMessage(..) => Route::DeleteMessage,
            Endpoint::ListMessages(..) => Route::ListMessages,
            Endpoint::CurrentUser => Route::GetCurrentUser,
            Endpoint::Interaction(_) => Route::Any,
            Endpoint::CreateForumPost(_) => Route::CreateForumPost,
            Endpoint::ActiveThreads(_) | Endpoint::ArchivedPublic(_) => Route::ListThreads,
            Endpoint::AddMember(..) | Endpoint::RemoveMember(..) | Endpoint::ListMembers(_) => {
                Route::ThreadMembers
            }
        }
    }
}

/// The path below `/api/v10/`, split on `/`.
fn api_segments(path: &str) -> Option<Vec<&str>> {
    let rest = path.strip_prefix("/api/v10/")?;
    Some(rest.trim_end_matches('/').split('/').collect())
}

fn snowflake(segment: &str) -> Result<u64, Reply> {
    segment
        .parse()
        .map_err(|_| Reply::invalid_form("id", "Value is not snowflake."))
}

/// The kinds of route that have a bucket of their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum BucketKind {
    CreateMessage,
    StartThread,
    UpdateChannel,
    Other,
}

/// A bucket: the route kind plus the route's major id, as Discord keys them.
pub(super) type BucketKey = (BucketKind, u64);

impl BucketKind {
    /// The bucket of any request; unparsable ids count as major id 0.
    pub(super) fn of(method: &str, path: &str) -> BucketKey {
        let Some(segments) = api_segments(path) else {
            return (BucketKind::Other, 0);
        };
        let id = |s: &str| s.parse().unwrap_or(0);
        match (method, segments.as_slice()) {
            ("POST", ["channels", c, "messages"]) => (BucketKind::CreateMessage, id(c)),
            ("POST", ["channels", c, "messages", _, "threads"])
            | ("POST", ["channels", c, "threads"]) => (BucketKind::StartThread, id(c)),
            ("PATCH", ["channels", c]) => (BucketKind::UpdateChannel, id(c)),
            (_, segments) => {
                let major = segments.iter().find_map(|s| s.parse().ok());
                (BucketKind::Other, major.unwrap_or(0))
            }
        }
    }

    /// Discord's opaque `X-RateLimit-Bucket`: per route kind, never per id.
    pub(super) fn hash(self) -> &'static str {
        match self {
            BucketKind::CreateMessage => "80c17d2f203122d936070c88c8d10f33",
            BucketKind::StartThread => "1d9b2f6c8e0a4b3d5f7e9c1a2b4d6f80",
            BucketKind::UpdateChannel => "a06de2b7c1f34e5d9b8a7c6d5e4f3a21",
            BucketKind::Other => "3f2e1d0c9b8a79685746352413021f0e",
        }
    }
}
