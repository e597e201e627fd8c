//! A whole private stack for one test: its own Faktory, the fake Discord
//! with one parent channel, a `web`, and helpers to run workers and wait
//! until every job (scheduled ones included) is done.

use super::app::{eventually, spawn_app_from, spawn_worker, TestApp, WorkerConfig, WorkerProcess};
use super::fake_discord::FakeDiscord;
use super::history::Event;
use super::servers::FaktoryServer;
use std::time::Duration;
use threadline::settings::WebSettings;

pub const WAIT: Duration = Duration::from_secs(45);

pub struct Stack {
    pub faktory: FaktoryServer,
    pub discord: FakeDiscord,
    pub channel: u64,
    pub app: TestApp,
}

impl Stack {
    pub async fn start() -> Stack {
        Self::start_on(&super::servers::shared_redis_url()).await
    }

    /// A stack whose `web` and workers use the Redis at `redis_url`.
    pub async fn start_on(redis_url: &str) -> Stack {
        Self::start_from(redis_url, |_| {}).await
    }

    /// A stack whose `web` pushes jobs with the production reservation
    /// (`JOB_RESERVE_FOR_SECS` unset) rather than the tests' 60 s.
    pub async fn start_with_default_reservation() -> Stack {
        let reserve_for = threadline::settings::DEFAULT_RESERVE_FOR;
        Self::start_from(&super::servers::shared_redis_url(), |s| {
            s.reserve_for = reserve_for;
            s.common.reserve_for = reserve_for;
        })
        .await
    }

    async fn start_from(redis_url: &str, tweak: impl FnOnce(&mut WebSettings)) -> Stack {
        let faktory = FaktoryServer::start();
        let discord = FakeDiscord::start();
        let channel = discord.add_text_channel();
        let app = spawn_app_from(&faktory.url(), redis_url, tweak).await;
        Stack {
            faktory,
            discord,
            channel,
            app,
        }
    }

    pub fn worker(&self, token: &str, drain_secs: u64) -> WorkerProcess {
        self.worker_with(token, drain_secs, 600)
    }

    pub fn worker_with(
        &self,
        token: &str,
        drain_secs: u64,
        rename_window_secs: u64,
    ) -> WorkerProcess {
        self.worker_sized(token, drain_secs, rename_window_secs, 4)
    }

    pub fn worker_sized(
        &self,
        token: &str,
        drain_secs: u64,
        rename_window_secs: u64,
        concurrency: usize,
    ) -> WorkerProcess {
        self.worker_env(token, drain_secs, rename_window_secs, concurrency, &[])
    }

    /// A worker whose budget assumes `global_per_sec` (Discord's 50 raised).
    pub fn worker_global(
        &self,
        token: &str,
        concurrency: usize,
        global_per_sec: u32,
    ) -> WorkerProcess {
        let env = [("DISCORD_GLOBAL_RATE_LIMIT", global_per_sec.to_string())];
        self.worker_env(token, 5, 600, concurrency, &env)
    }

    pub fn worker_env(
        &self,
        token: &str,
        drain_secs: u64,
        rename_window_secs: u64,
        concurrency: usize,
        env: &[(&str, String)],
    ) -> WorkerProcess {
        spawn_worker(&WorkerConfig {
            faktory_url: &self.faktory.url(),
            namespace: &self.app.namespace,
            discord: &self.discord,
            channel_id: self.channel,
            token,
            concurrency,
            drain_secs,
            rename_window_secs,
            redis_url: Some(&self.app.redis_url),
            env,
        })
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

    /// True when nothing is queued, scheduled, retrying or running.
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
        let mut pending = queued;
        for set in ["scheduled", "retries", "working"] {
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
