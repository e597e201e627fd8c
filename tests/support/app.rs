//! `spawn_app()`: a real `web` on a free port, against real Faktory and
//! Redis, under a namespace of its own; and `spawn_worker()`: the real
//! `worker` binary pointed at the fake Discord.

use super::fake_discord::FakeDiscord;
use super::servers::{shared_faktory_url, shared_redis_url, unique_namespace};
use hmac::{Hmac, Mac};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use threadline::config::{Config, EnvOverrides};
use threadline::settings::{Common, DoorSettings, FaktoryAddr, Secret, WebSettings};
use threadline::web::Application;

pub struct TestApp {
    pub address: String,
    pub namespace: String,
    pub secret: String,
    pub faktory_url: String,
    pub redis_url: String,
    pub http: reqwest::Client,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&shared_faktory_url()).await
}

/// A `web` whose Faktory is `faktory_url` (e.g. a private server).
pub async fn spawn_app_with(faktory_url: &str) -> TestApp {
    spawn_app_on(faktory_url, &shared_redis_url()).await
}

/// A `web` whose Faktory and Redis are the given ones.
pub async fn spawn_app_on(faktory_url: &str, redis_url: &str) -> TestApp {
    spawn_app_full(faktory_url, redis_url, DoorSettings::default()).await
}

/// A `web` on the shared servers with the door's bounds given.
pub async fn spawn_app_with_door(door: DoorSettings) -> TestApp {
    spawn_app_full(&shared_faktory_url(), &shared_redis_url(), door).await
}

/// A `web` on the shared servers with its settings changed by `tweak`.
pub async fn spawn_app_tweaked(tweak: impl FnOnce(&mut WebSettings)) -> TestApp {
    let (faktory_url, redis_url) = (shared_faktory_url(), shared_redis_url());
    spawn_app_from(&faktory_url, &redis_url, |s| {
        s.door = DoorSettings::default();
        tweak(s)
    })
    .await
}

/// A `web` on `faktory_url` and `redis_url` reading `config`.
pub async fn spawn_app_config(faktory_url: &str, redis_url: &str, config: Config) -> TestApp {
    let config = std::sync::Arc::new(config);
    spawn_app_from(faktory_url, redis_url, |s| s.config = config).await
}

async fn spawn_app_full(faktory_url: &str, redis_url: &str, door: DoorSettings) -> TestApp {
    spawn_app_from(faktory_url, redis_url, |s| s.door = door).await
}

pub async fn spawn_app_from(
    faktory_url: &str,
    redis_url: &str,
    tweak: impl FnOnce(&mut WebSettings),
) -> TestApp {
    let namespace = unique_namespace();
    let secret = format!("secret-{namespace}");
    let mut settings = WebSettings {
        common: Common {
            faktory: FaktoryAddr::parse(faktory_url).unwrap(),
            redis_url: redis_url.to_string(),
            namespace: namespace.clone(),
            reserve_for: Duration::from_secs(60),
        },
        port: 0,
        webhook_secret: Secret(secret.clone()),
        reserve_for: Duration::from_secs(60),
        door: DoorSettings::default(),
        metrics: Default::default(),
        delivery_log_days: 7,
        delivery_log_max_mb: 64,
        config: std::sync::Arc::new(Config::without_file(&EnvOverrides {
            fallback: Some(0),
            ..Default::default()
        })),
        dibs: Default::default(),
    };
    tweak(&mut settings);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let app = Application::with_listener(settings, listener).unwrap();
            app.run_until_stopped().await.unwrap();
        })
    });
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        namespace,
        secret,
        faktory_url: faktory_url.to_string(),
        redis_url: redis_url.to_string(),
        http: reqwest::Client::new(),
    }
}

pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

