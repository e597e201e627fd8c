//! The headers of a webhook request: the declared length (refused over
//! GitHub's cap before anything is read), and the one value of a header,
//! since a repeated header is a request to refuse, not to guess at.

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
