//! Quiet hours: the first instant at or after a given one when a reminder
//! may be posted, in the configured time zone.
//!
//! The daily window `from`–`to` may cross midnight (19:00–08:00); with
//! `weekends`, all of Saturday and Sunday is quiet too. Local times are
//! turned back into instants with the zone's rules, so on a DST day a
//! window end that does not exist (spring forward) means the first minute
//! that does, and one that exists twice (fall back) means the first of the
//! two that is still ahead.

use crate::config::QuietHours;
use chrono::{DateTime, Datelike, LocalResult, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

/// More quiet stretches in a row than any window and weekend can make.
const MAX_STEPS: usize = 16;
/// A DST gap is at most a few hours; a minute at a time finds its end.
const GAP_MINUTES: i64 = 4 * 60;

/// The first instant at or after `now` outside quiet hours.
pub fn next_allowed(now: DateTime<Utc>, quiet: &QuietHours) -> DateTime<Utc> {
    let mut at = now;
    for _ in 0..MAX_STEPS {
        let local = at.with_timezone(&quiet.tz).naive_local();
        let end = if quiet.weekends && is_weekend(local) {
            next_monday(local)
        } else {
            match window_end(local, quiet.from, quiet.to) {
                Some(end) => end,
                None => return at,
            }
        };
        at = resolve(quiet.tz, end, at);
    }
    at
}

fn is_weekend(local: NaiveDateTime) -> bool {
    matches!(local.weekday(), Weekday::Sat | Weekday::Sun)
}

fn next_monday(local: NaiveDateTime) -> NaiveDateTime {
    let days = 7 - u64::from(local.weekday().num_days_from_monday());
    let monday = local.date() + chrono::Days::new(days);
    monday.and_time(NaiveTime::MIN)
}

/// When the quiet window `local` is in ends, or `None` outside it.
fn window_end(local: NaiveDateTime, from: NaiveTime, to: NaiveTime) -> Option<NaiveDateTime> {
    let (day, time) = (local.date(), local.time());
    if from == to {
        return None;
    }
    if from < to {
        return (from <= time && time < to).then(|| day.and_time(to));
    }
    if time >= from {
        Some(day.succ_opt()?.and_time(to))
    } else if time < to {
        Some(day.and_time(to))
    } else {
        None
    }
}

/// The first instant after `after` showing local time `local`, or the
/// first minute after it that exists (a DST gap).
fn resolve(tz: Tz, local: NaiveDateTime, after: DateTime<Utc>) -> DateTime<Utc> {
    for minute in 0..=GAP_MINUTES {
        let candidate = local + chrono::Duration::minutes(minute);
        let found = match tz.from_local_datetime(&candidate) {
            LocalResult::Single(t) => vec![t],
            LocalResult::Ambiguous(a, b) => vec![a, b],
            LocalResult::None => vec![],
        };
        let found = found
            .into_iter()
            .map(|t| t.with_timezone(&Utc))
            .find(|t| *t > after);
        if let Some(t) = found {
            return t;
        }
    }
    // Unreachable with real zones; moving on an hour never loops forever.
    after + chrono::Duration::hours(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quiet(from: &str, to: &str, tz: Tz, weekends: bool) -> QuietHours {
        let t = |s: &str| NaiveTime::parse_from_str(s, "%H:%M").unwrap_or(NaiveTime::MIN);
        QuietHours {
            from: t(from),
            to: t(to),
            tz,
            weekends,
        }
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).map_or(DateTime::UNIX_EPOCH, |t| t.with_timezone(&Utc))
    }

    #[test]
    fn a_window_across_midnight_ends_in_the_morning() {
        let q = quiet("19:00", "08:00", Tz::UTC, false);
        // 2026-11-25 is a Wednesday.
        let next = |s: &str| next_allowed(utc(s), &q);
        assert_eq!(next("2026-11-25T12:00:00Z"), utc("2026-11-25T12:00:00Z"));
        assert_eq!(next("2026-11-25T18:59:59Z"), utc("2026-11-25T18:59:59Z"));
        assert_eq!(next("2026-11-25T19:00:00Z"), utc("2026-11-26T08:00:00Z"));
        assert_eq!(next("2026-11-25T23:30:00Z"), utc("2026-11-26T08:00:00Z"));
        assert_eq!(next("2026-11-26T07:59:00Z"), utc("2026-11-26T08:00:00Z"));
        assert_eq!(next("2026-11-26T08:00:00Z"), utc("2026-11-26T08:00:00Z"));
    }

    #[test]
    fn a_window_within_a_day_and_an_empty_one() {
        let q = quiet("12:00", "13:30", Tz::UTC, false);
        let at = utc("2026-11-25T12:10:00Z");
        assert_eq!(next_allowed(at, &q), utc("2026-11-25T13:30:00Z"));
        let never = quiet("12:00", "12:00", Tz::UTC, false);
        assert_eq!(next_allowed(at, &never), at);
    }

    #[test]
    fn weekends_wait_for_monday_and_its_window() {
        let q = quiet("19:00", "08:00", Tz::UTC, true);
        // Friday evening: the window ends on Saturday, which is quiet too.
        let friday = utc("2026-11-27T20:00:00Z");
        assert_eq!(next_allowed(friday, &q), utc("2026-11-30T08:00:00Z"));
        let saturday = utc("2026-11-28T12:00:00Z");
        assert_eq!(next_allowed(saturday, &q), utc("2026-11-30T08:00:00Z"));
        let no_window = quiet("00:00", "00:00", Tz::UTC, true);
        assert_eq!(
            next_allowed(saturday, &no_window),
            utc("2026-11-30T00:00:00Z")
        );
        let without = quiet("19:00", "08:00", Tz::UTC, false);
        assert_eq!(next_allowed(saturday, &without), saturday);
    }

    #[test]
    fn the_zone_decides_not_utc() {
        // 18:30 UTC is 19:30 in Berlin in winter: quiet until 08:00 CET.
        let q = quiet("19:00", "08:00", chrono_tz::Europe::Berlin, false);
        let at = utc("2026-11-25T18:30:00Z");
        assert_eq!(next_allowed(at, &q), utc("2026-11-26T07:00:00Z"));
    }

    #[test]
    fn dst_days_keep_local_time() {
        let berlin = chrono_tz::Europe::Berlin;
        // 2026-10-25: clocks go back at 03:00 CEST. 20:00 CEST on the 24th
        // waits until 08:00 CET on the 25th: 13 local hours, 14 real ones.
        let evening = quiet("19:00", "08:00", berlin, false);
        let at = utc("2026-10-24T18:00:00Z");
        assert_eq!(next_allowed(at, &evening), utc("2026-10-25T07:00:00Z"));
        // 2026-03-29: 02:00–03:00 does not exist; a window ending at 02:30
        // ends at the first minute that does, 03:00 CEST.
        let night = quiet("01:00", "02:30", berlin, false);
        let at = utc("2026-03-29T00:30:00Z");
        assert_eq!(next_allowed(at, &night), utc("2026-03-29T01:00:00Z"));
        // 2026-10-25: 02:30 happens twice; during the second 02:10 the
        // window ends at the second 02:30, not at the one already past.
        let first = utc("2026-10-25T00:10:00Z");
        assert_eq!(next_allowed(first, &night), utc("2026-10-25T00:30:00Z"));
        let second = utc("2026-10-25T01:10:00Z");
        assert_eq!(next_allowed(second, &night), utc("2026-10-25T01:30:00Z"));
    }
}