pub fn fixture(path: &str) -> Vec<u8> {
    let full = format!("{}/fixtures/github/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&full).unwrap_or_else(|e| panic!("fixture {full}: {e}"))
}

impl TestApp {
    /// Sends `body` as event `event`, correctly signed, as delivery `delivery`.
    pub async fn deliver(&self, event: &str, delivery: &str, body: &[u8]) -> reqwest::Response {
        self.request(event, delivery)
            .header("X-Hub-Signature-256", sign(&self.secret, body))
            .header("Content-Type", "application/json")
            .body(body.to_vec())
            .send()
            .await
            .expect("web answers")
    }

    /// A request with GitHub's headers but no signature or body yet.
    pub fn request(&self, event: &str, delivery: &str) -> reqwest::RequestBuilder {
        self.http
            .post(format!("{}/webhooks/github", self.address))
            .header("X-GitHub-Event", event)
            .header("X-GitHub-Delivery", delivery)
            .header("X-GitHub-Hook-ID", "4242")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("web answers")
    }

    /// The physical queues of Threadline under this app's namespace.
    pub fn queues(&self) -> Vec<String> {
        threadline_jobs::ALL_QUEUES
            .iter()
            .map(|q| format!("{}-{q}", self.namespace))
            .collect()
    }

    /// How many jobs wait in this app's queues.
    pub async fn queued(&self) -> u64 {
        let mut client = faktory::Client::connect_to(&self.faktory_url)
            .await
            .expect("Faktory");
        let info = client.current_info().await.expect("Faktory INFO");
        self.queues()
            .iter()
            .filter_map(|q| info.data.queues.get(q))
            .sum()
    }

    /// Fetches (and ACKs) every waiting job of this app's queues.
    pub async fn take_jobs(&self) -> Vec<faktory::Job> {
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut builder = faktory::Worker::builder::<std::io::Error>();
        for kind in threadline_jobs::ALL_KINDS {
            let seen = seen.clone();
            builder = builder.register_blocking_fn(*kind, move |job| {
                seen.lock().unwrap().push(job);
                Ok(())
            });
        }
        let mut worker = builder
            .connect_to(&self.faktory_url)
            .await
            .expect("Faktory");
        let queues = self.queues();
        while self.queued().await > 0 {
            worker.run_one(0, &queues).await.expect("fetch");
        }
        let jobs = seen.lock().unwrap().drain(..).collect();
        jobs
    }

    /// Keys this app's namespace has in Redis.
    pub async fn redis_keys(&self) -> Vec<String> {
        let client = redis::Client::open(self.redis_url.as_str()).unwrap();
        let mut conn = client
            .get_multiplexed_async_connection()
            .await
            .expect("Redis");
        let pattern = format!("threadline:{}:*", self.namespace);
        redis::cmd("KEYS")
            .arg(pattern)
            .query_async(&mut conn)
            .await
            .unwrap()
    }
}

/// The real `worker` binary, killed on drop.
pub struct WorkerProcess {
    pub child: Child,
    pub log: std::path::PathBuf,
}

pub struct WorkerConfig<'a> {
    pub faktory_url: &'a str,
    pub namespace: &'a str,
    pub discord: &'a FakeDiscord,
    pub channel_id: u64,
    pub token: &'a str,
    pub concurrency: usize,
    pub drain_secs: u64,
    pub rename_window_secs: u64,
    /// `None`: the shared Redis of the test run.
    pub redis_url: Option<&'a str>,
    /// More environment for the worker (e.g. `DISCORD_GLOBAL_RATE_LIMIT`).
    pub env: &'a [(&'a str, String)],
}

pub fn spawn_worker(cfg: &WorkerConfig<'_>) -> WorkerProcess {
    let log = std::env::temp_dir().join(format!("worker-{}.log", unique_namespace()));
    let file = std::fs::File::create(&log).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_worker"))
        .args(["--concurrency", &cfg.concurrency.to_string()])
        .env("FAKTORY_URL", cfg.faktory_url)
        .env(
            "REDIS_URL",
            cfg.redis_url.map_or_else(shared_redis_url, String::from),
        )
        .env("THREADLINE_NAMESPACE", cfg.namespace)
        .env("DISCORD_TOKEN", cfg.token)
        .env("DISCORD_CHANNEL_ID", cfg.channel_id.to_string())
        .env("DISCORD_API_URL", cfg.discord.base_url())
        .env("DISCORD_CALL_DEADLINE_SECS", "3")
        .env("WORKER_SHUTDOWN_TIMEOUT_SECS", cfg.drain_secs.to_string())
        .env(
            "DISCORD_RENAME_WINDOW_SECS",
            cfg.rename_window_secs.to_string(),
        )
        .env("RUST_LOG", "info")
        .env_remove("DISCORD_DRY_RUN")
        .env_remove("WORKER_QUEUES")
        .envs(cfg.env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null())
        .stderr(file)
        .spawn()
        .expect("worker binary starts");
    WorkerProcess { child, log }
}

impl WorkerProcess {
    pub fn signal(&self, sig: &str) {
        Command::new("kill")
            .args([&format!("-{sig}"), &self.child.id().to_string()])
            .status()
            .unwrap();
    }

    /// Waits for the exit status, failing after `within`.
    pub fn wait_exit(&mut self, within: Duration) -> std::process::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                start.elapsed() < within,
                "worker still running after {within:?}:\n{}",
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // THREADLINE_KEEP_LOGS=1 keeps worker logs for a failing test.
        if std::env::var_os("THREADLINE_KEEP_LOGS").is_none() {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

/// Polls `check` every 50 ms until it holds, or panics with `what`.
pub async fn eventually<F, Fut>(within: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !check().await {
        assert!(
            start.elapsed() < within,
            "timed out after {within:?} waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Runs futures concurrently (on this task) and returns their outputs in order.
pub async fn join_all<F: std::future::Future>(futs: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut futs: Vec<_> = futs.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = futs.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        for (fut, slot) in futs.iter_mut().zip(out.iter_mut()) {
            if slot.is_none() {
                if let std::task::Poll::Ready(v) = fut.as_mut().poll(cx) {
                    *slot = Some(v);
                }
            }
        }
        if out.iter().all(Option::is_some) {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    out.into_iter()
        .map(|v| v.expect("every future finished"))
        .collect()
}
