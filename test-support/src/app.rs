//! A real `web` ([`Application`]) on a free port, against real Faktory and
//! Redis, under a namespace of its own: [`spawn_app`] for the usual one,
//! [`TestApp::builder`] to choose its servers and settings.

use crate::fixtures::{guid, sign};
use crate::servers::{shared_faktory_url, shared_redis_url, unique_namespace};
use std::sync::Arc;
use std::time::Duration;
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

/// A `web` on the shared Faktory and Redis with the tests' settings.
pub async fn spawn_app() -> TestApp {
    TestApp::builder().spawn().await
}

/// A change to `web`'s settings, made before it starts.
type Tweak<'a> = Box<dyn FnOnce(&mut WebSettings) + 'a>;

/// How to start a `web`: the shared servers and the tests' settings (60 s
/// reservations, the default door, no config file, fallback channel 0)
/// unless changed.
#[must_use = "an AppBuilder does nothing until .spawn()"]
pub struct AppBuilder<'a> {
    faktory_url: Option<String>,
    redis_url: Option<String>,
    tweaks: Vec<Tweak<'a>>,
}

impl TestApp {
    pub fn builder<'a>() -> AppBuilder<'a> {
        AppBuilder {
            faktory_url: None,
            redis_url: None,
            tweaks: vec![],
        }
    }
}

impl<'a> AppBuilder<'a> {
    /// Its Faktory (e.g. a private server, or one behind a proxy).
    pub fn faktory(mut self, url: &str) -> Self {
        self.faktory_url = Some(url.into());
        self
    }

    /// Its Redis.
    pub fn redis(mut self, url: &str) -> Self {
        self.redis_url = Some(url.into());
        self
    }

    /// The door's bounds (body size, concurrency, rate).
    pub fn door(self, door: DoorSettings) -> Self {
        self.settings(move |s| s.door = door)
    }

    /// The routing config `web` reads (as from `THREADLINE_CONFIG`).
    pub fn config(self, config: Config) -> Self {
        let config = Arc::new(config);
        self.settings(move |s| s.config = config)
    }

    /// Any other change to its settings, applied in order after the others.
    pub fn settings(mut self, tweak: impl FnOnce(&mut WebSettings) + 'a) -> Self {
        self.tweaks.push(Box::new(tweak));
        self
    }

    /// Starts `web` on a thread of its own and returns once it listens.
    pub async fn spawn(self) -> TestApp {
        let faktory_url = self.faktory_url.unwrap_or_else(shared_faktory_url);
        let redis_url = self.redis_url.unwrap_or_else(shared_redis_url);
        let namespace = unique_namespace();
        let secret = format!("secret-{namespace}");
        let mut settings = WebSettings {
            common: Common {
                faktory: FaktoryAddr::parse(&faktory_url).unwrap(),
                redis_url: redis_url.clone(),
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
            config: Arc::new(Config::without_file(&EnvOverrides {
                fallback: Some(0),
                ..Default::default()
            })),
            dibs: Default::default(),
        };
        for tweak in self.tweaks {
            tweak(&mut settings);
        }
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
            faktory_url,
            redis_url,
            http: reqwest::Client::new(),
        }
    }
}

impl TestApp {
    /// Sends `body` as event `event`, correctly signed, as delivery
    /// `delivery` (a label: sent as its [`guid`]).
    pub async fn deliver(&self, event: &str, delivery: &str, body: &[u8]) -> reqwest::Response {
        self.request(event, delivery)
            .header("X-Hub-Signature-256", sign(&self.secret, body))
            .header("Content-Type", "application/json")
            .body(body.to_vec())
            .send()
            .await
            .expect("web answers")
    }

    /// A request with GitHub's headers but no signature or body yet; the
    /// delivery label is sent as its [`guid`].
    pub fn request(&self, event: &str, delivery: &str) -> reqwest::RequestBuilder {
        self.http
            .post(format!("{}/webhooks/github", self.address))
            .header("X-GitHub-Event", event)
            .header("X-GitHub-Delivery", guid(delivery))
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
