//! What people read: the words of every Dibs answer and notification.
//! Holders are named as mentions (`<@id>`); whether a mention pings is
//! decided by the `allowed_mentions` sent with the text, not here. Times
//! are Discord timestamps (`<t:…:R>`), shown in each reader's time zone.
//! Whatever people typed (notes, names) passes the same mention-defusing
//! as GitHub text ([`crate::text::defuse`]), on one line.

use super::{Entry, Resource};
use crate::text;

/// Discord's limit on a message's content, in characters.
const MAX_CHARS: usize = 2000;

/// Added to an answer when its timed release or notification could not
/// be queued yet (Faktory unreachable): the change stands, and what it
/// causes waits in Redis until the worker can queue it.
pub const NOT_QUEUED: &str = "⚠ Threadline's job queue is unreachable right now: \
the timed release and notifications this causes are kept, and queued as soon \
as it is back.";

/// A holder or waiter: a mention, or the API holder's name.
pub fn who(e: &Entry) -> String {
    who_id(&e.id)
}

/// A holder id (a Discord user id, or `api:<holder>`) as text.
pub fn who_id(id: &str) -> String {
    match id.parse::<u64>() {
        Ok(user) => format!("<@{user}>"),
        Err(_) => format!("`{}`", safe(id)),
    }
}

/// Typed text made safe to show: one line, mentions defused.
pub fn safe(typed: &str) -> String {
    text::defuse(&text::one_line(typed)).replace('`', "'")
}

fn at(ms: u64, style: char) -> String {
    format!("<t:{}:{style}>", ms / 1000)
}

/// ` for owner/repo#12 (<url>)` when held from a PR's thread.
fn pr(e: &Entry) -> String {
    match e.pr.split_once(' ') {
        _ if e.pr.is_empty() => String::new(),
        Some((name, url)) => format!(" for {name} (<{url}>)"),
        None => format!(" for {}", e.pr),
    }
}

fn until(e: &Entry) -> String {
    match e.until_ms {
        0 => String::new(),
        ms => format!(" until {}", at(ms, 't')),
    }
}

/// One resource: holder, since, until, PR, note, then its queue.
pub fn status(r: &Resource) -> String {
    let mut out = match &r.holder {
        None => format!("**{}**: free", r.name),
        Some(h) => {
            let note = if h.note.is_empty() {
                String::new()
            } else {
                format!(" · {}", safe(&h.note))
            };
            format!(
                "**{}**: held by {} since {}{}{}{note}",
                r.name,
                who(h),
                at(h.since_ms, 'R'),
                until(h),
                pr(h)
            )
        }
    };
    if !r.queue.is_empty() {
        let line: Vec<String> = r
            .queue
            .iter()
            .enumerate()
            .map(|(i, e)| format!("{}. {}", i + 1, who(e)))
            .collect();
        out.push_str(&format!("\n  queue: {}", line.join(", ")));
    }
    out
}

/// Every resource, within one message.
pub fn list(resources: &[Resource]) -> String {
    if resources.is_empty() {
        return "No resources yet: `/dibs on resource:<name>` creates one.".into();
    }
    let all: Vec<String> = resources.iter().map(status).collect();
    cut(&all.join("\n"))
}

/// The answer to `/dibs on` that took or extended a hold.
pub fn took(r: &Resource, holder: &Entry) -> String {
    format!(
        "{} has **{}**{}{}.",
        who(holder),
        r.name,
        until(holder),
        pr(holder)
    )
}

pub fn already(r: &Resource) -> String {
    format!("You already hold **{}**.", r.name)
}

/// The answer to `/dibs on` of a held resource.
pub fn queued(r: &Resource, position: usize) -> String {
    let holder = r.holder.as_ref().map_or("someone".into(), who);
    format!(
        "**{}** is held by {holder}; you are #{position} in line.",
        r.name
    )
}

/// The answer to `/dibs off` of the holder.
pub fn released(r: &Resource, next: Option<&Entry>) -> String {
    match next {
        Some(n) => format!("You released **{}**; {} has it now.", r.name, who(n)),
        None => format!("You released **{}**; it is free.", r.name),
    }
}

