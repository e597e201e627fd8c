//! Quiet hours: a nudge due inside the window waits for its end, in the
//! configured time zone.

use super::*;
use chrono::{Duration as Span, DurationRound, Utc};

#[tokio::test(flavor = "multi_thread")]
async fn a_nudge_due_in_quiet_hours_waits_for_their_end() {
    let stack = Stack::start().await;
    // A window in Kolkata's time (UTC+05:30) from this minute to one that
    // ends 30 to 90 seconds from now.
    let now = Utc::now();
    let start = now.duration_trunc(Span::minutes(1)).expect("a minute");
    let end = start
        + Span::minutes(if now - start < Span::seconds(30) {
            1
        } else {
            2
        });
    let local = |t: chrono::DateTime<Utc>| {
        let t = t.with_timezone(&chrono_tz::Asia::Kolkata);
        t.format("%H:%M").to_string()
    };
    let section = format!(
        "after = \"3s\"\nmax = 1\nquiet_hours = {{ from = \"{}\", to = \"{}\", tz = \"Asia/Kolkata\" }}",
        local(start),
        local(end)
    );
    let _worker = worker(&stack, &section, &[]);
    let mut h = History::new(971, 1, "Quietly");
    h.opened().review_requested("alice", false);
    stack.deliver_all(&h.events).await;
    eventually(
        Duration::from_secs(150),
        "the nudge after quiet hours",
        || async { !nudges(&stack).is_empty() },
    )
    .await;
    stack.quiesce().await;

    let all = nudges(&stack);
    assert_eq!(all.len(), 1, "{all:#?}");
    let posted = created_ms(all[0].id);
    let end_ms = end.timestamp_millis() as u64;
    assert!(
        posted >= end_ms,
        "posted {} ms before quiet hours ended",
        end_ms - posted
    );
    let requested = message_with(&stack, "requested a review from **alice**");
    assert!(
        created_ms(requested.id) < end_ms,
        "the request came inside the window"
    );
}
