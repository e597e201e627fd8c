//! The `threadline` command line: one module per verb, each a function
//! from its arguments to an exit status. Usage errors are 2, problems 1.
//! Settings come from the environment, as for `web` and `worker`.

mod args;
mod backfill;
mod check;
mod check_github;
mod commands;
mod dead;
mod deliveries;
mod redeliver;
mod replay;
mod send;

pub use args::Args;

const USAGE: &str = "\
usage: threadline <command> [options]

commands:
  send FILE --event E [--url URL] [--delivery ID]
      sign FILE with GITHUB_WEBHOOK_SECRET and post it to a running web
      (default URL http://127.0.0.1:$PORT/webhooks/github, PORT 3000)
  deliveries [--event E] [--repo R] [--since 1h] [--limit 50] [--json]
      verified deliveries from the delivery log, newest first
  delivery ID [--body] [--json]
      one delivery: headers, every attempt's outcome and job, the body
  replay ID [--force]
      run a logged delivery again through web's code (works while web is
      down); a delivery queued before is a duplicate unless --force, which
      performs it again as <ID>:replay:<n>
  redeliver [--since 2h] [--dry-run] [--json]
      catch-up now: ask GitHub to send again every delivery that failed
      (default: GitHub's 3 days); one line per failed delivery and what
      was decided; exit 1 when GitHub refused a request
  backfill OWNER/REPO ... | --org ORG [--dry-run] [--json]
      a thread for every open PR that has none, as an `opened` would make
      it (same routes and filters), with one line instead of its history
  dead [--limit 50] [--json]
      Threadline's dead jobs, newest first: kind, delivery, error, age
  dead retry ID|--all     requeue dead jobs (Faktory MUTATE)
  dead discard ID         delete a dead job
  check
      read the settings, reach Redis (and its eviction policy), Faktory and
      Discord (the token, the channel) and GitHub (the mode, and GET
      /rate_limit for a token or GET /app for an App); exit 1 on any problem
  commands register [--guild ID]
      register the /dibs command with Discord (bulk overwrite: re-running is
      harmless); DISCORD_TOKEN, DISCORD_APPLICATION_ID (else asked of
      Discord), DISCORD_API_URL; --guild: that guild only, at once
  help                    this text

exit status: 0 success, 1 a problem, 2 a usage error";

/// Runs one command; returns the process's exit status.
pub async fn run(argv: &[String]) -> i32 {
    let Some((verb, rest)) = argv.split_first() else {
        eprintln!("{USAGE}");
        return 2;
    };
    let result = match verb.as_str() {
        "send" => send::run(rest).await,
        "dead" => dead::run(rest).await,
        "check" => check::run(rest).await,
        "commands" => commands::run(rest).await,
        "deliveries" => deliveries::list(rest).await,
        "delivery" => deliveries::show(rest).await,
        "replay" => replay::run(rest).await,
        "redeliver" => redeliver::run(rest).await,
        "backfill" => backfill::run(rest).await,
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            return 0;
        }
        other => Err(Failure::Usage(format!("unknown command {other:?}"))),
    };
    match result {
        Ok(()) => 0,
        Err(Failure::Usage(why)) => {
            eprintln!("threadline: {why}\n\n{USAGE}");
            2
        }
        Err(Failure::Problem(e)) => {
            eprintln!("threadline: {e:#}");
            1
        }
    }
}

/// Why a command failed: the caller's mistake, or a problem to report.
#[derive(Debug)]
pub enum Failure {
    Usage(String),
    Problem(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Problem(e)
    }
}

pub type Outcome = Result<(), Failure>;
