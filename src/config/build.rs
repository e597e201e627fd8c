//! From the file as written to a checked [`Config`]: defaults applied,
//! ids and names validated, and every refusal naming its key.

use super::filters::{Bots, Drafts, Filters};
use super::raw::{RawConfig, RawFilters, RawId, RawQuiet, RawReminders, RawTags};
use super::routes::{RepoPattern, Route};
use super::{Config, EnvOverrides, ForumTags, QuietHours, Reminders};
use anyhow::{anyhow, bail, Result};
use std::collections::HashMap;
use std::time::Duration;

const DAY: Duration = Duration::from_secs(86_400);

pub fn build(raw: RawConfig, env: &EnvOverrides) -> Result<Config> {
    let filters = merge_filters(
        &Filters::defaults(env.forward_bots),
        &raw.filters,
        "filters",
    )?;
    let embeds = raw.embeds.unwrap_or(false);
    let ci = super::ci::build(raw.ci.as_ref(), &Default::default(), "ci")?;
    let mut routes = Vec::with_capacity(raw.routes.len());
    for (i, r) in raw.routes.iter().enumerate() {
        let at = format!("routes[{i}]");
        let repo = RepoPattern::parse(&r.repo).ok_or_else(|| {
            anyhow!(
                "{at}.repo: {:?} is not \"owner/name\" or \"owner/*\"",
                r.repo
            )
        })?;
        let channel = r
            .channel
            .as_ref()
            .map(|c| id(c, &format!("{at}.channel")))
            .transpose()?;
        if channel.is_none() && !r.mute {
            bail!("{at}.channel: missing (only a route with mute = true may leave it out)");
        }
        let own = r.filters.clone().unwrap_or_default();
        let route_filters = merge_filters(&filters, &own, &format!("{at}.filters"))?;
        routes.push(Route {
            repo,
            channel,
            mute: r.mute,
            filters: route_filters,
            embeds: r.embeds.unwrap_or(embeds),
            ci: super::ci::build(r.ci.as_ref(), &ci, &format!("{at}.ci"))?,
        });
    }
    Ok(Config {
        routes,
        fallback: env.fallback,
        filters,
        people: ids(&raw.people, "people", |login| !login.is_empty())?,
        teams: ids(&raw.teams, "teams", |team| team.split_once('/').is_some())?,
        forum: tags(&raw.forum.tags)?,
        reminders: match (&raw.reminders, env.reminders_off) {
            (Some(r), false) => Some(reminders(r)?),
            _ => None,
        },
        dibs: super::dibs::build(&raw.dibs)?,
        auto_backfill: env.auto_backfill,
        embeds,
        backlink: raw.github.backlink.unwrap_or(false),
        ci,
    })
}

/// A list in `own` replaces the base list; it is not merged.
fn merge_filters(base: &Filters, own: &RawFilters, at: &str) -> Result<Filters> {
    let list = |own: &Option<Vec<String>>, base: &Vec<String>| {
        own.as_deref().map_or_else(|| base.clone(), lowercase)
    };
    Ok(Filters {
        bots: match own.bots.as_deref() {
            None => base.bots,
            Some("ignore") => Bots::Ignore,
            Some("forward") => Bots::Forward,
            Some(other) => bail!("{at}.bots: {other:?} is not \"ignore\" or \"forward\""),
        },
        bot_allowlist: list(&own.bot_allowlist, &base.bot_allowlist),
        labels_include: list(&own.labels_include, &base.labels_include),
        labels_exclude: list(&own.labels_exclude, &base.labels_exclude),
        base_branches: own
            .base_branches
            .clone()
            .unwrap_or_else(|| base.base_branches.clone()),
        authors_exclude: list(&own.authors_exclude, &base.authors_exclude),
        drafts: match own.drafts.as_deref() {
            None => base.drafts,
            Some("create") => Drafts::Create,
            Some("hold") => Drafts::Hold,
            Some(other) => bail!("{at}.drafts: {other:?} is not \"create\" or \"hold\""),
        },
    })
}

