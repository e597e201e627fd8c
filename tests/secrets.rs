//! Secrets never reach the logs: a full run of the real `web` and `worker`
//! binaries at debug level, with failures on every side, is searched for
//! the webhook secret, the Discord token, the Faktory and Redis passwords,
//! the Dibs API tokens (named or not) and the metrics token; so are the refusals of a
//! wrong Redis password and wrong tokens, and the settings' `Debug`. A
//! secret set but blank stops the process at start instead.

use threadline_test_support as support;

use std::process::{Command, Stdio};
use std::time::Duration;
use support::fake_discord::{FakeDiscord, Fault, FaultKind, Route};
use support::fixtures::fixture;
use support::fixtures::sign;
use support::servers::{free_port, unique_namespace, wait_for_port, FaktoryServer};
use support::tls_redis::{self, TlsRedis};
use support::worker::WorkerBuilder;
use threadline::settings::{
    Common, DibsWebSettings, FaktoryAddr, MetricsSettings, Secret, DEFAULT_RESERVE_FOR,
};

const WEBHOOK_SECRET: &str = "whsec-SECRET-4711";
const DISCORD_TOKEN: &str = "tok-SECRET-0815";
const FAKTORY_PASSWORD: &str = "fkpw-SECRET-42";
const METRICS_TOKEN: &str = "mtok-SECRET-7";
const DIBS_TOKEN: &str = "dibs-SECRET-9";
/// Named CI/CD tokens; "SECRET" in each is what [`assert_no_secret`] finds.
const DIBS_NAMED_TOKENS: &str = "deploy-bot=dibsA-SECRET-11,admin:force=dibsB-SECRET-12";

