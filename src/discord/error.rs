//! Why a Discord call failed, sorted by what the caller should do next:
//! give up (permanent), retry later (transient), stop the worker (401), or
//! come back when the shared budget has room (deferred).

use super::limiter::Ticket;

/// Discord's "a thread has already been created for this message".
pub const THREAD_ALREADY_CREATED: u64 = 160004;

/// Why a Discord call failed.
#[derive(Debug)]
pub enum DiscordError {
    /// 401: the token is bad; nothing will work until an operator fixes it.
    Unauthorized,
    /// Discord answered with an error status.
    Api {
        status: u16,
        code: u64,
        message: String,
    },
    /// No answer within the deadline (Discord may still have done the work).
    Timeout,
    /// The request never got an answer (connection refused, reset...).
    Transport(String),
    /// We built a request Discord would refuse (a bug on our side).
    Invalid(String),
    /// The shared budget (Redis) could not be asked; nothing was sent.
    Budget(String),
    /// The budget has no room for a while: nothing was sent, and the job
    /// should come back at `retry_at_ms` (epoch ms), holding `ticket` so
    /// that later requests to the same bucket do not overtake it.
    Deferred { retry_at_ms: u64, ticket: Ticket },
}

impl std::fmt::Display for DiscordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DiscordError::Unauthorized => f.write_str("Discord refused the bot token (401)"),
            DiscordError::Api {
                status,
                code,
                message,
            } => {
                write!(f, "Discord answered {status} (code {code}: {message})")
            }
            DiscordError::Timeout => f.write_str("Discord did not answer in time"),
            DiscordError::Transport(e) => write!(f, "could not reach Discord: {e}"),
            DiscordError::Invalid(e) => write!(f, "request refused before sending: {e}"),
            DiscordError::Budget(e) => {
                write!(
                    f,
                    "the shared Discord budget is unavailable ({e}); nothing was sent"
                )
            }
            DiscordError::Deferred { retry_at_ms, .. } => {
                write!(f, "Discord budget full until {retry_at_ms} (epoch ms)")
            }
        }
    }
}

impl std::error::Error for DiscordError {}

impl DiscordError {
    /// True for answers that a retry cannot change.
    pub fn is_permanent(&self) -> bool {
        match self {
            DiscordError::Api { status, .. } => matches!(status, 400 | 403 | 404),
            DiscordError::Invalid(_) | DiscordError::Unauthorized => true,
            DiscordError::Timeout
            | DiscordError::Transport(_)
            | DiscordError::Budget(_)
            | DiscordError::Deferred { .. } => false,
        }
    }

    pub fn code(&self) -> Option<u64> {
        match self {
            DiscordError::Api { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// The error of a non-2xx answer: Discord's JSON `{code, message}` when
    /// the body has one.
    pub fn from_answer(status: u16, body: &[u8]) -> Self {
        if status == 401 {
            return DiscordError::Unauthorized;
        }
        #[derive(serde::Deserialize)]
        struct Body {
            #[serde(default)]
            code: u64,
            #[serde(default)]
            message: String,
        }
        let parsed: Option<Body> = serde_json::from_slice(body).ok();
        let (code, message) = match parsed {
            Some(b) => (b.code, b.message),
            None => (0, String::from_utf8_lossy(body).chars().take(200).collect()),
        };
        DiscordError::Api {
            status,
            code,
            message,
        }
    }
}
