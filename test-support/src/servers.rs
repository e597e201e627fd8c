//! Real servers for tests: the Faktory and Redis that `bin/test` started
//! (from `FAKTORY_URL` and `REDIS_URL`), and private Faktory servers for
//! tests that stop, restart or inspect one.
//!
//! A test that cannot reach its server fails loudly; nothing is skipped.

pub use crate::ports::free_port;
use crate::ports::wait_ready;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A name no other test (or test run) uses: queues and keys live under it.
pub fn unique_namespace() -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "t{}x{}x{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst),
        nanos % 100_000
    )
}

/// The shared Faktory of this test run; `bin/test` sets it.
pub fn shared_faktory_url() -> String {
    std::env::var("FAKTORY_URL").expect("FAKTORY_URL is not set: run the tests through bin/test")
}

/// The shared Redis of this test run; `bin/test` sets it.
pub fn shared_redis_url() -> String {
    std::env::var("REDIS_URL").expect("REDIS_URL is not set: run the tests through bin/test")
}

/// Waits until `port` accepts connections, or panics.
pub fn wait_for_port(port: u16, within: Duration) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < within,
            "nothing listens on port {port} after {within:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A private, persistent (AOF) Redis server, for tests that restart it.
pub struct RedisServer {
    pub port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl RedisServer {
    pub fn start() -> Self {
        let dir = PathBuf::from(format!("/tmp/tlr{}", unique_namespace()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut server = RedisServer {
            port: 0,
            dir,
            child: None,
        };
        started_on_free_ports("redis-server", || {
            server.port = free_port();
            server.boot()
        });
        server
    }

    fn boot(&mut self) -> Result<(), String> {
        let port = self.port.to_string();
        let log = self.dir.join("redis.out");
        let mut cmd = Command::new("redis-server");
        cmd.args(["--port", &port, "--bind", "127.0.0.1", "--save", ""])
            .args(["--appendonly", "yes", "--appendfsync", "always"])
            .args(["--dir", self.dir.to_str().unwrap()]);
        let child = spawn_logged(&mut cmd, &log, "redis-server (bin/setup installs it)");
        let child = self.child.insert(child);
        wait_ready(
            child,
            &log,
            "Ready to accept connections",
            Duration::from_secs(20),
        )
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// SIGTERM; the append-only file keeps its data for the restart.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let _ = child.wait();
        }
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn restart(&mut self) {
        self.stop();
        if let Err(e) = self.boot() {
            panic!("redis-server on port {} did not come back: {e}", self.port);
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A private Faktory server, stopped with SIGTERM (so it saves) on drop.
pub struct FaktoryServer {
    pub port: u16,
    pub ui_port: u16,
    pub password: Option<String>,
    dir: PathBuf,
    child: Option<Child>,
}

impl FaktoryServer {
    pub fn start() -> Self {
        Self::start_with(None)
    }

    pub fn start_with(password: Option<&str>) -> Self {
        Self::start_trying(password, None)
    }

    /// Like `start_with`, trying `first_port` before free ones.
    pub fn start_trying(password: Option<&str>, mut first_port: Option<u16>) -> Self {
        let mut server = FaktoryServer {
            port: 0,
            ui_port: 0,
            password: password.map(String::from),
            dir: PathBuf::new(),
            child: None,
        };
        started_on_free_ports("Faktory", || {
            // A fresh data dir each try: a Faktory that could not listen
            // may still be stopping the Redis it started in the last one.
            // Unix socket paths are short-limited, so the dir's name is too.
            let _ = std::fs::remove_dir_all(&server.dir);
            server.dir = PathBuf::from(format!("/tmp/tlf{}", unique_namespace()));
            std::fs::create_dir_all(&server.dir).unwrap();
            server.port = first_port.take().unwrap_or_else(free_port);
            server.ui_port = free_port();
            server.boot()
        });
        server
    }

    fn boot(&mut self) -> Result<(), String> {
        let bin = std::env::var("FAKTORY_BIN").unwrap_or_else(|_| "faktory".into());
        let log = self.dir.join("faktory.out");
        let mut cmd = Command::new(&bin);
        cmd.args(["-b", &format!("127.0.0.1:{}", self.port)])
            .args(["-w", &format!("127.0.0.1:{}", self.ui_port)])
            .args(["-d", self.dir.to_str().unwrap()]);
        match &self.password {
            Some(pw) => cmd.args(["-e", "production"]).env("FAKTORY_PASSWORD", pw),
            None => cmd
                .args(["-e", "development"])
                .env_remove("FAKTORY_PASSWORD"),
        };
        let child = self.child.insert(spawn_logged(&mut cmd, &log, &bin));
        // Printed once the listener is bound and the accept loop starts.
        let ready = format!("listening at 127.0.0.1:{}", self.port);
        wait_ready(child, &log, &ready, Duration::from_secs(20))
    }

    /// `tcp://[:password@]127.0.0.1:port`, the password percent-encoded.
    pub fn url(&self) -> String {
        match &self.password {
            None => format!("tcp://127.0.0.1:{}", self.port),
            Some(pw) => {
                let enc =
                    percent_encoding::utf8_percent_encode(pw, percent_encoding::NON_ALPHANUMERIC);
                format!("tcp://:{enc}@127.0.0.1:{}", self.port)
            }
        }
    }

    /// SIGTERM, then wait for the process to exit.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let _ = child.wait();
        }
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Starts again on the same port and data.
    pub fn restart(&mut self) {
        self.stop();
        if let Err(e) = self.boot() {
            panic!("Faktory on port {} did not come back: {e}", self.port);
        }
    }

    /// Faktory's own Redis, to look at its sets.
    pub async fn storage(&self) -> redis::aio::MultiplexedConnection {
        let sock = self.dir.join("redis.sock");
        let client = redis::Client::open(format!("unix://{}", sock.display())).unwrap();
        client
            .get_multiplexed_async_connection()
            .await
            .expect("Faktory's Redis socket")
    }

    /// The jobs in `retry` or `dead`, as JSON.
    pub async fn set_jobs(&self, set: &str) -> Vec<serde_json::Value> {
        let mut conn = self.storage().await;
        let raw: Vec<String> = redis::cmd("ZRANGE")
            .arg(set)
            .arg(0)
            .arg(-1)
            .query_async(&mut conn)
            .await
            .unwrap();
        raw.iter()
            .map(|j| serde_json::from_str(j).unwrap())
            .collect()
    }

    /// Requeues every job in the retry set now, skipping the backoff.
    pub async fn requeue_retries(&self) {
        // The crate would send a URL's password still percent-encoded.
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .unwrap();
        let stream = tokio::io::BufStream::new(tcp);
        let mut client = faktory::Client::connect_with(stream, self.password.clone())
            .await
            .unwrap();
        client
            .requeue(
                faktory::mutate::JobSet::Retries,
                &faktory::mutate::Filter::empty(),
            )
            .await
            .unwrap();
    }
}

impl Drop for FaktoryServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Spawns `cmd` with stdout and stderr to `log` (the readiness check reads it).
fn spawn_logged(cmd: &mut Command, log: &Path, what: &str) -> Child {
    let out = std::fs::File::create(log).unwrap();
    cmd.stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"))
}

/// Boots a server on fresh ports until one is ready; a port another
/// process took in the meantime only costs another try.
fn started_on_free_ports(what: &str, mut boot: impl FnMut() -> Result<(), String>) {
    let mut last = String::new();
    for _ in 0..3 {
        match boot() {
            Ok(()) => return,
            Err(e) => {
                eprintln!("{what} did not start, trying other ports: {e}");
                last = e;
            }
        }
    }
    panic!("{what} did not start on three pairs of free ports: {last}");
}