/// Everything that must not be in `logs`, the Redis password of
/// [`TlsRedis`] as given and percent-encoded among it.
fn assert_no_secret(logs: &str) {
    let redis_encoded = tls_redis::PASSWORD.replace('/', "%2F").replace('@', "%40");
    for secret in [
        WEBHOOK_SECRET,
        DISCORD_TOKEN,
        FAKTORY_PASSWORD,
        METRICS_TOKEN,
        DIBS_TOKEN,
        tls_redis::PASSWORD,
        &redis_encoded,
        "SECRET",
    ] {
        assert!(
            !logs.contains(secret),
            "{secret} leaked into the logs:\n{logs}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_of_a_full_run_contain_no_secret() {
    let faktory = FaktoryServer::start_with(Some(FAKTORY_PASSWORD));
    let redis = TlsRedis::start();
    let discord = FakeDiscord::start();
    let channel = discord.add_text_channel();
    let namespace = unique_namespace();
    let port = free_port();
    let web_log = std::env::temp_dir().join(format!("web-{namespace}.log"));
    let mut web = Command::new(env!("CARGO_BIN_EXE_web"))
        .env("PORT", port.to_string())
        .env("GITHUB_WEBHOOK_SECRET", WEBHOOK_SECRET)
        .env("FAKTORY_URL", faktory.url())
        .env("REDIS_URL", redis.url())
        .env("THREADLINE_NAMESPACE", &namespace)
        .env("METRICS_TOKEN", METRICS_TOKEN)
        .env("DIBS_API_TOKEN", DIBS_TOKEN)
        .env("DIBS_API_TOKENS", DIBS_NAMED_TOKENS)
        .env("RUST_LOG", "debug")
        .stderr(std::fs::File::create(&web_log).unwrap())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_port(port, Duration::from_secs(20));
    discord.inject(Fault {
        route: Route::CreateMessage,
        kind: FaultKind::Status(500),
        times: 1,
    });
    discord.inject(Fault {
        route: Route::StartThreadFromMessage,
        kind: FaultKind::ApiError(401, 0),
        times: 1,
    });
    let mut worker = WorkerBuilder::new()
        .faktory(&faktory.url())
        .namespace(&namespace)
        .redis(&redis.url())
        .discord(&discord, channel)
        .token(DISCORD_TOKEN)
        .env("METRICS_TOKEN", METRICS_TOKEN)
        .env("METRICS_PORT", free_port().to_string())
        .slots(2)
        .drain_secs(2)
        .spawn();

    let http = reqwest::Client::new();
    let body = fixture("pull_request/opened.json");
    let url = format!("http://127.0.0.1:{port}/webhooks/github");
    for (delivery, signature) in [
        ("good", sign(WEBHOOK_SECRET, &body)),
        ("forged", sign("nope", &body)),
    ] {
        http.post(&url)
            .header("X-GitHub-Event", "pull_request")
            .header("X-GitHub-Delivery", support::fixtures::guid(delivery))
            .header("X-Hub-Signature-256", signature)
            .body(body.clone())
            .send()
            .await
            .unwrap();
    }
    let web_url = format!("http://127.0.0.1:{port}");
    refused_with_wrong_tokens(&http, &web_url).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while worker.child.try_wait().unwrap().is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "the worker did not stop on the 401:\n{}",
            worker.logs()
        );
        faktory.requeue_retries().await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = web.kill();
    let _ = web.wait();

    let logs = std::fs::read_to_string(&web_log).unwrap() + &worker.logs();
    let _ = std::fs::remove_file(&web_log);
    assert!(
        logs.contains(&format!("delivery={}", support::fixtures::guid("good"))),
        "the run was logged:\n{logs}"
    );
    assert_no_secret(&logs);
    assert_ne!(worker.wait_exit(Duration::from_secs(1)).code(), Some(0));
}

/// `/metrics` and `/api/dibs` asked with a wrong token, and `/readyz`.
async fn refused_with_wrong_tokens(http: &reqwest::Client, web_url: &str) {
    for path in ["/metrics", "/api/dibs"] {
        let res = http
            .get(format!("{web_url}{path}"))
            .bearer_auth("wrong")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{path}");
    }
    http.get(format!("{web_url}/readyz")).send().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_redis_password_is_logged_without_it() {
    let faktory = FaktoryServer::start();
    let redis = TlsRedis::start();
    let wrong = format!(
        "rediss://{}:wrong-SECRET-pw@127.0.0.1:{}/#insecure",
        tls_redis::USER,
        redis.port
    );
    let port = free_port();
    let web_log = std::env::temp_dir().join(format!("web-{}.log", unique_namespace()));
    let mut web = Command::new(env!("CARGO_BIN_EXE_web"))
        .env("PORT", port.to_string())
        .env("GITHUB_WEBHOOK_SECRET", WEBHOOK_SECRET)
        .env("FAKTORY_URL", faktory.url())
        .env("REDIS_URL", &wrong)
        .env("THREADLINE_NAMESPACE", unique_namespace())
        .env("METRICS_TOKEN", METRICS_TOKEN)
        .env("DIBS_API_TOKEN", DIBS_TOKEN)
        .env("RUST_LOG", "debug")
        .stderr(std::fs::File::create(&web_log).unwrap())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_port(port, Duration::from_secs(20));
    let http = reqwest::Client::new();
    let web_url = format!("http://127.0.0.1:{port}");
    let body = fixture("pull_request/opened.json");
    let res = http
        .post(format!("{web_url}/webhooks/github"))
        .header("X-GitHub-Event", "pull_request")
        .header("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
        .header("X-Hub-Signature-256", sign(WEBHOOK_SECRET, &body))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503, "Redis refused web");
    refused_with_wrong_tokens(&http, &web_url).await;
    let _ = web.kill();
    let _ = web.wait();
    let logs = std::fs::read_to_string(&web_log).unwrap();
    let _ = std::fs::remove_file(&web_log);
    assert!(
        logs.contains("not ready"),
        "the refusal was logged:\n{logs}"
    );
    assert_no_secret(&logs);
}

#[test]
fn the_settings_debug_output_shows_no_secret() {
    let common = Common {
        faktory: FaktoryAddr::parse(&format!("tcp://:{FAKTORY_PASSWORD}@127.0.0.1:7419")).unwrap(),
        redis_url: format!(
            "rediss://{}:{}@h:6380/#insecure",
            tls_redis::USER,
            "rdpw-SECRET-1"
        ),
        namespace: String::new(),
        reserve_for: DEFAULT_RESERVE_FOR,
    };
    let metrics = MetricsSettings {
        token: Some(Secret(METRICS_TOKEN.into())),
        port: None,
    };
    let dibs = DibsWebSettings {
        api_token: Some(Secret(DIBS_TOKEN.into())),
        ..Default::default()
    };
    let shown = format!("{common:?} {common:#?} {metrics:?} {dibs:?} {dibs:#?}");
    assert!(shown.contains("rediss://threadline:***@h:6380"), "{shown}");
    assert_no_secret(&shown);
}

/// A process that must refuse to start: its exit code and its log.
fn refused_start(binary: &str, env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut cmd = Command::new(binary);
    cmd.env("PORT", free_port().to_string())
        .env("FAKTORY_URL", "tcp://127.0.0.1:1")
        .env("REDIS_URL", "redis://127.0.0.1:1")
        .env("GITHUB_WEBHOOK_SECRET", WEBHOOK_SECRET)
        .env("DISCORD_DRY_RUN", "1")
        .env_remove("METRICS_TOKEN")
        .env_remove("THREADLINE_CONFIG")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_secret_set_but_blank_stops_web_and_the_worker_at_start() {
    let web = env!("CARGO_BIN_EXE_web");
    for secret in [",", " ", "whsec-SECRET-4711,"] {
        let (code, log) = refused_start(web, &[("GITHUB_WEBHOOK_SECRET", secret)]);
        assert_eq!(code, Some(2), "GITHUB_WEBHOOK_SECRET={secret:?}:\n{log}");
        assert!(log.contains("GITHUB_WEBHOOK_SECRET"), "{log}");
        // (The variable's name has "SECRET" in it; its value must not show.)
        assert!(!log.contains("whsec"), "{log}");
    }
    // A malformed named token stops web; its error names the entry by its
    // place, since either side of a missing `=` may be the token.
    for tokens in [
        "deploy-botdibsC-SECRET-13",
        "a=dibsD-SECRET-14,a=dibsE-SECRET-15",
    ] {
        let (code, log) = refused_start(web, &[("DIBS_API_TOKENS", tokens)]);
        assert_eq!(code, Some(2), "DIBS_API_TOKENS={tokens:?}:\n{log}");
        assert!(log.contains("DIBS_API_TOKENS"), "{log}");
        assert!(!log.contains("SECRET-1"), "a token in the error:\n{log}");
    }
    for binary in [web, env!("CARGO_BIN_EXE_worker")] {
        for token in ["", " "] {
            let (code, log) = refused_start(binary, &[("METRICS_TOKEN", token)]);
            assert_eq!(code, Some(2), "{binary} METRICS_TOKEN={token:?}:\n{log}");
            assert!(log.contains("METRICS_TOKEN is set but blank"), "{log}");
        }
    }
}