fn lowercase(list: &[String]) -> Vec<String> {
    list.iter().map(|s| s.trim().to_ascii_lowercase()).collect()
}

/// A Discord snowflake: digits only, not zero.
fn id(raw: &RawId, at: &str) -> Result<u64> {
    let parsed = match raw {
        RawId::Text(s) => s.trim().parse::<u64>().ok(),
        RawId::Number(n) => u64::try_from(*n).ok(),
    };
    match parsed {
        Some(n) if n > 0 => Ok(n),
        _ => bail!("{at}: {raw:?} is not a Discord id (digits, e.g. \"600000000000000002\")"),
    }
}

fn ids(
    table: &std::collections::BTreeMap<String, RawId>,
    at: &str,
    valid_key: impl Fn(&str) -> bool,
) -> Result<HashMap<String, u64>> {
    let mut out = HashMap::with_capacity(table.len());
    for (key, value) in table {
        if !valid_key(key) {
            bail!("{at}: key {key:?} is not valid here");
        }
        let id = id(value, &format!("{at}.{key:?}"))?;
        out.insert(key.to_ascii_lowercase(), id);
    }
    Ok(out)
}

fn tags(raw: &RawTags) -> Result<ForumTags> {
    let pick = |v: &Option<String>, default: &str, key: &str| -> Result<String> {
        match v.as_deref().map(str::trim) {
            None => Ok(default.to_string()),
            Some("") => bail!("forum.tags.{key}: a tag name cannot be empty"),
            Some(name) if name.chars().count() > 20 => {
                bail!("forum.tags.{key}: {name:?} is longer than Discord's 20 characters")
            }
            Some(name) => Ok(name.to_string()),
        }
    };
    Ok(ForumTags {
        open: pick(&raw.open, "Open", "open")?,
        draft: pick(&raw.draft, "Draft", "draft")?,
        approved: pick(&raw.approved, "Approved", "approved")?,
        changes_requested: pick(
            &raw.changes_requested,
            "Changes requested",
            "changes_requested",
        )?,
        merged: pick(&raw.merged, "Merged", "merged")?,
        closed: pick(&raw.closed, "Closed", "closed")?,
    })
}

fn reminders(raw: &RawReminders) -> Result<Reminders> {
    let duration = |v: &Option<String>, key: &str| -> Result<Duration> {
        let Some(text) = v else { return Ok(DAY) };
        match crate::duration::parse(text) {
            Some(d) if !d.is_zero() => Ok(d),
            _ => bail!(
                "reminders.{key}: {text:?} is not a duration such as \"90s\", \"1h30m\" or \"2d\""
            ),
        }
    };
    let max = match raw.max {
        None => 2,
        Some(n @ 1..=100) => n as u32,
        Some(n) => bail!("reminders.max: {n} is not between 1 and 100"),
    };
    Ok(Reminders {
        after: duration(&raw.after, "after")?,
        every: duration(&raw.every, "every")?,
        max,
        quiet_hours: raw.quiet_hours.as_ref().map(quiet).transpose()?,
    })
}

fn quiet(raw: &RawQuiet) -> Result<QuietHours> {
    let time = |v: &str, key: &str| {
        chrono::NaiveTime::parse_from_str(v.trim(), "%H:%M").map_err(|_| {
            anyhow!("reminders.quiet_hours.{key}: {v:?} is not a time such as \"19:00\"")
        })
    };
    Ok(QuietHours {
        from: time(&raw.from, "from")?,
        to: time(&raw.to, "to")?,
        tz: raw.tz.trim().parse().map_err(|_| {
            anyhow!(
                "reminders.quiet_hours.tz: {:?} is not an IANA time zone such as \"Europe/Berlin\"",
                raw.tz
            )
        })?,
        weekends: raw.weekends,
    })
}
