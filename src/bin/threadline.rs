//! `threadline`: the operator's command line, next to `web` and `worker`.
//! `threadline help` lists the verbs; exit status 0 is success, 1 a
//! problem, 2 a usage error.

#[tokio::main]
async fn main() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(threadline::cli::run(&args).await);
}
