//! The `/dibs` subcommands, run against the store: each answers at once
//! with the text for the person who ran it, and queues what a change
//! causes (see [`crate::dibs::after_change`]). Who may run what (guilds,
//! `force`) is decided before, in [`super::dibs::interaction`].

use super::dibs::DibsWeb;
use crate::dibs::ledger::Mode;
use crate::dibs::{render, Entry, Force, Outcome, Releaser, Store};
use std::time::Duration;

/// A parsed `/dibs` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    On {
        resource: String,
        hold: Option<Duration>,
        note: String,
    },
    Off {
        resource: String,
        /// Release whoever holds it (checked: Manage Server or the role).
        force: bool,
    },
    /// Remove a resource nobody holds.
    Forget {
        resource: String,
    },
    List,
    Status {
        resource: String,
    },
}

/// The answer: its text, and whether only its reader sees it (an error).
pub struct Answer {
    pub content: String,
    pub ephemeral: bool,
}

impl Answer {
    fn public(content: String) -> Self {
        Answer {
            content: render::cut(&content),
            ephemeral: false,
        }
    }

    pub fn error(content: String) -> Self {
        Answer {
            content: render::cut(&content),
            ephemeral: true,
        }
    }
}

/// Runs `command` for `who` (id, name and channel filled in).
pub async fn run(dibs: &DibsWeb, command: Command, who: Entry) -> anyhow::Result<Answer> {
    let store = dibs.store().await?;
    let resource = match &command {
        Command::List => return Ok(Answer::public(render::list(&store.list().await?))),
        Command::On { resource, .. }
        | Command::Off { resource, .. }
        | Command::Forget { resource }
        | Command::Status { resource } => resource,
    };
    let name = match dibs.settings.resource(resource) {
        Ok(name) => name,
        Err(why) => return Ok(Answer::error(why)),
    };
    match command {
        Command::On { hold, note, .. } => on(dibs, store, &name, who, hold, note).await,
        Command::Off { force, .. } => off(dibs, store, &name, &who, force).await,
        Command::Forget { .. } => forget(store, &name).await,
        _ => status(store, &name).await,
    }
}

async fn status(store: &Store, name: &str) -> anyhow::Result<Answer> {
    Ok(match store.get(name).await? {
        Some(r) => Answer::public(render::status(&r)),
        None => Answer::error(format!("unknown resource `{name}`: nobody has used it yet")),
    })
}

async fn on(
    dibs: &DibsWeb,
    store: &Store,
    name: &str,
    mut who: Entry,
    hold: Option<Duration>,
    note: String,
) -> anyhow::Result<Answer> {
    // Without `for:` a hold still ends: a forgotten one must not block
    // the resource for good.
    who.for_ms = hold.unwrap_or(dibs.settings.max_hold).as_millis() as u64;
    who.note = note;
    if let Some(pr) = store.pr_of_thread(&who.channel).await? {
        who.pr = pr;
    }
    let cap = dibs.settings.max_resources();
    let change = store.take(name, &who, Mode::Queue, cap).await?;
    if change.outcome == Outcome::Full {
        return Ok(Answer::error(render::full(cap)));
    }
    let followed = dibs.follow(store, &change).await;
    let r = &change.state;
    let text = match (change.outcome, &r.holder) {
        (Outcome::Took | Outcome::Extended, Some(h)) => render::took(r, h),
        (Outcome::Queued | Outcome::AlreadyQueued, _) => {
            render::queued(r, change.position.unwrap_or(0))
        }
        _ => render::already(r),
    };
    Ok(Answer::public(warned(text, followed)))
}

/// Says so when what a change causes could not be queued yet.
fn warned(text: String, followed: bool) -> String {
    match followed {
        true => text,
        false => format!("{text}\n{}", render::NOT_QUEUED),
    }
}

async fn off(
    dibs: &DibsWeb,
    store: &Store,
    name: &str,
    who: &Entry,
    force: bool,
) -> anyhow::Result<Answer> {
    let releaser = Releaser {
        id: &who.id,
        token: "",
        force: if force { Force::All } else { Force::No },
    };
    let change = store.release(name, releaser).await?;
    let followed = dibs.follow(store, &change).await;
    let (r, next) = (&change.state, change.promoted.as_ref());
    Ok(match change.outcome {
        Outcome::Released => {
            let text = match &change.forced_by {
                Some(by) => render::forced(r, by, change.old.as_ref(), next),
                None => render::released(r, next),
            };
            Answer::public(warned(text, followed))
        }
        Outcome::Left => Answer::public(render::left(name)),
        _ => Answer::error(render::not_holding(name)),
    })
}

async fn forget(store: &Store, name: &str) -> anyhow::Result<Answer> {
    let change = store.forget(name).await?;
    Ok(match change.outcome {
        Outcome::Forgot => Answer::public(render::forgot(name)),
        Outcome::Held => Answer::error(format!(
            "**{name}** is held; only a resource nobody holds can be forgotten.\n{}",
            render::status(&change.state)
        )),
        _ => Answer::error(format!("unknown resource `{name}`: nothing to forget")),
    })
}
