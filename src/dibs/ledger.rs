//! Dibs in Redis: every change is one run of `dibs.lua`; reads are plain
//! GETs of the same JSON value. Keys live under the configured prefix:
//! `dibs:r:{name}` per resource, `dibs:resources` the set of names,
//! `dibs:seq` the version counter, `dibs:outbox` what changes still owe
//! Faktory (see [`super::outbox`]), and `thread:{thread id}` (written by
//! the worker) the PR a thread is for.

use super::{Change, Entry, Resource};
use anyhow::Context as _;
use redis::aio::ConnectionManager;
use redis::Script;

/// How a `take` treats a resource held by someone else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Join its queue (Discord).
    Queue,
    /// Refuse (the API: a pipeline waits on its own terms).
    Refuse,
}

/// Whose hold a release may end besides the releaser's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Force {
    /// Only one's own.
    No,
    /// Any pipeline's (an API token asking with `force`).
    Api,
    /// Anyone's, a person's too (Manage Server, the force role, a token
    /// marked `:force`).
    All,
}

/// Who releases: their holder id and the API token they hold with.
#[derive(Debug, Clone, Copy)]
pub struct Releaser<'a> {
    pub id: &'a str,
    /// The token's name; empty for Discord users and the unnamed token.
    pub token: &'a str,
    pub force: Force,
}

pub struct Store {
    pub(super) redis: ConnectionManager,
    prefix: String,
    script: Script,
}

impl Store {
    pub fn new(redis: ConnectionManager, prefix: String) -> Self {
        Store {
            redis,
            prefix,
            script: Script::new(include_str!("dibs.lua")),
        }
    }

    /// Takes `name` for `entry`, or queues them (see [`Mode`]); a new name
    /// is refused (`Outcome::Full`) once `cap` resources exist (0: no cap).
    pub async fn take(
        &self,
        name: &str,
        entry: &Entry,
        mode: Mode,
        cap: usize,
    ) -> anyhow::Result<Change> {
        let entry = serde_json::to_string(entry)?;
        let mode = match mode {
            Mode::Queue => "queue",
            Mode::Refuse => "api",
        };
        self.run(name, &["take", name, &entry, mode, &cap.to_string()])
            .await
    }

    /// Releases `name` if `who` holds it (or may force it), or takes
    /// `who` out of its queue.
    pub async fn release(&self, name: &str, who: Releaser<'_>) -> anyhow::Result<Change> {
        let force = match who.force {
            Force::No => "none",
            Force::Api => "api",
            Force::All => "all",
        };
        self.run(name, &["release", name, who.id, force, who.token])
            .await
    }

    /// The timed release scheduled for `version`.
    pub async fn expire(&self, name: &str, version: u64) -> anyhow::Result<Change> {
        self.run(name, &["expire", name, &version.to_string()])
            .await
    }

    /// Removes `name` if nobody holds it (`Outcome::Forgot`).
    pub async fn forget(&self, name: &str) -> anyhow::Result<Change> {
        self.run(name, &["forget", name]).await
    }

    async fn run(&self, name: &str, args: &[&str]) -> anyhow::Result<Change> {
        let mut redis = self.redis.clone();
        let mut call = self.script.prepare_invoke();
        call.key(self.resource_key(name))
            .key(self.names_key())
            .key(self.key("dibs:seq"))
            .key(self.outbox_key());
        for arg in args {
            call.arg(*arg);
        }
        let raw: String = call
            .invoke_async(&mut redis)
            .await
            .context("running the dibs script in Redis")?;
        serde_json::from_str(&raw).context("reading the dibs script's answer")
    }

    /// One resource; `None` if it was never used.
    pub async fn get(&self, name: &str) -> anyhow::Result<Option<Resource>> {
        let mut redis = self.redis.clone();
        let raw: Option<String> = redis::cmd("GET")
            .arg(self.resource_key(name))
            .query_async(&mut redis)
            .await
            .context("reading a dibs resource")?;
        raw.map(|r| serde_json::from_str(&r).context("reading a dibs resource"))
            .transpose()
    }

    /// Every resource used so far, by name.
    pub async fn list(&self) -> anyhow::Result<Vec<Resource>> {
        let mut redis = self.redis.clone();
        let mut names: Vec<String> = redis::cmd("SMEMBERS")
            .arg(self.names_key())
            .query_async(&mut redis)
            .await
            .context("listing dibs resources")?;
        names.sort();
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = names.iter().map(|n| self.resource_key(n)).collect();
        let raws: Vec<Option<String>> = redis::cmd("MGET")
            .arg(&keys)
            .query_async(&mut redis)
            .await
            .context("reading dibs resources")?;
        raws.into_iter()
            .flatten()
            .map(|r| serde_json::from_str(&r).context("reading a dibs resource"))
            .collect()
    }

    /// The PR (`owner/repo#12 url`) whose thread `channel` is, if any.
    pub async fn pr_of_thread(&self, channel: &str) -> anyhow::Result<Option<String>> {
        let mut redis = self.redis.clone();
        redis::cmd("GET")
            .arg(self.key(&crate::keys::pr_of_thread(channel)))
            .query_async(&mut redis)
            .await
            .context("looking up a PR thread")
    }

    fn key(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.prefix)
    }

    fn resource_key(&self, name: &str) -> String {
        self.key(&format!("dibs:r:{name}"))
    }

    fn names_key(&self) -> String {
        self.key("dibs:resources")
    }

    pub(super) fn outbox_key(&self) -> String {
        self.key("dibs:outbox")
    }
}

#[cfg(test)]
mod tests {
    /// Redis Cluster and proxies route a script by its `KEYS`: every key
    /// `dibs.lua` reads or writes must be one of them, never a name built
    /// inside the script.
    #[test]
    fn the_script_touches_only_its_declared_keys() {
        let script = include_str!("dibs.lua");
        let declared = "local key, names, seq, outbox = KEYS[1], KEYS[2], KEYS[3], KEYS[4]";
        assert!(script.contains(declared), "the KEYS line changed");
        let mut calls = 0;
        for call in script.split("redis.call(").skip(1) {
            let args: Vec<&str> = call.split([',', ')']).map(str::trim).collect();
            if args[0] == "'TIME'" {
                continue;
            }
            calls += 1;
            assert!(
                ["key", "names", "seq", "outbox"].contains(&args[1]),
                "redis.call({}, {}…) touches an undeclared key",
                args[0],
                args[1]
            );
        }
        assert!(calls >= 8, "found the calls: {calls}");
    }
}
