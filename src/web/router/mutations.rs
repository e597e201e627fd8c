//! The fuzz target's property on stable, inside `bin/test`: whatever bytes
//! arrive under whatever event, [`route`] answers `Ok` or an `Err` reason
//! and never panics. Every fixture of `fixtures/github/` is mutated by byte
//! flips, truncations and JSON-value swaps from a seeded PRNG, so a failure
//! names a case that fails again on the next run.

use super::{route, test_plan, GITHUB_EVENTS};
use serde_json::Value;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use threadline_jobs::Delivery;

/// Cases per fixture: about 3,000 in all, a few seconds in debug.
const CASES_PER_FIXTURE: u64 = 90;

/// xorshift64*: deterministic and dependency-free; quality is not the point.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        // `n` is small: the modulo's bias does not matter here.
        (self.next() % n.max(1) as u64) as usize
    }
}

fn fixtures(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixtures/github is readable")
        .map(|e| e.expect("a directory entry").path())
        .collect();
    // Sorted, so the cases do not depend on the file system's order.
    entries.sort();
    for path in entries {
        if path.is_dir() {
            fixtures(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// The values a swap puts in place of another: wrong types, empties,
/// extremes.
fn odd_value(rng: &mut Rng) -> Value {
    match rng.below(9) {
        0 => Value::Null,
        1 => Value::Bool(true),
        2 => Value::from(-1),
        3 => Value::from(u64::MAX),
        4 => Value::from(1e308),
        5 => Value::from(""),
        6 => Value::from("é\u{0}🙂".repeat(rng.below(3000))),
        7 => Value::Array(Vec::new()),
        _ => Value::Object(Default::default()),
    }
}

/// Replaces (or removes) one value somewhere in the document, `depth`
/// levels down at most.
fn swap_one(value: &mut Value, depth: usize, rng: &mut Rng) {
    if depth > 0 {
        match value {
            Value::Object(map) if !map.is_empty() => {
                let Some(key) = map.keys().nth(rng.below(map.len())).cloned() else {
                    return;
                };
                if rng.below(6) == 0 {
                    map.remove(&key);
                } else if let Some(inner) = map.get_mut(&key) {
                    swap_one(inner, depth - 1, rng);
                }
                return;
            }
            Value::Array(items) if !items.is_empty() => {
                let i = rng.below(items.len());
                if let Some(inner) = items.get_mut(i) {
                    swap_one(inner, depth - 1, rng);
                }
                return;
            }
            _ => {}
        }
    }
    *value = odd_value(rng);
}

fn mutate(original: &[u8], parsed: &Value, rng: &mut Rng) -> Vec<u8> {
    match rng.below(3) {
        0 => {
            let mut bytes = original.to_vec();
            for _ in 0..=rng.below(8) {
                let i = rng.below(bytes.len());
                if let Some(b) = bytes.get_mut(i) {
                    *b ^= 1 << rng.below(8);
                }
            }
            bytes
        }
        1 => original[..rng.below(original.len())].to_vec(),
        _ => {
            let mut value = parsed.clone();
            for _ in 0..=rng.below(3) {
                let depth = rng.below(5);
                swap_one(&mut value, depth, rng);
            }
            serde_json::to_vec(&value).expect("a Value serialises")
        }
    }
}

#[test]
fn mutated_fixtures_are_routed_or_refused_never_a_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/github");
    let mut files = Vec::new();
    fixtures(&root, &mut files);
    assert!(
        files.len() > 20,
        "fixtures/github has {} files",
        files.len()
    );
    // Automatic backfill on, so that pings and installs reach their routing.
    let mut plan = test_plan();
    plan.config = std::sync::Arc::new(crate::config::Config::without_file(
        &crate::config::EnvOverrides {
            fallback: Some(1),
            auto_backfill: true,
            ..Default::default()
        },
    ));
    let mut rng = Rng(0x7e11_a0e5_d00d_f00d);
    let mut events: Vec<&str> = GITHUB_EVENTS.to_vec();
    events.push("push");
    let mut failures = Vec::new();
    for file in &files {
        let original = std::fs::read(file).expect("a fixture is readable");
        let parsed: Value = serde_json::from_slice(&original).expect("a fixture is JSON");
        // The fixture's own event (its directory) most of the time.
        let own = file
            .parent()
            .and_then(|d| d.file_name())
            .and_then(|n| n.to_str())
            .map(|n| if n == "edge" { "pull_request" } else { n })
            .unwrap_or("pull_request");
        for case in 0..CASES_PER_FIXTURE {
            let bytes = mutate(&original, &parsed, &mut rng);
            let event = match rng.below(4) {
                0 => events[rng.below(events.len())],
                _ => own,
            };
            let delivery = Delivery {
                id: format!("mutation-{case}"),
                hook_id: None,
                seq: 0,
                replay: None,
            };
            let answer = catch_unwind(AssertUnwindSafe(|| {
                route(event, delivery, &bytes, &plan).map(|_| ())
            }));
            match answer {
                Ok(Ok(())) => {}
                Ok(Err(reason)) if !reason.is_empty() => {}
                Ok(Err(_)) => {
                    failures.push(format!("{}#{case} {event}: empty reason", file.display()))
                }
                Err(_) => failures.push(format!("{}#{case} {event}: panicked", file.display())),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures: {failures:#?}",
        failures.len()
    );
}
