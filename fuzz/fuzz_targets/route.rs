//! Payload bytes → typed job: whatever GitHub (or anyone holding the
//! secret) sends, routing must answer Ok or a 400 reason, never panic.
//! The same property runs on stable in `bin/test`
//! (`src/web/router/mutations.rs`); this target searches further.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::Arc;
use std::time::Duration;
use threadline::config::{Config, EnvOverrides};
use threadline::settings::{Common, FaktoryAddr};
use threadline::web::router::{route, JobPlan, GITHUB_EVENTS};
use threadline_jobs::Delivery;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, json)) = data.split_first() else { return };
    let env = EnvOverrides {
        fallback: Some(1),
        // The high bit: bots' comments and reviews forwarded by default.
        forward_bots: selector & 0x80 != 0,
        // On, so that pings and installs are routed to their backfill jobs.
        auto_backfill: true,
        ..Default::default()
    };
    let plan = JobPlan {
        common: Common {
            faktory: FaktoryAddr { host_port: "127.0.0.1:7419".into(), password: None },
            redis_url: String::new(),
            namespace: String::new(),
            reserve_for: Duration::from_secs(600),
        },
        reserve_for: Duration::from_secs(600),
        config: Arc::new(Config::without_file(&env)),
    };
    // One slot past the list: an event the router does not know.
    let pick = (selector & 0x7f) as usize % (GITHUB_EVENTS.len() + 1);
    let event = GITHUB_EVENTS.get(pick).copied().unwrap_or("push");
    let delivery = Delivery { id: "fuzz".into(), hook_id: None, seq: 0, replay: None };
    let _ = route(event, delivery, json, &plan);
});
