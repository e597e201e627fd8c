//! Payload bytes → typed job: whatever GitHub (or anyone holding the
//! secret) sends, routing must answer Ok or a 400 reason, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::time::Duration;
use threadline::settings::{Common, FaktoryAddr};
use threadline::web::router::{route, JobPlan};
use threadline_jobs::Delivery;

const EVENTS: &[&str] = &[
    "pull_request",
    "issue_comment",
    "pull_request_review",
    "pull_request_review_comment",
    "ping",
    "push",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, json)) = data.split_first() else { return };
    let plan = JobPlan {
        common: Common {
            faktory: FaktoryAddr { host_port: "127.0.0.1:7419".into(), password: None },
            redis_url: String::new(),
            namespace: String::new(),
            reserve_for: Duration::from_secs(600),
        },
        reserve_for: Duration::from_secs(600),
        forward_bots: selector & 0x80 != 0,
    };
    let event = EVENTS[selector as usize % EVENTS.len()];
    let delivery = Delivery { id: "fuzz".into(), hook_id: None, seq: 0 };
    let _ = route(event, delivery, json, &plan);
});
