//! What a slot owes Faktory for the jobs it performed: an ACK, a FAIL with
//! its error, or a push-back (a scheduled copy, then the ACK of the job).
//!
//! An outcome is kept here until Faktory has answered it, and delivered
//! again on the next connection when the last one dropped first (a
//! Faktory restart, a proxy cutting the line). Faktory keeps its working
//! set across a restart, so an ACK or FAIL by jid after reconnecting is
//! still valid; without this the job would sit in *Busy* until its
//! `reserve_for` ran out and then be performed again.
//!
//! A push-back pushes its copy before the ACK, and becomes a plain ACK
//! once the copy is taken: a crash between the two leaves the job
//! reserved (it comes back after `reserve_for`) beside its copy, and the
//! guards and the budget ticket make the copy harmless, so neither a lost
//! job nor a doubled effect comes of it.

use crate::queue::wire::{Wire, WireError};
use std::collections::VecDeque;

/// What Faktory is to be told about one job.
#[derive(Debug)]
pub enum Owed {
    Ack,
    Fail {
        message: String,
        backtrace: Vec<String>,
        /// Straight to the dead set once FAILed (see `runtime::bury`).
        permanent: bool,
    },
    /// Push `copy` (scheduled with `at`), then ACK the job.
    PushBack(Box<faktory::Job>),
}

impl Owed {
    /// A FAIL carrying `e` as the Web UI shows it: its text, and its
    /// causes as the backtrace.
    pub fn fail(e: &(dyn std::error::Error + 'static), permanent: bool) -> Owed {
        let mut backtrace = Vec::new();
        let mut cause = e.source();
        while let Some(c) = cause {
            backtrace.push(c.to_string());
            cause = c.source();
        }
        Owed::Fail {
            message: e.to_string(),
            backtrace,
            permanent,
        }
    }
}

/// One job's outcome, waiting for Faktory to take it.
#[derive(Debug)]
pub struct Outcome {
    pub jid: String,
    pub owed: Owed,
}

/// A slot's outcomes not yet taken by Faktory, oldest first.
#[derive(Debug, Default)]
pub struct Outbox {
    pending: VecDeque<Outcome>,
}

impl Outbox {
    pub fn hold(&mut self, outcome: Outcome) {
        self.pending.push_back(outcome);
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// The jobs whose outcome Faktory has not taken.
    pub fn jids(&self) -> Vec<&str> {
        self.pending.iter().map(|o| o.jid.as_str()).collect()
    }

    /// Delivers every outcome on `wire`, oldest first. Returns the jids
    /// FAILed for good (to be moved to the dead set); on a lost connection
    /// returns the error and keeps what was not taken.
    pub async fn deliver(&mut self, wire: &mut Wire) -> Result<Vec<String>, WireError> {
        let mut buried = Vec::new();
        while let Some(outcome) = self.pending.front_mut() {
            match send(wire, outcome).await {
                Ok(Sent::Done { permanent }) => {
                    if permanent {
                        buried.push(outcome.jid.clone());
                    }
                    self.pending.pop_front();
                }
                Ok(Sent::CopyTaken) => outcome.owed = Owed::Ack,
                Err(WireError::Refused(why)) if matches!(outcome.owed, Owed::PushBack(_)) => {
                    // No copy: FAIL the job instead, so that it is retried.
                    outcome.owed = Owed::Fail {
                        message: format!("pushing the job back: {why} (will retry)"),
                        backtrace: Vec::new(),
                        permanent: false,
                    };
                }
                Err(WireError::Refused(why)) => {
                    // Faktory read it and said no (an ACK or FAIL of a job
                    // it no longer holds): there is nothing left to tell.
                    log::info!("job={}: Faktory refused its outcome: {why}", outcome.jid);
                    self.pending.pop_front();
                }
                Err(lost) => return Err(lost),
            }
        }
        Ok(buried)
    }
}

enum Sent {
    Done { permanent: bool },
    CopyTaken,
}

async fn send(wire: &mut Wire, outcome: &Outcome) -> Result<Sent, WireError> {
    let jid = &outcome.jid;
    match &outcome.owed {
        Owed::Ack => {
            let body = serde_json::json!({ "jid": jid }).to_string();
            wire.call_ok("ACK", &body).await?;
            Ok(Sent::Done { permanent: false })
        }
        Owed::Fail {
            message,
            backtrace,
            permanent,
        } => {
            let body = serde_json::json!({
                "jid": jid,
                "errtype": "unknown",
                "message": message,
                "backtrace": backtrace,
            });
            wire.call_ok("FAIL", &body.to_string()).await?;
            Ok(Sent::Done {
                permanent: *permanent,
            })
        }
        Owed::PushBack(copy) => {
            let body = serde_json::to_string(copy)
                .map_err(|e| WireError::Refused(format!("encoding the copy: {e}")))?;
            wire.call_ok("PUSH", &body).await?;
            Ok(Sent::CopyTaken)
        }
    }
}
