//! The Discord adapter: the few calls Threadline makes, each with an
//! overall deadline, and errors sorted by what the caller should do.
//!
//! Messages are sent as a raw JSON body so that they can carry
//! `enforce_nonce` (twilight has no setter for it) and an explicit
//! `allowed_mentions` that pings nobody. In dry-run mode every call is
//! logged instead of sent, and answers with an id derived from its input,
//! so retries in dry-run behave like retries against Discord.

use crate::settings::DiscordSettings;
use std::time::Duration;
use twilight_http::error::ErrorType;
use twilight_model::channel::thread::AutoArchiveDuration;
use twilight_model::id::Id;

/// Discord's "a thread has already been created for this message".
pub const THREAD_ALREADY_CREATED: u64 = 160004;

/// Why a Discord call failed, sorted by what to do next.
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
            DiscordError::Timeout | DiscordError::Transport(_) => false,
        }
    }

    pub fn code(&self) -> Option<u64> {
        match self {
            DiscordError::Api { code, .. } => Some(*code),
            _ => None,
        }
    }
}

pub enum Discord {
    Live {
        http: Box<twilight_http::Client>,
        deadline: Duration,
    },
    DryRun,
}

#[derive(serde::Serialize)]
struct MessageBody<'a> {
    content: &'a str,
    nonce: &'a str,
    enforce_nonce: bool,
    allowed_mentions: AllowedMentions,
}

#[derive(serde::Serialize)]
struct AllowedMentions {
    parse: [&'static str; 0],
}

impl Discord {
    /// Builds the client; must run inside a Tokio runtime (twilight spawns
    /// its rate limiter there).
    pub fn new(settings: &DiscordSettings) -> Self {
        let Some(token) = &settings.token else {
            return Discord::DryRun;
        };
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = twilight_http::Client::builder()
            .token(token.expose().to_string())
            .default_allowed_mentions(Default::default())
            .timeout(settings.call_deadline.min(Duration::from_secs(10)));
        if let Some((host, plain_http)) = proxy_of(&settings.api_url) {
            builder = builder.proxy(host, plain_http);
        }
        Discord::Live {
            http: Box::new(builder.build()),
            deadline: settings.call_deadline,
        }
    }

    pub fn is_dry_run(&self) -> bool {
        matches!(self, Discord::DryRun)
    }

    /// Posts a message that pings nobody; a repeat with the same nonce
    /// within Discord's nonce window returns the first message.
    pub async fn send_message(
        &self,
        channel: u64,
        content: &str,
        nonce: &str,
    ) -> Result<u64, DiscordError> {
        let Discord::Live { http, deadline } = self else {
            log::info!("DRY RUN: post to channel {channel} (nonce {nonce}):\n{content}");
            return Ok(id_from(nonce));
        };
        let body = MessageBody {
            content,
            nonce,
            enforce_nonce: true,
            allowed_mentions: AllowedMentions { parse: [] },
        };
        let body = serde_json::to_vec(&body).map_err(|e| DiscordError::Invalid(e.to_string()))?;
        let channel = id(channel)?;
        let call = async {
            let response = http
                .create_message(channel)
                .payload_json(&body)
                .await
                .map_err(classify)?;
            response.model().await.map_err(unreadable)
        };
        Ok(within(*deadline, call).await?.id.get())
    }

    /// Starts a public thread from `message`; its id is the message's id.
    pub async fn start_thread(
        &self,
        channel: u64,
        message: u64,
        name: &str,
    ) -> Result<u64, DiscordError> {
        let Discord::Live { http, deadline } = self else {
            log::warn!(
                "DRY RUN: start thread {name:?} from message {message} in channel {channel}"
            );
            return Ok(message);
        };
        let (channel, message) = (id(channel)?, id(message)?);
        let call = async {
            let response = http
                .create_thread_from_message(channel, message, name)
                .auto_archive_duration(AutoArchiveDuration::Week)
                .await
                .map_err(classify)?;
            response.model().await.map_err(unreadable)
        };
        Ok(within(*deadline, call).await?.id.get())
    }
}

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
        let Discord::Live { http, deadline } = self else {
            log::info!("DRY RUN: update thread {thread}: {patch:?}");
            return Ok(());
        };
        let thread = id(thread)?;
        let call = async {
            let mut request = http.update_thread(thread);
            if let Some(name) = &patch.name {
                request = request.name(name);
            }
            if let Some(archived) = patch.archived {
                request = request.archived(archived);
            }
            if let Some(locked) = patch.locked {
                request = request.locked(locked);
            }
            request.await.map_err(classify).map(|_| ())
        };
        within(*deadline, call).await
    }
}

async fn within<T>(
    deadline: Duration,
    call: impl std::future::Future<Output = Result<T, DiscordError>>,
) -> Result<T, DiscordError> {
    tokio::time::timeout(deadline, call)
        .await
        .unwrap_or(Err(DiscordError::Timeout))
}

fn id<T>(raw: u64) -> Result<Id<T>, DiscordError> {
    Id::new_checked(raw).ok_or_else(|| DiscordError::Invalid(format!("{raw} is not a Discord id")))
}

fn unreadable(e: twilight_http::response::DeserializeBodyError) -> DiscordError {
    DiscordError::Transport(format!("unreadable answer: {e}"))
}

fn classify(e: twilight_http::Error) -> DiscordError {
    match e.kind() {
        ErrorType::Unauthorized => DiscordError::Unauthorized,
        ErrorType::Response { status, .. } if status.get() == 401 => DiscordError::Unauthorized,
        ErrorType::Response { status, error, .. } => {
            let (code, message) = match error {
                twilight_http::api_error::ApiError::General(g) => (g.code, g.message.clone()),
                other => (0, other.to_string()),
            };
            DiscordError::Api {
                status: status.get(),
                code,
                message,
            }
        }
        ErrorType::RequestTimedOut => DiscordError::Timeout,
        ErrorType::Validation | ErrorType::BuildingRequest | ErrorType::Json => {
            DiscordError::Invalid(e.to_string())
        }
        _ => DiscordError::Transport(e.to_string()),
    }
}

/// `DISCORD_API_URL` to twilight's proxy setting; `None` for real Discord.
fn proxy_of(api_url: &str) -> Option<(String, bool)> {
    let url = api_url.trim_end_matches('/');
    if url == "https://discord.com" {
        return None;
    }
    match url.split_once("://") {
        Some(("http", host)) => Some((host.to_string(), true)),
        Some((_, host)) => Some((host.to_string(), false)),
        None => Some((url.to_string(), true)),
    }
}

/// A stable fake snowflake for dry runs.
fn id_from(seed: &str) -> u64 {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(seed.as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(bytes) >> 2).max(1)
}
