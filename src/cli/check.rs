//! `threadline check`: reads the settings, reaches Redis, Faktory and
//! Discord (`GET /users/@me`, `GET /channels/{id}` of the routed channel),
//! and prints what is wrong. It exits 1 on any problem, so that a
//! `release:` phase can run it before a deploy.

use super::{Args, Failure, Outcome};
use crate::discord::{Budget, BudgetSettings, Discord, Retry};
use crate::settings::{Common, WorkerSettings};
use crate::worker::channels::Channels;
use redis::aio::ConnectionManager;

/// Text channels (0) and announcement channels (5) take threads.

#[derive(Default)]
pub(super) struct Report {
    problems: usize,
}

impl Report {
    pub(super) fn ok(&mut self, what: &str) {
        println!("ok    {what}");
    }
    pub(super) fn warn(&mut self, what: &str) {
        println!("warn  {what}");
    }
    pub(super) fn fail(&mut self, what: &str) {
        self.problems += 1;
        println!("FAIL  {what}");
    }
}

pub async fn run(argv: &[String]) -> Outcome {
    Args::parse(argv, &[], &[])?;
    let mut report = Report::default();
    let log_mb = match crate::web::settings_from_env() {
        Ok(web) => {
            report.ok("web settings");
            web.delivery_log_max_mb
        }
        Err(e) => {
            report.fail(&format!("web settings: {e:#}"));
            64
        }
    };
    let worker = WorkerSettings::from_env_and_args(&[]);
    match &worker {
        Ok(_) => report.ok("worker settings"),
        Err(e) => report.fail(&format!("worker settings: {e:#}")),
    }
    let common = Common::from_env()?;
    let redis = check_redis(&common, log_mb, &mut report).await;
    check_faktory(&common, &mut report).await;
    super::check_github::check(redis.clone(), &common, &mut report).await;
    if let (Ok(worker), Some(redis)) = (&worker, redis) {
        check_discord(worker, redis, &mut report).await;
    }
    match report.problems {
        0 => Ok(()),
        n => Err(Failure::Problem(anyhow::anyhow!("{n} problem(s) found"))),
    }
}

async fn check_redis(
    common: &Common,
    log_mb: u64,
    report: &mut Report,
) -> Option<ConnectionManager> {
    let mut redis = match crate::redis_conn::connect(&common.redis_url).await {
        Ok(r) => r,
        Err(e) => {
            report.fail(&format!("Redis: {e:#}"));
            return None;
        }
    };
    let info: redis::RedisResult<String> = redis::cmd("INFO")
        .arg("memory")
        .query_async(&mut redis)
        .await;
    match info {
        Ok(info) => check_memory(&info, log_mb, report),
        Err(e) => report.fail(&format!("Redis INFO: {e}")),
    }
    Some(redis)
}

/// Room for the guards, intents and budget beside the delivery log.
const HEADROOM_MB: u64 = 64;

/// An evicted guard is a duplicate post: only `noeviction` is safe, and
/// `maxmemory` must leave the guards room beside the delivery log's cap.
fn check_memory(info: &str, log_mb: u64, report: &mut Report) {
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
            .map(str::trim)
    };
    match field("maxmemory_policy") {
        Some("noeviction") => report.ok("Redis answers; maxmemory-policy is noeviction"),
        Some(policy) => report.fail(&format!(
            "Redis maxmemory-policy is {policy}: an evicted guard is a duplicate post; set noeviction"
        )),
        None => report.warn("Redis does not report its maxmemory-policy; make sure it is noeviction"),
    }
    let max: u64 = field("maxmemory").and_then(|m| m.parse().ok()).unwrap_or(0);
    let used: u64 = field("used_memory")
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    match memory_line(used, max) {
        (true, line) => report.ok(&line),
        (false, line) => report.warn(&line),
    }
    let needed = (log_mb + HEADROOM_MB) << 20;
    if max > 0 && max < needed {
        report.warn(&format!(
            "Redis maxmemory is {} MB, less than DELIVERY_LOG_MAX_MB ({log_mb}) plus {HEADROOM_MB} MB for the guards",
            max >> 20
        ));
    }
}

/// `used_memory` against `maxmemory` and the headroom left; false when
/// less than a tenth is left (a full Redis makes `web` answer 503).
fn memory_line(used: u64, max: u64) -> (bool, String) {
    let mb = |b: u64| format!("{:.1} MB", b as f64 / 1_048_576.0);
    if max == 0 {
        return (
            true,
            format!(
                "Redis memory: used {} of maxmemory 0 (unlimited: only the host's memory bounds it)",
                mb(used)
            ),
        );
    }
    let left = max.saturating_sub(used);
    let line = format!(
        "Redis memory: used {} of maxmemory {}, headroom {} ({}% left)",
        mb(used),
        mb(max),
        mb(left),
        left * 100 / max
    );
    (left * 10 >= max, line)
}

async fn check_faktory(common: &Common, report: &mut Report) {
    let info = async {
        let mut client = crate::queue::connect_client(&common.faktory).await?;
        client.current_info().await.map_err(anyhow::Error::from)
    };
    match info.await {
        Ok(info) => report.ok(&format!(
            "Faktory answers at {} (version {})",
            common.faktory.host_port, info.server.version
        )),
        Err(e) => report.fail(&format!("Faktory: {e:#}")),
    }
}

async fn check_discord(worker: &WorkerSettings, redis: ConnectionManager, report: &mut Report) {
    let settings = BudgetSettings {
        global_per_sec: worker.discord.global_per_sec,
        in_flight: worker.discord.call_deadline,
    };
    let budget = Budget::new(redis, &worker.common.key_prefix(), settings);
    let discord = match Discord::new(&worker.discord, budget) {
        Ok(d) if d.is_dry_run() => return report.warn("DISCORD_DRY_RUN=1: Discord not checked"),
        Ok(d) => d,
        Err(e) => return report.fail(&format!("Discord client: {e}")),
    };
    let me = discord.patiently("GET /users/@me", Retry::BudgetOnly, |d| async move {
        d.own_user_id().await
    });
    match me.await {
        Ok(id) => report.ok(&format!("DISCORD_TOKEN works (bot user {id})")),
        Err(e) => return report.fail(&format!("DISCORD_TOKEN: GET /users/@me: {e}")),
    }
    match Channels::inspect(&discord, &worker.config, Retry::BudgetOnly).await {
        Ok(_) => report.ok(&format!(
            "every routed channel is visible and takes threads ({})",
            worker.config.channels().len()
        )),
        Err(e) => report.fail(&format!("{e:#}")),
    }
}

#[cfg(test)]
mod memory_tests {
    use super::memory_line;

    #[test]
    fn the_memory_line_says_used_max_and_headroom() {
        let (fine, line) = memory_line(64 << 20, 256 << 20);
        assert!(fine);
        assert_eq!(
            line,
            "Redis memory: used 64.0 MB of maxmemory 256.0 MB, headroom 192.0 MB (75% left)"
        );
        let (fine, line) = memory_line(250 << 20, 256 << 20);
        assert!(!fine, "{line}");
        let (fine, line) = memory_line(1 << 20, 0);
        assert!(fine);
        assert!(line.contains("unlimited"), "{line}");
    }
}
