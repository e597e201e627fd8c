//! The routes of the fake GitHub, with the shapes of GitHub's REST
//! description: `/rate_limit`, `/app`, installation tokens, open PRs
//! (paged by `page`, `Link` with `next` and `last`), an organisation's
//! repositories, where the App is installed, issue comments
//! ([`super::comments`]) and the deliveries routes of [`super::deliveries`].

use super::server::{Caller, Incoming, Reply, Shared};
use super::state::{iso, now_ms, State};
use super::{comments, deliveries};
use serde_json::{json, Value};

pub fn route(st: &mut State, shared: &Shared, req: &Incoming) -> Reply {
    let parts: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    let app = req.caller == Caller::App;
    match (req.method.as_str(), parts.as_slice()) {
        ("GET", ["rate_limit"]) if !app => rate_limit(st),
        ("GET", ["app"]) if app => Reply::json(
            200,
            json!({"id": st.app_id, "slug": "threadline-test", "name": "Threadline test",
                   "owner": {"login": "acme", "id": 1}, "events": ["pull_request"]}),
        ),
        ("POST", ["app", "installations", id, "access_tokens"]) if app => match id.parse() {
            Ok(id) => mint(st, id),
            Err(_) => Reply::error(404, "Not Found"),
        },
        ("GET", ["repos", owner, repo, "installation"]) if app => {
            let id = st.installations.get(&format!("{owner}/{repo}"));
            installation(st, id.or_else(|| st.installations.get(*owner)), owner)
        }
        ("GET", ["orgs", org, "installation"]) if app => {
            installation(st, st.installations.get(*org), org)
        }
        ("GET", ["repos", owner, repo, "pulls"]) if !app => {
            let all = st
                .pulls
                .get(&format!("{owner}/{repo}"))
                .cloned()
                .unwrap_or_default();
            let open: Vec<Value> = all.into_iter().filter(|p| p["state"] == "open").collect();
            paged(req, open)
        }
        ("GET", ["repos", owner, repo, "pulls", n]) if !app => {
            let all = st
                .pulls
                .get(&format!("{owner}/{repo}"))
                .cloned()
                .unwrap_or_default();
            let n: u64 = n.parse().unwrap_or(0);
            match all.into_iter().find(|p| p["number"].as_u64() == Some(n)) {
                Some(pr) => Reply::json(200, pr),
                None => Reply::error(404, "Not Found"),
            }
        }
        ("GET", ["repos", owner, repo, "issues", n, "comments"]) if !app => {
            comments::list(st, req, &format!("{owner}/{repo}"), n)
        }
        ("POST", ["repos", owner, repo, "issues", n, "comments"]) if !app => {
            comments::create(st, req, &format!("{owner}/{repo}"), n)
        }
        ("PATCH", ["repos", owner, repo, "issues", "comments", id]) if !app => {
            comments::edit(st, req, &format!("{owner}/{repo}"), id)
        }
        ("GET", ["orgs", org, "repos"]) if !app => {
            let prefix = format!("{org}/");
            let repos: Vec<Value> = st
                .pulls
                .keys()
                .filter(|k| k.starts_with(&prefix))
                .map(|k| json!({"id": 1, "name": &k[prefix.len()..], "full_name": k, "archived": false}))
                .collect();
            paged(req, repos)
        }
        (_, ["app", "hook", "deliveries", rest @ ..]) if app => {
            let target = st.app_id.to_string();
            let id = st
                .hooks
                .iter()
                .find(|h| h.target_type == "integration")
                .map_or(0, |h| h.id);
            deliveries::route(st, shared, req, id, &target, rest)
        }
        (_, ["repos", owner, repo, "hooks", id, "deliveries", rest @ ..]) if !app => {
            let target = format!("{owner}/{repo}");
            deliveries::route(st, shared, req, id.parse().unwrap_or(0), &target, rest)
        }
        (_, ["orgs", org, "hooks", id, "deliveries", rest @ ..]) if !app => {
            deliveries::route(st, shared, req, id.parse().unwrap_or(0), org, rest)
        }
        _ if app => Reply::error(403, "A JSON web token could not be decoded"),
        _ => Reply::error(404, "Not Found"),
    }
}

/// GitHub's `installation` object for the App's installation on
/// `account`; 404 where the App is not installed.
fn installation(st: &State, id: Option<&u64>, account: &str) -> Reply {
    match id {
        Some(id) => Reply::json(
            200,
            json!({"id": id, "app_id": st.app_id, "app_slug": "threadline-test",
                   "account": {"login": account, "id": 1, "type": "Organization"},
                   "target_type": "Organization", "repository_selection": "all",
                   "access_tokens_url": format!("/app/installations/{id}/access_tokens"),
                   "permissions": {"pull_requests": "read"}, "events": ["pull_request"],
                   "created_at": iso(now_ms()), "updated_at": iso(now_ms())}),
        ),
        None => Reply::error(404, "Not Found"),
    }
}

fn rate_limit(st: &State) -> Reply {
    let core = json!({"limit": st.limit, "remaining": st.remaining,
                      "reset": st.reset_secs, "used": st.limit - st.remaining});
    Reply::json(
        200,
        json!({"resources": {"core": core.clone()}, "rate": core}),
    )
}

fn mint(st: &mut State, installation: u64) -> Reply {
    let n = st.next_id();
    // Tokens of a newer format are longer than 40 characters: clients
    // must treat them as opaque.
    let token = format!("ghs_{}_{n}_{}", st.app_id, "x".repeat(60));
    let expires = now_ms() + st.token_lifetime.as_millis() as u64;
    st.minted.push((installation, token.clone(), expires));
    Reply::json(
        201,
        json!({"token": token, "expires_at": iso(expires),
               "permissions": {"pull_requests": "read", "repository_hooks": "write"},
               "repository_selection": "all"}),
    )
}

/// `page`/`per_page` (max 100, default 30) with a `Link` header.
pub fn paged(req: &Incoming, items: Vec<Value>) -> Reply {
    let per_page = req
        .param("per_page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(30)
        .clamp(1, 100);
    let page = req
        .param("page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let last = items.len().div_ceil(per_page).max(1);
    let slice: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    let mut reply = Reply::json(200, Value::Array(slice));
    let others: String = req
        .query
        .split('&')
        .filter(|kv| !kv.starts_with("page=") && !kv.is_empty())
        .map(|kv| format!("{kv}&"))
        .collect();
    let url = |p: usize| format!("<{}{}?{others}page={p}>", req.base, req.path);
    let mut links = Vec::new();
    if page < last {
        links.push(format!("{}; rel=\"next\"", url(page + 1)));
        links.push(format!("{}; rel=\"last\"", url(last)));
    }
    if page > 1 {
        links.push(format!("{}; rel=\"first\"", url(1)));
        links.push(format!("{}; rel=\"prev\"", url(page - 1)));
    }
    if !links.is_empty() {
        reply.link = Some(links.join(", "));
    }
    reply
}
