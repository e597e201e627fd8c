//! The Redis keys Threadline writes for a PR and its thread, built in one
//! place. Each value is stored data: changing a string here orphans what
//! running deployments wrote, so the strings stay as they are. Guards,
//! claims and intents add the namespace prefix (the worker's `Guards`);
//! these are the keys before it.

use threadline_jobs::{PullRequest, Repo};

/// `pr:{repo id}:{number}`: the prefix of every key of one PR.
pub fn pr_key(repo: &Repo, pr: &PullRequest) -> String {
    pr_key_of(repo.id, pr.number)
}

/// [`pr_key`] from the bare ids, for code that holds no typed job.
pub fn pr_key_of(repo_id: u64, number: u64) -> String {
    format!("pr:{repo_id}:{number}")
}

/// `pr:…:{part}`: one of the PR's own keys (`thread`, `gen`, `snap`, …).
pub fn of_pr(repo: &Repo, pr: &PullRequest, part: &str) -> String {
    format!("{}:{part}", pr_key(repo, pr))
}

/// The guard of the PR's thread: the thread's id once created.
pub fn thread(repo: &Repo, pr: &PullRequest) -> String {
    of_pr(repo, pr, "thread")
}

/// The claim that the PR's syncs hold while they archive or reopen its
/// thread, and edits hold while they unarchive it for a change.
pub fn sync_lock(repo: &Repo, pr: &PullRequest) -> String {
    of_pr(repo, pr, "sync_lock")
}

/// `thread:{id}` → `owner/repo#12 url`: the reverse of the thread map,
/// written by the worker and read by Dibs in `web`.
pub fn pr_of_thread(thread: impl std::fmt::Display) -> String {
    format!("thread:{thread}")
}

/// How long CI's keys live after their last write: the head-commit index,
/// a PR's head, a commit's runs and its summary's records.
pub const CI_TTL_SECS: u64 = 30 * 86_400;

/// `pr:{repo id}:{number}:{part}`, for CI jobs that know only the number.
pub fn of_number(repo_id: u64, number: u64, part: &str) -> String {
    format!("pr:{repo_id}:{number}:{part}")
}

/// `ci:{repo id}:sha:{sha}` → the PR number whose head that commit is.
pub fn ci_sha(repo_id: u64, sha: &str) -> String {
    format!("ci:{repo_id}:sha:{sha}")
}

/// `pr:…:ci_head`: the PR's newest head commit (`sha`, `updated_at`).
pub fn ci_head(repo_id: u64, number: u64) -> String {
    of_number(repo_id, number, "ci_head")
}

/// `pr:…:ci:{sha}:{part}`: the runs of one head commit (`runs`), its
/// summary's guard (`summary`), its result messages' guards.
pub fn ci_commit(repo_id: u64, number: u64, sha: &str, part: &str) -> String {
    of_number(repo_id, number, &format!("ci:{sha}:{part}"))
}

/// The guard of one effect of one delivery (`delivery:{key}:{effect}`).
pub fn delivery_effect(delivery_key: impl std::fmt::Display, effect: &str) -> String {
    format!("delivery:{delivery_key}:{effect}")
}

#[cfg(test)]
mod tests {
    use super::*;

    // Stored data outlives releases: these strings must never change.
    #[test]
    fn keys_keep_their_strings() {
        let repo = Repo {
            id: 7,
            full_name: "o/r".into(),
        };
        let pr = PullRequest {
            number: 12,
            title: "T".into(),
            html_url: "https://github.com/o/r/pull/12".into(),
            author: "a".into(),
            base_ref: "main".into(),
            head_label: "a:f".into(),
            draft: false,
            body_excerpt: String::new(),
            body_truncated: false,
            state: "open".into(),
            merged: false,
            updated_at: String::new(),
            from_issue: false,
        };
        assert_eq!(pr_key(&repo, &pr), "pr:7:12");
        assert_eq!(of_pr(&repo, &pr, "snap"), "pr:7:12:snap");
        assert_eq!(thread(&repo, &pr), "pr:7:12:thread");
        assert_eq!(sync_lock(&repo, &pr), "pr:7:12:sync_lock");
        assert_eq!(pr_of_thread(99), "thread:99");
        assert_eq!(delivery_effect("d-1", "opened"), "delivery:d-1:opened");
        assert_eq!(of_number(7, 12, "thread"), thread(&repo, &pr));
        assert_eq!(ci_sha(7, "abc"), "ci:7:sha:abc");
        assert_eq!(ci_head(7, 12), "pr:7:12:ci_head");
        assert_eq!(ci_commit(7, 12, "abc", "runs"), "pr:7:12:ci:abc:runs");
    }
}
