//! No arrow back up: the top-level rooms of `src/` in layer order, and a
//! check that no file imports (`crate::X`) a room above its own, and that
//! `web` imports nothing from `worker`. It reads the sources with std::fs,
//! so a new import is caught by `bin/test` before review.

use std::path::{Path, PathBuf};

/// Bottom first. A room may import rooms at its own level or below; rooms
/// on one line are peers (see [`APART`] for the pair that must not meet).
const LAYERS: &[&[&str]] = &[
    &[
        "clock",
        "keys",
        "text",
        "duration",
        "redis_conn",
        "pr_facts",
        "delivery_log",
        "dead_index",
    ],
    &["config"],
    &["queue"],
    &["settings"],
    &["metrics"],
    &["discord", "github"],
    &["dibs"],
    &["web"],
    // The worker's backfill routes a synthetic `opened` delivery through
    // `web`'s own router and intake, so that a backfilled PR meets exactly
    // the routes and filters a webhook would; nothing runs the other way.
    &["worker"],
    &["cli"],
    &["bin"],
];

/// Rooms that must not meet even where the layers would allow it: the
/// receiver links no worker code.
const APART: &[(&str, &str)] = &[("web", "worker")];

fn level(room: &str) -> Option<usize> {
    LAYERS.iter().position(|rooms| rooms.contains(&room))
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The room a file is in: its first component under `src/` (`lib.rs` has
/// none: it only declares the rooms).
fn room_of(relative: &Path) -> Option<String> {
    let first = relative.components().next()?.as_os_str().to_str()?;
    let room = first.strip_suffix(".rs").unwrap_or(first);
    (room != "lib").then(|| room.to_string())
}

/// Every room named as `crate::X` (or `threadline::X`, from `src/bin`),
/// outside `//` comments.
fn imported_rooms(source: &str) -> Vec<String> {
    let mut rooms = Vec::new();
    for line in source.lines() {
        let code = line.split("//").next().unwrap_or("");
        for prefix in ["crate::", "threadline::"] {
            for (at, _) in code.match_indices(prefix) {
                // `threadline_jobs::` and `my_crate::` are other crates.
                let before = code[..at].chars().next_back();
                if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                    continue;
                }
                let name: String = code[at + prefix.len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    rooms.push(name);
                }
            }
        }
    }
    rooms
}

#[test]
fn every_room_of_src_has_a_layer() {
    let lib = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/lib.rs"))
        .expect("src/lib.rs is readable");
    let unplaced: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|l| l.trim_end_matches(';'))
        .filter(|room| level(room).is_none())
        .collect();
    assert!(
        unplaced.is_empty(),
        "add {unplaced:?} to LAYERS in tests/layering.rs"
    );
}

#[test]
fn no_room_imports_one_above_it_and_web_nothing_from_worker() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    assert!(
        files.len() > 50,
        "found only {} files under src/",
        files.len()
    );
    let mut wrong = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).expect("under src/");
        let Some(room) = room_of(relative) else {
            continue;
        };
        let own = level(&room).unwrap_or_else(|| panic!("{room} has no layer"));
        let source = std::fs::read_to_string(file).expect("a source file is readable");
        for import in imported_rooms(&source) {
            let Some(theirs) = level(&import) else {
                // Not a room: `crate::Something` defined in lib.rs, say.
                continue;
            };
            let apart = APART.contains(&(room.as_str(), import.as_str()));
            if theirs > own || apart {
                wrong.push(format!("{} imports crate::{import}", relative.display()));
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(
        wrong.is_empty(),
        "imports running up the layers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_checker_sees_an_import_up() {
    let rooms =
        imported_rooms("use crate::worker::pr_state; // crate::cli\nuse threadline_jobs::X;");
    assert_eq!(rooms, vec!["worker"]);
    assert!(APART.contains(&("web", "worker")));
    assert!(level("settings") < level("dibs"));
}
