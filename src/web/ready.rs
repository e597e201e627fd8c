//! `GET /readyz`: whether Redis answers PING and Faktory answers INFO,
//! checked at most once per [`FRESH_FOR`] by each `web` process.
//!
//! The endpoint needs no credentials (load balancers probe it), and one
//! check costs a Redis round trip and a Faktory INFO. Checked per request,
//! concurrent probes would each take one of the producer's pooled Faktory
//! connections and, past its 64 idle ones, open new ones. So one check
//! runs at a time and its answer is kept: callers that arrive while it
//! runs wait for it and share its answer, and callers within
//! [`FRESH_FOR`] after it get that answer at once. Being a second late to
//! notice an outage, or the end of one, is well within what a probe
//! tolerates.

use super::State;
use actix_web::{web, HttpResponse};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// How long one check's answer stands.
pub const FRESH_FOR: Duration = Duration::from_secs(1);

/// The last check's answer, shared by every actix worker of the process.
pub struct Readiness {
    fresh_for: Duration,
    // A tokio mutex, held across the check: whoever holds it is the one
    // check in flight, and the others queue behind it for its answer.
    last: Mutex<Option<Answer>>,
}

#[derive(Clone)]
struct Answer {
    /// When the check finished, so a slow check's answer stands as long.
    at: Instant,
    /// `Err` carries the reason, already logged once.
    outcome: Result<(), Arc<str>>,
}

impl Default for Readiness {
    fn default() -> Self {
        Readiness::new(FRESH_FOR)
    }
}

impl Readiness {
    pub fn new(fresh_for: Duration) -> Self {
        Readiness {
            fresh_for,
            last: Mutex::new(None),
        }
    }

    /// The answer of a check finished less than `fresh_for` ago, or of
    /// `probe`, run now by this caller alone while the others wait for it.
    pub async fn check<F, Fut>(&self, probe: F) -> Result<(), Arc<str>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = anyhow::Result<()>>,
    {
        let mut last = self.last.lock().await;
        if let Some(answer) = last.as_ref() {
            if answer.at.elapsed() < self.fresh_for {
                return answer.outcome.clone();
            }
        }
        // A caller that goes away mid-check drops the guard unchanged, and
        // the next in the queue checks instead.
        let outcome = probe().await.map_err(|e| {
            let reason = format!("{e:#}");
            log::warn!("not ready: {reason}");
            Arc::from(reason)
        });
        *last = Some(Answer {
            at: Instant::now(),
            outcome: outcome.clone(),
        });
        outcome
    }
}

/// `GET /readyz`: `200 ready`, or `503 not ready` (the reason is logged).
pub async fn readyz(state: web::Data<State>) -> HttpResponse {
    let intaker = &state.intaker;
    match state.readiness.check(|| intaker.ready()).await {
        Ok(()) => HttpResponse::Ok().body("ready"),
        Err(_) => HttpResponse::ServiceUnavailable().body("not ready"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::sync::Semaphore;

    /// Counts the checks; each waits at `gate` once counted.
    struct Probe {
        checks: AtomicUsize,
        gate: Semaphore,
    }

    async fn check(readiness: &Readiness, probe: &Probe, ok: bool) -> bool {
        let run = || async {
            probe.checks.fetch_add(1, Ordering::SeqCst);
            let _pass = probe.gate.acquire().await;
            if ok {
                Ok(())
            } else {
                Err(anyhow::anyhow!("Faktory is down"))
            }
        };
        readiness.check(run).await.is_ok()
    }

    fn probe(open: bool) -> Arc<Probe> {
        Arc::new(Probe {
            checks: AtomicUsize::new(0),
            gate: Semaphore::new(if open { Semaphore::MAX_PERMITS } else { 0 }),
        })
    }

    #[tokio::test]
    async fn callers_during_a_check_wait_for_it_and_share_its_answer() {
        let readiness = Arc::new(Readiness::new(Duration::from_secs(3600)));
        let probe = probe(false);
        let arrived = Arc::new(AtomicUsize::new(0));
        let mut callers = tokio::task::JoinSet::new();
        for _ in 0..200 {
            let (readiness, probe, arrived) = (readiness.clone(), probe.clone(), arrived.clone());
            callers.spawn(async move {
                arrived.fetch_add(1, Ordering::SeqCst);
                check(&readiness, &probe, true).await
            });
        }
        // Every caller has started and waits, on the check or behind it.
        while arrived.load(Ordering::SeqCst) < 200 {
            tokio::task::yield_now().await;
        }
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert_eq!(
            probe.checks.load(Ordering::SeqCst),
            1,
            "one check in flight"
        );
        probe.gate.add_permits(Semaphore::MAX_PERMITS);
        let answers = callers.join_all().await;
        assert_eq!(answers.len(), 200);
        assert!(answers.iter().all(|&ok| ok));
        assert_eq!(probe.checks.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failure_stands_while_fresh_and_a_stale_answer_is_checked_again() {
        let probe = probe(true);
        let fresh = Readiness::new(Duration::from_secs(3600));
        assert!(!check(&fresh, &probe, false).await);
        assert!(!check(&fresh, &probe, true).await, "the failure stands");
        assert_eq!(probe.checks.load(Ordering::SeqCst), 1);
        let stale = Readiness::new(Duration::ZERO);
        assert!(!check(&stale, &probe, false).await);
        assert!(check(&stale, &probe, true).await, "checked again");
        assert_eq!(probe.checks.load(Ordering::SeqCst), 3);
    }
}
