//! The real `worker` binary as a child process: [`WorkerBuilder`] names
//! each of its settings (token, slots, drain time, rename window, extra
//! environment), and [`WorkerProcess`] is killed on drop.

use crate::fake_discord::FakeDiscord;
use crate::servers::{shared_redis_url, unique_namespace};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The path of one of `threadline`'s binaries (`web`, `worker`,
/// `threadline`), which cargo builds for the integration tests.
///
/// Cargo gives a test `CARGO_BIN_EXE_<name>` at compile time only, and this
/// crate is not the test: it takes the variable from the environment when
/// set, and otherwise finds the binary beside the test's own `deps/`.
pub fn binary(name: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(format!("CARGO_BIN_EXE_{name}")) {
        return PathBuf::from(path);
    }
    let test = std::env::current_exe().expect("the test binary's own path");
    let mut dir = test.parent().expect("the test binary's directory");
    if dir.ends_with("deps") {
        dir = dir.parent().expect("the target profile directory");
    }
    let path = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "no `{name}` binary at {}: run the tests through cargo (bin/test)",
        path.display()
    );
    path
}

/// How to start a `worker`. [`crate::stack::Stack::worker`] fills in the
/// stack's servers; [`WorkerBuilder::new`] starts from nothing.
///
/// Defaults: token `test-token`, 4 slots (`--concurrency`), 5 s to drain on
/// shutdown, a 600 s rename window, the shared Redis, no extra environment.
#[must_use = "a WorkerBuilder does nothing until .spawn()"]
pub struct WorkerBuilder {
    faktory_url: Option<String>,
    namespace: Option<String>,
    discord: Option<(String, u64)>,
    redis_url: Option<String>,
    token: String,
    slots: usize,
    drain_secs: u64,
    rename_window_secs: u64,
    env: Vec<(String, String)>,
}

impl Default for WorkerBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl WorkerBuilder {
    pub fn new() -> Self {
        WorkerBuilder {
            faktory_url: None,
            namespace: None,
            discord: None,
            redis_url: None,
            token: "test-token".into(),
            slots: 4,
            drain_secs: 5,
            rename_window_secs: 600,
            env: vec![],
        }
    }

    /// The Faktory the worker fetches from (required).
    pub fn faktory(mut self, url: &str) -> Self {
        self.faktory_url = Some(url.into());
        self
    }

    /// The namespace of its queues and keys (required).
    pub fn namespace(mut self, namespace: &str) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// The fake Discord it talks to, and its `DISCORD_CHANNEL_ID` (required).
    pub fn discord(mut self, discord: &FakeDiscord, channel_id: u64) -> Self {
        self.discord = Some((discord.base_url(), channel_id));
        self
    }

    /// Its Redis; the shared one of the test run unless set.
    pub fn redis(mut self, url: &str) -> Self {
        self.redis_url = Some(url.into());
        self
    }

    /// `DISCORD_TOKEN`.
    pub fn token(mut self, token: &str) -> Self {
        self.token = token.into();
        self
    }

    /// How many jobs it runs at once (`--concurrency`).
    pub fn slots(mut self, slots: usize) -> Self {
        self.slots = slots;
        self
    }

    /// How long it may finish running jobs after a TERM
    /// (`WORKER_SHUTDOWN_TIMEOUT_SECS`).
    pub fn drain_secs(mut self, secs: u64) -> Self {
        self.drain_secs = secs;
        self
    }

    /// `DISCORD_RENAME_WINDOW_SECS`.
    pub fn rename_window_secs(mut self, secs: u64) -> Self {
        self.rename_window_secs = secs;
        self
    }

    /// The global Discord budget it assumes (`DISCORD_GLOBAL_RATE_LIMIT`,
    /// Discord's 50 a second unless raised).
    pub fn global_rate_limit(self, per_sec: u32) -> Self {
        self.env("DISCORD_GLOBAL_RATE_LIMIT", per_sec.to_string())
    }

    /// One more environment variable, e.g. `THREADLINE_CONFIG`.
    pub fn env(mut self, key: &str, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// More environment variables.
    pub fn envs(mut self, vars: &[(&str, String)]) -> Self {
        self.env
            .extend(vars.iter().map(|(k, v)| (k.to_string(), v.clone())));
        self
    }

    /// Starts the worker, its log in a file of its own.
    pub fn spawn(self) -> WorkerProcess {
        let faktory_url = self.faktory_url.expect("a worker needs .faktory(url)");
        let namespace = self.namespace.expect("a worker needs .namespace(ns)");
        let (discord_url, channel_id) = self
            .discord
            .expect("a worker needs .discord(&fake, channel)");
        let log = std::env::temp_dir().join(format!("worker-{}.log", unique_namespace()));
        let file = std::fs::File::create(&log).unwrap();
        let child = Command::new(binary("worker"))
            .args(["--concurrency", &self.slots.to_string()])
            .env("FAKTORY_URL", faktory_url)
            .env("REDIS_URL", self.redis_url.unwrap_or_else(shared_redis_url))
            .env("THREADLINE_NAMESPACE", namespace)
            .env("DISCORD_TOKEN", &self.token)
            .env("DISCORD_CHANNEL_ID", channel_id.to_string())
            .env("DISCORD_API_URL", discord_url)
            .env("DISCORD_CALL_DEADLINE_SECS", "3")
            .env("WORKER_SHUTDOWN_TIMEOUT_SECS", self.drain_secs.to_string())
            .env(
                "DISCORD_RENAME_WINDOW_SECS",
                self.rename_window_secs.to_string(),
            )
            .env("RUST_LOG", "info")
            .env_remove("DISCORD_DRY_RUN")
            .env_remove("WORKER_QUEUES")
            .envs(self.env)
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .expect("worker binary starts");
        WorkerProcess { child, log }
    }
}

/// The real `worker` binary, killed on drop.
pub struct WorkerProcess {
    pub child: Child,
    pub log: PathBuf,
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
