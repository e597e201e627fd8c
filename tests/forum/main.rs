//! Forum channels, end to end: real Faktory, real Redis, the fake
//! Discord's forum, `web` and the `worker` binary, routed by a config file
//! (`THREADLINE_CONFIG`) that sends the test's repositories to a forum.
//!
//! - `tags`: a post's state tag follows the PR (open → approved → merged,
//!   draft → ready → closed), and a tag applied by hand stays;
//! - `once`: a lost reply to the post's creation makes no second post;
//! - `startup`: a configured tag the forum lacks is a warning, a forum
//!   that requires a tag but has none of the names stops the worker;
//! - `shared`: two repositories in one forum get qualified titles;
//! - `fake`: the fake's forum routes against Discord's rules.

use threadline_test_support as support;

mod fake;
mod once;
mod shared;
mod startup;
mod tags;

use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Arc;
use support::app::TestApp;
use support::fake_discord::FakeDiscord;
use support::history::Event;
use support::servers::FaktoryServer;
use support::stack::Stack;
use support::worker::WorkerProcess;
use threadline::config::{Config, EnvOverrides};
use threadline::settings::FaktoryAddr;

/// A forum with every default state tag, a hand tag and a moderated one.
pub const ALL_TAGS: [(&str, bool); 8] = [
    ("Open", false),
    ("Draft", false),
    ("Approved", false),
    ("Changes requested", false),
    ("Merged", false),
    ("Closed", false),
    ("bug", false),
    ("needs-docs", true),
];

/// A stack whose `repos` are routed to one forum.
pub struct ForumStack {
    pub stack: Stack,
    pub forum: u64,
    /// The forum's tag ids, in the order they were given.
    pub tags: Vec<u64>,
    pub config: PathBuf,
}

impl ForumStack {
    pub async fn start(tags: &[(&str, bool)], require_tag: bool, repos: &[&str]) -> ForumStack {
        let faktory = FaktoryServer::start();
        let discord = FakeDiscord::start();
        let channel = discord.add_text_channel();
        let (forum, tags) = discord.add_forum_channel(tags, require_tag);
        let text = config_text(forum, repos);
        let env = EnvOverrides {
            fallback: Some(channel),
            ..Default::default()
        };
        let config = Config::parse(&text, &env).expect("the test's config parses");
        let url = faktory.url();
        let app = TestApp::builder()
            .settings(|s| {
                s.common.faktory = FaktoryAddr::parse(&url).expect("Faktory URL");
                s.config = Arc::new(config);
            })
            .spawn()
            .await;
        let path = std::env::temp_dir().join(format!("threadline-{}.toml", app.namespace));
        std::fs::write(&path, text).expect("config file written");
        let stack = Stack {
            faktory,
            discord,
            channel,
            app,
        };
        ForumStack {
            stack,
            forum,
            tags,
            config: path,
        }
    }

    /// A worker reading the config file.
    pub fn worker(&self) -> WorkerProcess {
        let env = [(
            "THREADLINE_CONFIG",
            self.config.to_string_lossy().into_owned(),
        )];
        self.stack.worker().envs(&env).spawn()
    }

    /// The forum's only post.
    pub fn post(&self) -> support::fake_discord::StoredThread {
        let posts = self.stack.discord.forum_posts(self.forum);
        assert_eq!(posts.len(), 1, "one post: {posts:?}");
        posts[0].clone()
    }

    /// Delivers the events from `from` on, and waits until all is done.
    pub async fn deliver_from(&self, events: &[Event], from: usize) {
        self.stack.deliver_all(&events[from..]).await;
        self.stack.quiesce().await;
    }
}

impl Drop for ForumStack {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.config);
    }
}

fn config_text(forum: u64, repos: &[&str]) -> String {
    let routes: String = repos
        .iter()
        .map(|r| format!("[[routes]]\nrepo = \"{r}\"\nchannel = \"{forum}\"\n\n"))
        .collect();
    format!(
        "{routes}[forum]\ntags = {{ open = \"Open\", draft = \"draft\", approved = \"Approved\", \
         changes_requested = \"Changes requested\", merged = \"Merged\", closed = \"Closed\" }}\n"
    )
}

/// The same events, as deliveries of repository `full_name`.
pub fn in_repo(events: &mut [Event], full_name: &str) {
    for e in events {
        let mut v: Value = serde_json::from_slice(&e.body).expect("JSON");
        v["repository"]["full_name"] = json!(full_name);
        e.body = serde_json::to_vec(&v).expect("JSON");
    }
}
