//! The Discord adapter: the few calls Threadline makes, each within the
//! shared budget ([`limiter`]) and an overall deadline, with errors sorted
//! by what the caller should do.
//!
//! twilight-http builds and validates each request (routes, name and
//! content limits); [`transport`] sends it and hands back every header, so
//! that the budget learns Discord's limits from every answer and sees every
//! 429. Messages are sent as a raw JSON body so that they can carry
//! `enforce_nonce` (twilight has no setter for it) and an explicit
//! `allowed_mentions` that pings nobody. In dry-run mode every call is
//! logged instead of sent, and answers with an id derived from its input,
//! so retries in dry-run behave like retries against Discord.

pub mod bucket;
mod channel;
pub mod edit;
mod error;
mod forum;
mod history;
pub mod limiter;
mod members;
mod mentions;
mod patience;
mod thread;
pub mod transport;

pub use channel::{ChannelInfo, ForumTag};
pub use error::{DiscordError, THREAD_ALREADY_CREATED};
pub use forum::{ListedThread, NewPost, PostState};
pub use history::{Listed, PAGE_MAX};
pub use limiter::{Budget, BudgetSettings, Pass, Ticket};
pub use mentions::{Mentions, MENTIONS_MAX};
pub use patience::{Retry, START_UP_PATIENCE};
pub use thread::ThreadPatch;

/// Runs once a request's permit is granted, just before the request
/// leaves (e.g. recording an intent); an error stops the request unsent.
pub type BeforeSend<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), DiscordError>> + Send + 'a>>;

/// Discord's message flag `SUPPRESS_EMBEDS` (1 << 2): no link previews.
pub const SUPPRESS_EMBEDS: u64 = 1 << 2;

use crate::metrics::Metrics;
use crate::settings::DiscordSettings;
use bucket::Route;
use std::sync::Arc;
use std::time::Duration;
use transport::Transport;
use twilight_http::request::{Request, TryIntoRequest};
use twilight_model::channel::thread::AutoArchiveDuration;
use twilight_model::id::Id;

/// How many 429s in a row one call accepts before it fails (and retries later).
const MAX_RATE_LIMITED: usize = 3;
/// How long a nonce is relied on when the settings do not say (dry runs).
const NONCE_WINDOW: Duration = Duration::from_secs(60);

/// The Discord client of a worker; [`Discord::for_job`] gives each job its
/// own view, carrying the budget ticket it came back with.
#[derive(Clone)]
pub struct Discord {
    live: Option<Arc<Live>>,
    pass: Pass,
    metrics: Option<Metrics>,
    nonce_window: Duration,
    /// Link previews (embeds) on: the config's `embeds = true`. Off by
    /// default, so that a URL in GitHub text unfurls nothing.
    embeds: bool,
}

struct Live {
    /// Only builds requests; never sends (its own limiter is off).
    builder: twilight_http::Client,
    transport: Transport,
    budget: Budget,
    deadline: Duration,
    /// The bot's own user id, once asked ([`history`]).
    me: tokio::sync::OnceCell<u64>,
}

/// `allowed_mentions` of a body built here (forum posts): nobody.
#[derive(serde::Serialize)]
struct AllowedMentions {
    parse: [&'static str; 0],
    /// The only users a message may ping; absent (none) for most.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    users: Vec<String>,
}

/// The id of whatever Discord created; ids are strings on the wire.
#[derive(serde::Deserialize)]
struct Created {
    id: serde_json::Value,
}

impl Discord {
    /// Builds the client; `budget` is where every process takes its permits.
    pub fn new(settings: &DiscordSettings, budget: Budget) -> Result<Self, DiscordError> {
        let Some(token) = &settings.token else {
            return Ok(Discord::dry_run());
        };
        let _ = rustls::crypto::ring::default_provider().install_default();
        let builder = twilight_http::Client::builder()
            .token(token.expose().to_string())
            .ratelimiter(None)
            .build();
        let attempt = settings.call_deadline.min(Duration::from_secs(10));
        let live = Live {
            builder,
            transport: Transport::new(&settings.api_url, token.expose(), attempt)?,
            budget,
            deadline: settings.call_deadline,
            me: tokio::sync::OnceCell::new(),
        };
        Ok(Discord {
            live: Some(Arc::new(live)),
            pass: Pass::default(),
            metrics: None,
            nonce_window: settings.nonce_window,
            embeds: false,
        })
    }

