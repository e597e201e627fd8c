//! A hook's deliveries, as GitHub keeps them: every attempt listed newest
//! first (`hook-delivery-item`), paged by `cursor` (in the `Link` header),
//! one attempt by id, and `POST .../attempts`, which answers 202 and then
//! really sends the original request again to the hook's URL, signed, with
//! its original headers (`X-GitHub-Delivery` included), as a new attempt
//! with `redelivery: true`.

use super::server::{Incoming, Reply, Shared};
use super::state::{iso, now_ms, Attempt, Original, State};
use serde_json::{json, Value};
use std::time::Duration;

/// `rest` is what follows `.../deliveries`.
pub fn route(
    st: &mut State,
    shared: &Shared,
    req: &Incoming,
    hook_id: u64,
    target: &str,
    rest: &[&str],
) -> Reply {
    let Some(hook) = st
        .hooks
        .iter()
        .find(|h| h.id == hook_id && h.target == target)
    else {
        return Reply::error(404, "Not Found");
    };
    match (req.method.as_str(), rest) {
        ("GET", []) => list(req, &hook.attempts),
        ("GET", [id]) => match hook.attempts.iter().find(|a| a.id.to_string() == *id) {
            Some(a) => {
                let mut item = item(a);
                let original = hook.originals.get(&a.guid);
                item["request"] = json!({
                    "headers": original.map(|o| o.headers.iter()
                        .map(|(k, v)| (k.clone(), Value::from(v.clone())))
                        .collect::<serde_json::Map<_, _>>()),
                    "payload": original.and_then(|o| serde_json::from_slice::<Value>(&o.body).ok()),
                });
                item["response"] = json!({"headers": {}, "payload": ""});
                Reply::json(200, item)
            }
            None => Reply::error(404, "Not Found"),
        },
        ("POST", [id, "attempts"]) => {
            let Some(attempt) = hook
                .attempts
                .iter()
                .find(|a| a.id.to_string() == *id)
                .cloned()
            else {
                return Reply::error(404, "Not Found");
            };
            let Some(original) = hook.originals.get(&attempt.guid).cloned() else {
                return Reply::error(422, "Validation Failed");
            };
            let (url, shared) = (hook.url.clone(), shared.clone());
            // Answer first, deliver afterwards: GitHub's redelivery is
            // asynchronous, the 202 only says it is on its way.
            actix_web::rt::spawn(async move {
                tokio::time::sleep(Duration::from_millis(50)).await;
                let (status, code) = send(&url, &original).await;
                let mut st = shared.lock().unwrap_or_else(|p| p.into_inner());
                let id = st.next_id();
                if let Some(hook) = st.hook_mut(hook_id) {
                    hook.attempts.push(Attempt {
                        id,
                        redelivery: true,
                        status,
                        status_code: code,
                        delivered_at_ms: now_ms(),
                        ..attempt
                    });
                }
            });
            Reply::json(202, json!({}))
        }
        _ => Reply::error(404, "Not Found"),
    }
}

/// Newest first; `cursor` names the attempt a page starts at.
fn list(req: &Incoming, attempts: &[Attempt]) -> Reply {
    let per_page = req
        .param("per_page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(30)
        .clamp(1, 100);
    let mut newest_first: Vec<&Attempt> = attempts.iter().collect();
    newest_first.sort_by_key(|a| std::cmp::Reverse(a.id));
    let start = match req
        .param("cursor")
        .and_then(|c| c.strip_prefix("v1_").map(str::to_string))
    {
        Some(id) => newest_first
            .iter()
            .position(|a| a.id.to_string() == id)
            .unwrap_or(newest_first.len()),
        None => 0,
    };
    let page: Vec<Value> = newest_first
        .iter()
        .skip(start)
        .take(per_page)
        .map(|a| item(a))
        .collect();
    let mut reply = Reply::json(200, Value::Array(page));
    if let Some(next) = newest_first.get(start + per_page) {
        reply.link = Some(format!(
            "<{}{}?per_page={per_page}&cursor=v1_{}>; rel=\"next\"",
            req.base, req.path, next.id
        ));
    }
    reply
}

fn item(a: &Attempt) -> Value {
    json!({
        "id": a.id,
        "guid": a.guid,
        "delivered_at": iso(a.delivered_at_ms),
        "redelivery": a.redelivery,
        "duration": 0.27,
        "status": a.status,
        "status_code": a.status_code,
        "event": a.event,
        "action": a.action,
        "installation_id": a.installation_id,
        "repository_id": a.repository_id,
        "throttled_at": null,
    })
}

/// Sends one delivery; the attempt's `status` and `status_code` as GitHub
/// records them (`OK` for a 2xx; no answer is code 0).
pub async fn send(url: &str, original: &Original) -> (String, u16) {
    let client = reqwest::Client::new();
    let mut request = client
        .post(url)
        .timeout(Duration::from_secs(10))
        .body(original.body.clone());
    for (name, value) in &original.headers {
        request = request.header(name, value);
    }
    match request.send().await {
        Ok(r) if r.status().is_success() => ("OK".into(), r.status().as_u16()),
        Ok(r) => (
            format!("Invalid HTTP Response: {}", r.status().as_u16()),
            r.status().as_u16(),
        ),
        Err(e) if e.is_timeout() => ("timed out".into(), 0),
        Err(_) => ("failed to connect to host".into(), 0),
    }
}