/// The answer to `/dibs off force:true` that ended someone else's hold:
/// public, so the channel sees who forced it and whose hold it was.
pub fn forced(r: &Resource, by: &str, old: Option<&Entry>, next: Option<&Entry>) -> String {
    let whose = old.map_or("someone".into(), who);
    let then = match next {
        Some(n) => format!("{} has it now", who(n)),
        None => "it is free".into(),
    };
    format!(
        "{} forced the release of **{}**, held by {whose}; {then}.",
        who_id(by),
        r.name
    )
}

/// The notification of a holder whose hold someone else forced.
pub fn forced_notice(name: &str, old: &Entry, by: &str, next: Option<&Entry>) -> String {
    let then = match next {
        Some(n) => format!("{} has it now", who(n)),
        None => "it is free now".into(),
    };
    format!(
        "{} your hold on **{name}** was released by {} (forced); {then}.",
        who(old),
        who_id(by)
    )
}

/// The answer to `/dibs forget`.
pub fn forgot(name: &str) -> String {
    format!("**{name}** is forgotten: it is no longer listed.")
}

/// Why a new resource was refused.
pub fn full(max: usize) -> String {
    format!(
        "Dibs already has {max} resources, the most without a `[dibs] resources` list: \
         `/dibs forget` one nobody uses first."
    )
}

pub fn left(name: &str) -> String {
    format!("You left the queue for **{name}**.")
}

pub fn not_holding(name: &str) -> String {
    format!("You do not hold **{name}** and are not in its queue.")
}

/// The notification of the next in line, who now holds it.
pub fn your_turn(
    name: &str,
    holder: &Entry,
    old: Option<&Entry>,
    timed_out: bool,
    forced_by: Option<&str>,
) -> String {
    let why = match (old, forced_by) {
        (Some(o), _) if timed_out => format!(": {}'s time ran out", who(o)),
        (Some(o), Some(by)) => format!(": {} forced the release of {}'s hold", who_id(by), who(o)),
        (Some(o), None) => format!(": released by {}", who(o)),
        (None, _) => String::new(),
    };
    format!(
        "{} **{name}** is yours now{why}{}.",
        who(holder),
        until(holder)
    )
}

/// The notification of a holder whose time ran out.
pub fn time_up(name: &str, old: &Entry, next: Option<&Entry>) -> String {
    match next {
        Some(n) => format!(
            "{} your time on **{name}** ran out; {} has it now.",
            who(old),
            who(n)
        ),
        None => format!(
            "{} your time on **{name}** ran out; it is free now.",
            who(old)
        ),
    }
}

/// Cuts to Discord's limit, by characters.
pub fn cut(text: &str) -> String {
    if text.chars().count() <= MAX_CHARS {
        return text.to_string();
    }
    let mut out: String = text.chars().take(MAX_CHARS - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_resource_names_holder_pr_and_queue() {
        let r = Resource {
            name: "staging".into(),
            holder: Some(Entry {
                id: "7".into(),
                since_ms: 1_000_000,
                until_ms: 2_000_000,
                pr: "acme/rocket#12 https://github.com/acme/rocket/pull/12".into(),
                ..Entry::default()
            }),
            queue: vec![Entry {
                id: "api:deploy".into(),
                ..Entry::default()
            }],
            version: 1,
        };
        assert_eq!(
            status(&r),
            "**staging**: held by <@7> since <t:1000:R> until <t:2000:t> for acme/rocket#12 \
             (<https://github.com/acme/rocket/pull/12>)\n  queue: 1. `api:deploy`"
        );
        assert_eq!(cut(&"é".repeat(3000)).chars().count(), 2000);
    }

    #[test]
    fn notes_and_names_are_defused() {
        let r = Resource {
            name: "staging".into(),
            holder: Some(Entry {
                id: "7".into(),
                note: "ping @everyone and @here\nsee [x](https://evil.example)".into(),
                ..Entry::default()
            }),
            ..Resource::default()
        };
        let s = status(&r);
        assert!(!s.contains("@everyone") && !s.contains("@here"), "{s}");
        assert!(!s.contains("](") && !s.contains('\n'), "{s}");
        assert_eq!(who_id("api:x@everyone`"), "`api:x@\u{200b}everyone'`");
    }
}
