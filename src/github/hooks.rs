//! The hooks that have delivered to this `web`, learned from the headers
//! of verified deliveries (`X-GitHub-Hook-ID`,
//! `X-GitHub-Hook-Installation-Target-Type` and `-ID`) and the payload's
//! repository, organisation and installation. Catch-up reads their
//! deliveries. One Redis hash, `github:hooks`, field = hook id.

use anyhow::Context as _;
use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};

/// A hook as Threadline knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownHook {
    pub hook_id: u64,
    /// `repository`, `organization` or `integration` (an App's own hook).
    pub target_type: String,
    pub target_id: Option<u64>,
    /// The repository's `full_name` or the organisation's `login`.
    pub target: Option<String>,
    /// `installation.id` of the deliveries (App mode).
    pub installation_id: Option<u64>,
}

impl KnownHook {
    /// Reads a delivery's headers and payload; `None` when they do not
    /// name a hook Threadline can read deliveries of.
    pub fn from_delivery(
        hook_id: Option<&str>,
        target_type: Option<&str>,
        target_id: Option<&str>,
        payload: &[u8],
    ) -> Option<KnownHook> {
        use super::Named;
        #[derive(Deserialize)]
        struct Payload {
            repository: Option<Named>,
            organization: Option<Named>,
            installation: Option<Named>,
        }
        let hook_id = hook_id?.trim().parse().ok()?;
        let target_type = target_type?.trim().to_string();
        let payload: Payload = serde_json::from_slice(payload).ok()?;
        let target = match target_type.as_str() {
            "repository" => payload.repository.and_then(|r| r.full_name),
            "organization" => payload.organization.and_then(|o| o.login),
            "integration" => None,
            _ => return None,
        };
        if target.is_none() && target_type != "integration" {
            return None;
        }
        Some(KnownHook {
            hook_id,
            target_type,
            target_id: target_id.and_then(|t| t.trim().parse().ok()),
            target,
            installation_id: payload.installation.and_then(|i| i.id),
        })
    }

    /// The path of its deliveries list, without the query.
    pub fn deliveries_path(&self) -> Option<String> {
        match (self.target_type.as_str(), &self.target) {
            ("repository", Some(repo)) => {
                Some(format!("/repos/{repo}/hooks/{}/deliveries", self.hook_id))
            }
            ("organization", Some(org)) => {
                Some(format!("/orgs/{org}/hooks/{}/deliveries", self.hook_id))
            }
            ("integration", _) => Some("/app/hook/deliveries".to_string()),
            _ => None,
        }
    }
}

/// The hash of known hooks.
#[derive(Clone)]
pub struct HookStore {
    redis: ConnectionManager,
    key: String,
}

impl HookStore {
    pub fn new(redis: ConnectionManager, key_prefix: &str) -> HookStore {
        HookStore {
            redis,
            key: format!("{key_prefix}github:hooks"),
        }
    }

    pub async fn remember(&self, hook: &KnownHook) -> anyhow::Result<()> {
        let mut redis = self.redis.clone();
        redis::cmd("HSET")
            .arg(&self.key)
            .arg(hook.hook_id)
            .arg(serde_json::to_string(hook)?)
            .query_async::<()>(&mut redis)
            .await
            .context("remembering a hook")
    }

    /// Every known hook, by id.
    pub async fn all(&self) -> anyhow::Result<Vec<KnownHook>> {
        let mut redis = self.redis.clone();
        let raw: Vec<String> = redis::cmd("HVALS")
            .arg(&self.key)
            .query_async(&mut redis)
            .await
            .context("reading the known hooks")?;
        let mut hooks: Vec<KnownHook> = raw
            .iter()
            .filter_map(|r| serde_json::from_str(r).ok())
            .collect();
        hooks.sort_by_key(|h| h.hook_id);
        Ok(hooks)
    }
}

/// One attempt of one delivery, as GitHub lists it (`hook-delivery-item`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DeliveryItem {
    /// The attempt's id: int64, never u32.
    pub id: u64,
    pub guid: String,
    pub delivered_at: String,
    #[serde(default)]
    pub redelivery: bool,
    pub status: String,
    #[serde(default)]
    pub status_code: u16,
    pub event: String,
    pub action: Option<String>,
    pub installation_id: Option<u64>,
    pub repository_id: Option<u64>,
    pub throttled_at: Option<String>,
}
