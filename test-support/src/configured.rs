//! A [`Stack`] whose `web` and workers read a config file
//! (`THREADLINE_CONFIG`), written once the fake Discord exists so that it
//! can name the fake's channels.

use crate::app::TestApp;
use crate::fake_discord::FakeDiscord;
use crate::servers::{shared_redis_url, unique_namespace, FaktoryServer};
use crate::stack::Stack;
use crate::worker::WorkerBuilder;
use std::path::PathBuf;
use threadline::config::{Config, EnvOverrides};

pub struct Configured {
    pub stack: Stack,
    /// The config file the workers read.
    pub path: PathBuf,
}

/// Writes `text` to a file of its own and returns its path.
pub fn write_config(text: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("threadline-{}.toml", unique_namespace()));
    std::fs::write(&path, text).expect("writing the config file");
    path
}

impl Configured {
    /// `toml` gets the fake Discord and its first text channel (which is
    /// also `DISCORD_CHANNEL_ID`, the fallback) and returns the file's text.
    pub async fn start(toml: impl FnOnce(&FakeDiscord, u64) -> String) -> Configured {
        Self::start_with(true, toml).await
    }

    /// Like `start`; without `fallback`, web has no `DISCORD_CHANNEL_ID`.
    pub async fn start_with(
        fallback: bool,
        toml: impl FnOnce(&FakeDiscord, u64) -> String,
    ) -> Configured {
        Self::start_env(|env| env.fallback = env.fallback.filter(|_| fallback), toml).await
    }

    /// Like `start`, with what the environment contributes to `web`'s
    /// config changed by `tweak` (the fallback channel is set before it).
    pub async fn start_env(
        tweak: impl FnOnce(&mut EnvOverrides),
        toml: impl FnOnce(&FakeDiscord, u64) -> String,
    ) -> Configured {
        let faktory = FaktoryServer::start();
        let discord = FakeDiscord::start();
        let channel = discord.add_text_channel();
        let text = toml(&discord, channel);
        let mut env = EnvOverrides {
            fallback: Some(channel),
            ..Default::default()
        };
        tweak(&mut env);
        let config = Config::parse(&text, &env).expect("the test's config parses");
        let redis = shared_redis_url();
        let app = TestApp::builder()
            .faktory(&faktory.url())
            .redis(&redis)
            .config(config)
            .spawn()
            .await;
        Configured {
            stack: Stack {
                faktory,
                discord,
                channel,
                app,
            },
            path: write_config(&text),
        }
    }

    /// A worker reading the config file (add more with `.env`).
    pub fn worker(&self) -> WorkerBuilder {
        self.stack
            .worker()
            .env("THREADLINE_CONFIG", self.path.display().to_string())
    }
}
