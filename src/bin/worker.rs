//! `worker`: performs Threadline's jobs. `--queues a,b` and
//! `--concurrency N` override `WORKER_QUEUES` and `WORKER_CONCURRENCY`.

use threadline::settings::WorkerSettings;
use threadline::worker::{run, Exit, Shutdown};

#[tokio::main]
async fn main() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .format(|buf, record| {
            use std::io::Write;
            // Lines written while performing a job name its delivery, first,
            // so that the first line of a long message has it too.
            let tag = threadline::worker::log_tag().map_or_else(String::new, |t| format!("{t} "));
            let (at, level, target) = (buf.timestamp(), record.level(), record.target());
            writeln!(buf, "[{at} {level} {target}] {tag}{}", record.args())
        })
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let settings = match WorkerSettings::from_env_and_args(&args) {
        Ok(s) => s,
        Err(e) => {
            log::error!("worker cannot start: {e:#}");
            std::process::exit(2);
        }
    };
    let shutdown = Shutdown::new(settings.shutdown_timeout);
    if let Err(e) = shutdown.on_signals() {
        log::error!("cannot install signal handlers: {e:#}");
        std::process::exit(2);
    }
    let code = match run(settings, shutdown).await {
        Ok(Exit::Drained) => 0,
        Ok(Exit::Unauthorized) => 3,
        Err(e) => {
            log::error!("worker stopped: {e:#}");
            1
        }
    };
    log::info!("worker exiting with status {code}");
    std::process::exit(code);
}
