//! A whole private stack for one test: its own Faktory, the fake Discord
//! with one parent channel, a `web`, and helpers to run workers and wait
//! until every job (scheduled ones included) is done.

use crate::app::TestApp;
use crate::fake_discord::FakeDiscord;
use crate::history::Event;
use crate::servers::FaktoryServer;
use crate::wait::eventually;
use crate::worker::WorkerBuilder;
use std::time::Duration;

pub const WAIT: Duration = Duration::from_secs(45);

pub struct Stack {
    pub faktory: FaktoryServer,
    pub discord: FakeDiscord,
    pub channel: u64,
    pub app: TestApp,
}

/// How to start a [`Stack`]: the shared Redis and the tests' 60 s
/// reservations unless changed.
#[must_use = "a StackBuilder does nothing until .start()"]
#[derive(Default)]
pub struct StackBuilder {
    redis_url: Option<String>,
    production_reservation: bool,
}

impl StackBuilder {
    /// The Redis of its `web` and workers.
    pub fn redis(mut self, url: &str) -> Self {
        self.redis_url = Some(url.into());
        self
    }

    /// Its `web` pushes jobs with the production reservation
    /// (`JOB_RESERVE_FOR_SECS` unset) rather than the tests' 60 s.
    pub fn production_reservation(mut self) -> Self {
        self.production_reservation = true;
        self
    }

    pub async fn start(self) -> Stack {
        let faktory = FaktoryServer::start();
        let discord = FakeDiscord::start();
        let channel = discord.add_text_channel();
        let mut app = TestApp::builder().faktory(&faktory.url());
        if let Some(redis_url) = &self.redis_url {
            app = app.redis(redis_url);
        }
        if self.production_reservation {
            let reserve_for = threadline::settings::DEFAULT_RESERVE_FOR;
            app = app.settings(move |s| {
                s.reserve_for = reserve_for;
                s.common.reserve_for = reserve_for;
            });
        }
        Stack {
            faktory,
            discord,
            channel,
            app: app.spawn().await,
        }
    }
}

impl Stack {
    /// A stack on the shared Redis with the tests' settings.
    pub async fn start() -> Stack {
        Self::builder().start().await
    }

    pub fn builder() -> StackBuilder {
        StackBuilder::default()
    }

    /// A worker for this stack (its Faktory, namespace, Redis, the fake
    /// Discord and its channel), with [`WorkerBuilder`]'s defaults.
    pub fn worker(&self) -> WorkerBuilder {
        WorkerBuilder::new()
            .faktory(&self.faktory.url())
            .namespace(&self.app.namespace)
            .redis(&self.app.redis_url)
            .discord(&self.discord, self.channel)
    }

    /// POSTs to Discord whose path ends with `route`.
    pub fn count(&self, route: &str) -> usize {
        self.discord
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with(route))
            .count()
    }

    /// Jobs ACKed so far: Faktory counts a FAIL as processed too.
    pub async fn processed(&self) -> u64 {
        let mut client = faktory::Client::connect_to(&self.faktory.url())
            .await
            .unwrap();
        let data = client.current_info().await.unwrap().data;
        data.total_processed - data.total_failures
    }

    /// Waits until Faktory has ACKed `n` jobs, requeueing retries meanwhile.
    pub async fn settle(&self, n: u64) {
        eventually(WAIT, &format!("{n} jobs processed"), || async {
            self.faktory.requeue_retries().await;
            self.processed().await >= n
        })
        .await;
    }

    /// True when nothing is queued, scheduled (within ten minutes: a
    /// Dibs hold's release a day out is not work a test waits for),
    /// retrying or running.
    pub async fn idle(&self) -> bool {
        let mut client = faktory::Client::connect_to(&self.faktory.url())
            .await
            .unwrap();
        let queued: u64 = client
            .current_info()
            .await
            .unwrap()
            .data
            .queues
            .values()
            .sum();
        let mut storage = self.faktory.storage().await;
        let soon = chrono::Utc::now() + chrono::Duration::minutes(10);
        let due_soon = |job: &serde_json::Value| {
            let at = job["at"].as_str().unwrap_or_default();
            chrono::DateTime::parse_from_rfc3339(at).map_or(true, |at| at < soon)
        };
        let scheduled = self.faktory.set_jobs("scheduled").await;
        let mut pending = queued + scheduled.iter().filter(|j| due_soon(j)).count() as u64;
        for set in ["retries", "working"] {
            let n: u64 = redis::cmd("ZCARD")
                .arg(set)
                .query_async(&mut storage)
                .await
                .unwrap();
            pending += n;
        }
        pending == 0
    }

    /// Waits until the stack has been idle for a while.
    pub async fn quiesce(&self) {
        self.quiesce_within(WAIT).await
    }

    /// Like `quiesce`, requeueing retries (skipping Faktory's backoff).
    pub async fn quiesce_within(&self, within: Duration) {
        let calm = std::cell::Cell::new(0);
        eventually(within, "all jobs done", || async {
            self.faktory.requeue_retries().await;
            calm.set(if self.idle().await { calm.get() + 1 } else { 0 });
            calm.get() >= 8
        })
        .await;
    }

    /// Delivers every event, failing on anything but a 2xx.
    pub async fn deliver_all<'a>(&self, events: impl IntoIterator<Item = &'a Event>) {
        for e in events {
            let res = self.app.deliver(e.name, &e.delivery, &e.body).await;
            assert!(
                res.status().is_success(),
                "{} {}: {}",
                e.name,
                e.delivery,
                res.status()
            );
        }
    }
}
