//! Every Lua script Threadline runs declares the keys it touches in
//! `KEYS`, so that it is correct on Redis Cluster and on proxies that
//! route a script by its keys: a static check over the scripts in `src/`
//! (the `.lua` files and the scripts inlined in Rust), outside `src/dibs/`
//! (Dibs' ledger has its own owner).
//!
//! The check: the key argument of every `redis.call` / `redis.pcall`
//! (its first argument after the command) is `KEYS[n]`, or a local bound
//! straight to `KEYS[n]`. A key built from a string (`ARGV[1] .. 'x'`)
//! fails it.

use std::path::{Path, PathBuf};

/// Commands that take no key.
const KEYLESS: &[&str] = &["TIME"];

/// Scripts that still build keys inside; none now. Listed here, should one
/// ever have to, so that OPERATIONS.md can say what it means for Cluster.
const STILL_BUILDING_KEYS: &[&str] = &[];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if !path.ends_with("dibs") {
                files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "lua" || e == "rs") {
            out.push(path);
        }
    }
}

/// The Lua of `path`: the whole `.lua` file, or a Rust file's string
/// literals that call Redis, read together (a script may be put together
/// with `concat!` from a function defined in another literal).
fn scripts_in(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    if path.extension().is_some_and(|e| e == "lua") {
        return vec![text];
    }
    let lua: Vec<String> = literals(&text)
        .into_iter()
        .filter(|l| l.contains("redis.call") || l.contains("redis.pcall"))
        .collect();
    if lua.is_empty() {
        vec![]
    } else {
        vec![lua.join("\n")]
    }
}

/// The string literals of Rust source (`"…"`, `r"…"`, `r#"…"#`), char
/// literals and comments skipped.
fn literals(src: &str) -> Vec<String> {
    let b = src.as_bytes();
    let (mut i, mut out) = (0, vec![]);
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'\'' => {
                // A char literal ('x', '\'', '"'); a lifetime has no closing quote.
                let close = if b.get(i + 1) == Some(&b'\\') {
                    i + 3
                } else {
                    i + 2
                };
                i = if b.get(close) == Some(&b'\'') {
                    close + 1
                } else {
                    i + 1
                };
            }
            b'r' if b.get(i + 1) == Some(&b'#') && b.get(i + 2) == Some(&b'"') => {
                let body = &src[i + 3..];
                let end = body.find("\"#").unwrap_or(body.len());
                out.push(body[..end].to_string());
                i += 3 + end + 2;
            }
            b'r' if b.get(i + 1) == Some(&b'"')
                && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) =>
            {
                let body = &src[i + 2..];
                let end = body.find('"').unwrap_or(body.len());
                out.push(body[..end].to_string());
                i += 2 + end + 1;
            }
            b'"' => {
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                out.push(src[i + 1..j.min(b.len())].to_string());
                i = j + 1;
            }
            _ => i += 1,
        }
    }
    out
}

fn is_keys_ref(expr: &str) -> bool {
    let e = expr.trim();
    e.strip_prefix("KEYS[")
        .and_then(|r| r.strip_suffix(']'))
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

/// Locals bound straight to `KEYS[n]` (`local a, b = KEYS[1], KEYS[2]`).
fn key_locals(lua: &str) -> Vec<String> {
    let mut out = vec![];
    for line in lua.lines() {
        let Some(decl) = line.trim().strip_prefix("local ") else {
            continue;
        };
        let Some((names, exprs)) = decl.split_once('=') else {
            continue;
        };
        for (name, expr) in names.split(',').zip(exprs.split(',')) {
            if is_keys_ref(expr) {
                out.push(name.trim().to_string());
            }
        }
    }
    out
}

/// Parameters of a `local function` that every call passes a key in.
fn key_params(lua: &str, keys: &[String]) -> Vec<String> {
    let mut out = vec![];
    for (at, _) in lua.match_indices("local function ") {
        let head = &lua[at + 15..];
        let Some((name, rest)) = head.split_once('(') else {
            continue;
        };
        let params: Vec<&str> = rest[..rest.find(')').unwrap_or(0)]
            .split(',')
            .map(str::trim)
            .collect();
        let calls: Vec<Vec<&str>> = lua
            .match_indices(&format!("{name}("))
            .filter(|(i, _)| !lua[..*i].ends_with("function "))
            .map(|(i, _)| {
                let args = &lua[i + name.len() + 1..];
                args[..args.find(')').unwrap_or(0)]
                    .split(',')
                    .map(str::trim)
                    .collect()
            })
            .collect();
        for (n, param) in params.iter().enumerate() {
            let keyed = |a: &&str| is_keys_ref(a) || keys.iter().any(|k| k == a);
            if !calls.is_empty() && calls.iter().all(|c| c.get(n).is_some_and(keyed)) {
                out.push(param.to_string());
            }
        }
    }
    out
}

/// Each `redis.call` whose key argument is not declared.
fn undeclared(lua: &str) -> Vec<String> {
    let mut locals = key_locals(lua);
    locals.extend(key_params(lua, &locals.clone()));
    let mut out = vec![];
    for call in ["redis.call(", "redis.pcall("] {
        for (at, _) in lua.match_indices(call) {
            let args = &lua[at + call.len()..];
            let args = &args[..args.find(')').unwrap_or(args.len())];
            let mut parts = args.split(',').map(str::trim);
            let command = parts.next().unwrap_or("").trim_matches(['\'', '"']);
            if KEYLESS.contains(&command.to_ascii_uppercase().as_str()) {
                continue;
            }
            let key = parts.next().unwrap_or("");
            if !(is_keys_ref(key) || locals.iter().any(|l| l == key)) {
                out.push(format!("{call}{args})"));
            }
        }
    }
    out
}

#[test]
fn every_script_declares_its_keys() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = vec![];
    files(&root.join("src"), &mut all);
    let mut scripts = 0;
    let mut bad = vec![];
    let mut seen = vec![];
    for path in all {
        let name = path.strip_prefix(root).unwrap().display().to_string();
        let found: Vec<String> = scripts_in(&path)
            .iter()
            .inspect(|_| {
                scripts += 1;
                seen.push(name.clone());
            })
            .flat_map(|lua| undeclared(lua))
            .collect();
        if STILL_BUILDING_KEYS.contains(&name.as_str()) {
            assert!(!found.is_empty(), "{name} declares its keys now: unlist it");
            continue;
        }
        bad.extend(found.into_iter().map(|c| format!("{name}: {c}")));
    }
    assert!(
        scripts >= 12,
        "only {scripts} scripts found: is the scan broken?"
    );
    assert!(bad.is_empty(), "keys not in KEYS:\n{}", bad.join("\n"));
}

#[test]
fn the_check_tells_a_declared_key_from_a_built_one() {
    assert!(undeclared("local a, b = KEYS[1], KEYS[2]\nredis.call('GET', b)").is_empty());
    assert!(undeclared("redis.call('TIME') return redis.call('SET', KEYS[3], 1)").is_empty());
    assert_eq!(
        undeclared("redis.call('GET', ARGV[1] .. 'log:index')").len(),
        1
    );
    assert_eq!(
        undeclared("local k = ARGV[1]\nredis.call('DEL', k)").len(),
        1
    );
    let f = "local function f(key, v)\n  redis.call('SET', key, v)\nend\n";
    assert!(undeclared(&format!("{f}f(KEYS[1], ARGV[1])")).is_empty());
    assert_eq!(
        undeclared(&format!("{f}f(ARGV[2] .. 'x', ARGV[1])")).len(),
        1
    );
}
