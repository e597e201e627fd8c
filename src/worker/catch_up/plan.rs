//! What to do with each delivery GitHub lists: GitHub's own rule (a
//! `guid` none of whose attempts is `OK` failed), then Threadline's: skip
//! what arrived after all (GitHub gave up at 10 s but `web` queued it),
//! skip what `web` refused on purpose (a bad signature is not fixed by
//! sending it again), and redeliver the rest, once per `guid`.

use crate::github::hooks::DeliveryItem;
use std::collections::BTreeMap;

/// Statuses `web` answers on purpose: sending again cannot help.
pub const REFUSED_ON_PURPOSE: &[u16] = &[400, 401, 404, 413];

/// What becomes of one failed delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Ask GitHub to send attempt `attempt_id` again.
    Redeliver { attempt_id: u64 },
    /// Threadline's delivery log or dedupe shows it arrived.
    AlreadyArrived,
    /// `web` answered it with this status on purpose.
    RefusedOnPurpose(u16),
    /// A redelivery of it was asked for moments ago and is on its way.
    InFlight,
}

/// One failed delivery: every attempt in the window, newest first.
#[derive(Debug, Clone)]
pub struct Failed {
    pub guid: String,
    pub event: String,
    pub action: Option<String>,
    /// `delivered_at` of the first attempt in the window.
    pub first_at: String,
    /// Status of the first attempt in the window (`503`, `failed to connect`).
    pub first_status: String,
    pub latest: DeliveryItem,
}

/// The failed deliveries among `items` (any order), oldest first.
pub fn failed(items: &[DeliveryItem]) -> Vec<Failed> {
    let mut by_guid: BTreeMap<&str, Vec<&DeliveryItem>> = BTreeMap::new();
    for item in items {
        by_guid.entry(&item.guid).or_default().push(item);
    }
    let mut failed: Vec<Failed> = by_guid
        .into_values()
        .filter(|attempts| attempts.iter().all(|a| a.status != "OK"))
        .filter_map(|mut attempts| {
            attempts.sort_by_key(|a| a.id);
            let (first, latest) = (*attempts.first()?, *attempts.last()?);
            Some(Failed {
                guid: first.guid.clone(),
                event: first.event.clone(),
                action: first.action.clone(),
                first_at: first.delivered_at.clone(),
                first_status: status_of(first),
                latest: latest.clone(),
            })
        })
        .collect();
    failed.sort_by_key(|f| f.latest.id);
    failed
}

/// The decision for one failed delivery, given what Threadline knows.
pub fn decide(failed: &Failed, arrived: bool, in_flight: bool) -> Decision {
    let code = failed.latest.status_code;
    if arrived {
        Decision::AlreadyArrived
    } else if REFUSED_ON_PURPOSE.contains(&code) {
        Decision::RefusedOnPurpose(code)
    } else if in_flight {
        Decision::InFlight
    } else {
        Decision::Redeliver {
            attempt_id: failed.latest.id,
        }
    }
}

fn status_of(item: &DeliveryItem) -> String {
    match item.status_code {
        0 => item.status.clone(),
        code => code.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: u64, guid: &str, status: &str, code: u16) -> DeliveryItem {
        DeliveryItem {
            id,
            guid: guid.into(),
            delivered_at: format!("2026-12-01T00:00:{:02}Z", id % 60),
            redelivery: false,
            status: status.into(),
            status_code: code,
            event: "pull_request".into(),
            action: Some("opened".into()),
            installation_id: None,
            repository_id: None,
            throttled_at: None,
        }
    }

    #[test]
    fn a_guid_with_any_ok_attempt_did_not_fail() {
        let items = [
            item(1, "a", "Invalid HTTP Response: 503", 503),
            item(2, "a", "OK", 202),
            item(3, "b", "failed to connect to host", 0),
            item(4, "b", "Invalid HTTP Response: 503", 503),
            item(5, "c", "OK", 200),
        ];
        let failed = failed(&items);
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].guid, "b");
        assert_eq!(failed[0].first_status, "failed to connect to host");
        assert_eq!(
            failed[0].latest.id, 4,
            "the newest attempt is the one sent again"
        );
    }

    #[test]
    fn arrived_and_refused_are_skipped_the_rest_redelivered() {
        let f = |code| failed(&[item(9, "g", "x", code)]).remove(0);
        assert_eq!(decide(&f(503), true, false), Decision::AlreadyArrived);
        assert_eq!(
            decide(&f(401), false, false),
            Decision::RefusedOnPurpose(401)
        );
        assert_eq!(
            decide(&f(413), false, false),
            Decision::RefusedOnPurpose(413)
        );
        assert_eq!(decide(&f(503), false, true), Decision::InFlight);
        for code in [0, 408, 429, 500, 503] {
            assert_eq!(
                decide(&f(code), false, false),
                Decision::Redeliver { attempt_id: 9 }
            );
        }
    }
}