    pub fn dry_run() -> Self {
        Discord {
            live: None,
            pass: Pass::default(),
            metrics: None,
            nonce_window: NONCE_WINDOW,
            embeds: false,
        }
    }

    /// Counts every request and budget wait in `metrics`.
    pub fn with_metrics(self, metrics: Metrics) -> Self {
        Discord {
            metrics: Some(metrics),
            ..self
        }
    }

    pub fn is_dry_run(&self) -> bool {
        self.live.is_none()
    }

    /// This client for one job that holds `ticket` from a push-back.
    pub fn for_job(&self, ticket: Option<Ticket>) -> Self {
        Discord {
            live: self.live.clone(),
            pass: Pass::new(ticket),
            metrics: self.metrics.clone(),
            nonce_window: self.nonce_window,
            embeds: self.embeds,
        }
    }

    /// This client with link previews on (`true`) or suppressed.
    pub fn with_embeds(self, embeds: bool) -> Self {
        Discord { embeds, ..self }
    }

    /// The `flags` every message this client sends or edits carries:
    /// `SUPPRESS_EMBEDS` unless embeds are on.
    pub fn message_flags(&self) -> Option<u64> {
        (!self.embeds).then_some(SUPPRESS_EMBEDS)
    }

    /// How long a repeat with the same nonce is relied on to return the
    /// first message (`DISCORD_NONCE_WINDOW_SECS`, below Discord's own).
    pub fn nonce_window(&self) -> Duration {
        self.nonce_window
    }

    /// Gives back the budget ticket this job came back with if none of its
    /// requests used it (the effect was done meanwhile).
    pub async fn release_unused(&self) {
        if let Some(live) = &self.live {
            live.budget.release(&self.pass).await;
        }
    }

    /// The ticket this job came back with, if no request used it yet.
    pub fn unused_ticket(&self) -> Option<Ticket> {
        self.pass.peek()
    }

    /// Posts a message that pings nobody; a repeat with the same nonce
    /// within Discord's nonce window returns the first message.
    pub async fn send_message(
        &self,
        channel: u64,
        content: &str,
        nonce: &str,
    ) -> Result<u64, DiscordError> {
        self.send_message_mentioning(channel, content, nonce, &Mentions::none())
            .await
    }

    /// Starts a public thread from `message`; its id is the message's id.
    pub async fn start_thread(
        &self,
        channel: u64,
        message: u64,
        name: &str,
    ) -> Result<u64, DiscordError> {
        let Some(live) = &self.live else {
            log::warn!(
                "DRY RUN: start thread {name:?} from message {message} in channel {channel}"
            );
            return Ok(message);
        };
        let request = live
            .builder
            .create_thread_from_message(id(channel)?, id(message)?, name)
            .auto_archive_duration(AutoArchiveDuration::Week)
            .try_into_request()
            .map_err(invalid)?;
        created_id(self.call(live, request).await?)
    }
}

impl Discord {
    /// A change on Discord whose answer body nobody reads: the request
    /// `build` makes from the live client, sent through [`Discord::call`];
    /// in a dry run, `dry` is logged instead.
    async fn change(
        &self,
        dry: impl FnOnce() -> String,
        build: impl FnOnce(&twilight_http::Client) -> Result<Request, DiscordError>,
    ) -> Result<(), DiscordError> {
        let Some(live) = &self.live else {
            log::info!("DRY RUN: {}", dry());
            return Ok(());
        };
        let request = build(&live.builder)?;
        self.call(live, request).await.map(|_| ())
    }

