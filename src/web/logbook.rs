//! Writing the delivery log ([`crate::delivery_log`]) off the response
//! path: `web` hands each verified delivery to a bounded queue and answers
//! at once; one writer thread empties it into Redis. When the queue is full
//! (or holds too many body bytes) the entry is dropped and counted
//! (`threadline_delivery_log_dropped_total`), never waited for.

use crate::delivery_log::{Attempt, DeliveryLog, Entry, Retention};
use crate::metrics::Metrics;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Entries waiting at most.
const QUEUE: usize = 1024;
/// Body bytes waiting at most: a burst of large deliveries is dropped from
/// the log rather than held in memory. 4 MB (160 deliveries of 25 KB) is
/// part of web's memory target (`door`'s defaults); at 16 MB an overloaded
/// `web` held ~20 MB more, all of it log entries waiting for Redis.
pub(super) const MAX_PENDING_BYTES: usize = 4 << 20;

/// One attempt of one delivery, to be written.
pub struct Record {
    pub entry: Entry,
    pub attempt: Attempt,
    pub body: Vec<u8>,
}

pub struct Logbook {
    tx: mpsc::Sender<Record>,
    pending: Arc<AtomicUsize>,
    metrics: Metrics,
}

impl Logbook {
    /// Starts the writer thread; it connects to Redis on its own.
    pub fn start(
        redis_url: String,
        key_prefix: String,
        keep: Retention,
        metrics: Metrics,
    ) -> anyhow::Result<Self> {
        let (tx, rx) = mpsc::channel(QUEUE);
        let pending = Arc::new(AtomicUsize::new(0));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let writer = Writer {
            rx,
            pending: pending.clone(),
            keep,
        };
        std::thread::Builder::new()
            .name("delivery-log".into())
            .spawn(move || runtime.block_on(writer.run(redis_url, key_prefix)))?;
        Ok(Logbook {
            tx,
            pending,
            metrics,
        })
    }

    /// Queues `record`, or drops (and counts) it if the queue is full.
    pub fn offer(&self, record: Record) {
        let size = record.body.len();
        if self.pending.fetch_add(size, Ordering::AcqRel) + size > MAX_PENDING_BYTES {
            self.pending.fetch_sub(size, Ordering::AcqRel);
            return self.metrics.delivery_log_dropped();
        }
        if self.tx.try_send(record).is_err() {
            self.pending.fetch_sub(size, Ordering::AcqRel);
            self.metrics.delivery_log_dropped();
        }
    }
}

struct Writer {
    rx: mpsc::Receiver<Record>,
    pending: Arc<AtomicUsize>,
    keep: Retention,
}

impl Writer {
    async fn run(mut self, redis_url: String, key_prefix: String) {
        let mut log = None;
        while let Some(record) = self.rx.recv().await {
            self.pending.fetch_sub(record.body.len(), Ordering::AcqRel);
            if log.is_none() {
                match crate::redis_conn::connect(&redis_url).await {
                    Ok(redis) => log = Some(DeliveryLog::new(redis, &key_prefix)),
                    Err(e) => log::warn!("delivery log: {e:#}; entry {} dropped", record.entry.id),
                }
            }
            let Some(log) = &log else { continue };
            let written = log
                .write(&record.entry, &record.attempt, &record.body, self.keep)
                .await;
            if let Err(e) = written {
                log::warn!(
                    "delivery={} not written to the delivery log: {e:#}",
                    record.entry.id
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(i: usize) -> Record {
        Record {
            entry: Entry {
                id: format!("d{i}"),
                event: "ping".into(),
                hook_id: None,
                content_type: None,
                repo: None,
                action: None,
                attempts: vec![],
            },
            attempt: Attempt {
                at_ms: 0,
                outcome: "ignored".into(),
                reason: String::new(),
                jid: None,
            },
            body: vec![b'x'; 1000],
        }
    }

    /// A Redis that never answers holds the writer; offering never waits
    /// for it, and what does not fit is dropped and counted.
    #[test]
    fn a_stuck_writer_never_holds_up_an_offer() {
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("redis://{}", silent.local_addr().unwrap());
        let metrics = Metrics::new().unwrap();
        let keep = Retention {
            max_bytes: 1 << 20,
            max_age_ms: 60_000,
        };
        let book = Logbook::start(url, "t:".into(), keep, metrics.clone()).unwrap();
        for i in 0..3000 {
            book.offer(record(i));
        }
        let text = metrics.render();
        let dropped: u64 = text
            .lines()
            .find_map(|l| l.strip_prefix("threadline_delivery_log_dropped_total "))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        assert!(dropped >= 3000 - QUEUE as u64 - 1, "{dropped} dropped");
        assert!(book.pending.load(Ordering::Acquire) <= (QUEUE + 1) * 1000);
    }
}
