//! The headers of a webhook request: the declared length (refused over
//! GitHub's cap before anything is read), the one value of a header,
//! since a repeated header is a request to refuse, not to guess at, and
//! the shape of the two ids GitHub's signature does not cover.
//!
//! `X-GitHub-Delivery` and `X-GitHub-Hook-ID` name the delivery for the
//! dedupe and the delivery log's keys, yet anyone holding a signed body
//! can set them. So they are taken only in GitHub's own shape: a GUID
//! (lowercased, as RFC 4122 compares them) and a decimal number; nothing
//! else, so no id can carry a `:` into a Redis key.

use super::{WebhookError, MAX_BODY};
use actix_web::http::header::{self, HeaderMap};

/// The declared `Content-Length` (actix has checked its form); `None` for
/// a chunked body. Over GitHub's cap is refused before anything is read.
pub(super) fn declared_length(headers: &HeaderMap) -> Result<Option<usize>, WebhookError> {
    let chunked = headers
        .get(header::TRANSFER_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"));
    let declared = match headers.get(header::CONTENT_LENGTH) {
        _ if chunked => None,
        None => Some(0),
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX)),
        ),
    };
    match declared {
        Some(n) if n > MAX_BODY => Err(WebhookError::TooLarge),
        other => Ok(other),
    }
}

/// The one value of a header; a repeated header is an error.
pub(super) fn single_header<'a>(
    headers: &'a HeaderMap,
    name: &str,
) -> Result<Option<&'a [u8]>, ()> {
    let mut values = headers.get_all(name);
    let first = values.next();
    if values.next().is_some() {
        return Err(());
    }
    Ok(first.map(|v| v.as_bytes()))
}

pub(super) fn required_header(headers: &HeaderMap, name: &str) -> Result<String, WebhookError> {
    let missing = || WebhookError::BadRequest(format!("missing or invalid {name} header"));
    let value = single_header(headers, name)
        .map_err(|_| missing())?
        .ok_or_else(missing)?;
    let value = std::str::from_utf8(value).map_err(|_| missing())?.trim();
    if value.is_empty() || value.len() > 200 {
        return Err(missing());
    }
    Ok(value.to_string())
}

/// A header's one value as text, or `None` (absent, repeated or not UTF-8).
pub(super) fn text_header(headers: &HeaderMap, name: &str) -> Option<String> {
    single_header(headers, name)
        .ok()
        .flatten()
        .and_then(|v| std::str::from_utf8(v).ok())
        .map(String::from)
}

/// `X-GitHub-Delivery`: a GUID (8-4-4-4-12 hex digits), lowercased; else 400.
pub(super) fn delivery_header(headers: &HeaderMap) -> Result<String, WebhookError> {
    let id = required_header(headers, "x-github-delivery")?;
    if !crate::delivery_log::is_guid(&id) {
        return Err(WebhookError::BadRequest(format!(
            "X-GitHub-Delivery {:?} is not a GUID (GitHub sends one like 72d3162e-cc78-11e3-81ab-4c9367dc0958)",
            shown(&id)
        )));
    }
    Ok(id.to_ascii_lowercase())
}

/// `X-GitHub-Hook-ID`, when present: ASCII digits only (a u64); else 400.
pub(super) fn hook_id_header(headers: &HeaderMap) -> Result<Option<String>, WebhookError> {
    let bad = |why: &str| WebhookError::BadRequest(format!("X-GitHub-Hook-ID {why}"));
    let Some(raw) = single_header(headers, "x-github-hook-id").map_err(|_| bad("is repeated"))?
    else {
        return Ok(None);
    };
    let id = std::str::from_utf8(raw)
        .map_err(|_| bad("is not text"))?
        .trim();
    let digits = !id.is_empty() && id.len() <= 20 && id.bytes().all(|b| b.is_ascii_digit());
    if !digits || id.parse::<u64>().is_err() {
        return Err(bad(&format!("{:?} is not a number", shown(id))));
    }
    Ok(Some(id.to_string()))
}

/// At most 40 characters of an id, for an answer that quotes it.
fn shown(id: &str) -> String {
    id.chars().take(40).collect()
}