    /// `GET /channels/{id}`, read as `T`; `None` in a dry run.
    async fn read_channel<T: serde::de::DeserializeOwned>(
        &self,
        channel: u64,
    ) -> Result<Option<T>, DiscordError> {
        let Some(live) = &self.live else {
            return Ok(None);
        };
        let request = live
            .builder
            .channel(id(channel)?)
            .try_into_request()
            .map_err(invalid)?;
        let body = self.call(live, request).await?;
        serde_json::from_slice(&body)
            .map(Some)
            .map_err(|e| DiscordError::Transport(format!("unreadable channel: {e}")))
    }
}

impl Discord {
    /// Sends `request` within the budget: a permit first, then the request
    /// (within the deadline), then the answer's limits back to the budget.
    /// A 429 (which the budget should have prevented) is learned by every
    /// process, and the call asks for a new permit.
    async fn call(&self, live: &Live, request: Request) -> Result<Vec<u8>, DiscordError> {
        self.call_after(live, request, None).await
    }

    /// [`Discord::call`], running `before` once the first permit is
    /// granted: a job pushed back by the budget has not run it.
    async fn call_after(
        &self,
        live: &Live,
        request: Request,
        mut before: Option<BeforeSend<'_>>,
    ) -> Result<Vec<u8>, DiscordError> {
        let route = Route::of(request.method().name(), request.path());
        for _ in 0..MAX_RATE_LIMITED {
            let asked = std::time::Instant::now();
            let permit = live.budget.acquire(&route, &self.pass).await?;
            if let Some(hook) = before.take() {
                if let Err(e) = hook.await {
                    // Nothing left: the permit's slot is given back as unanswered.
                    let none = Default::default();
                    live.budget
                        .learn(&route, &permit, permit.lateness(), 0, &none)
                        .await;
                    return Err(e);
                }
            }
            let waited = asked.elapsed();
            let late = permit.lateness();
            let sent = within(live.deadline, live.transport.send(&request)).await;
            self.meter(&route, waited, sent.as_ref().ok().map(|a| a.status));
            let answer = match sent {
                Ok(answer) => answer,
                Err(e) => {
                    let none = Default::default();
                    live.budget.learn(&route, &permit, late, 0, &none).await;
                    return Err(e);
                }
            };
            live.budget
                .learn(&route, &permit, late, answer.status, &answer.limits)
                .await;
            match answer.status {
                200..=299 => return Ok(answer.body),
                429 => log::warn!(
                    "Discord answered 429 on {} ({:?} scope); asking the budget again",
                    route.template,
                    answer.limits.scope
                ),
                status => return Err(DiscordError::from_answer(status, &answer.body)),
            }
        }
        Err(DiscordError::Transport(format!(
            "rate limited {MAX_RATE_LIMITED} times in a row on {}",
            route.template
        )))
    }
}

impl Discord {
    /// One request in the metrics: its wait for the budget and its status
    /// (`error` when no answer came).
    fn meter(&self, route: &Route, waited: Duration, status: Option<u16>) {
        if let Some(metrics) = &self.metrics {
            metrics.ratelimit_wait(waited.as_secs_f64());
            let status = status.map_or_else(|| "error".to_string(), |s| s.to_string());
            metrics.discord_request(&route.template, &status);
        }
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

fn invalid(e: twilight_http::Error) -> DiscordError {
    DiscordError::Invalid(e.to_string())
}

fn created_id(body: Vec<u8>) -> Result<u64, DiscordError> {
    let unreadable = |why: String| DiscordError::Transport(format!("unreadable answer: {why}"));
    let created: Created = serde_json::from_slice(&body).map_err(|e| unreadable(e.to_string()))?;
    let id = match &created.id {
        serde_json::Value::String(s) => s.parse().ok(),
        serde_json::Value::Number(n) => n.as_u64(),
        _ => None,
    };
    id.ok_or_else(|| unreadable(format!("id {} is not a snowflake", created.id)))
}

/// A stable fake snowflake for dry runs.
fn id_from(seed: &str) -> u64 {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(seed.as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(bytes) >> 2).max(1)
}
