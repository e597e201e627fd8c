//! A delivery's JSON document: the body itself, or the `payload` field of
//! a form (GitHub's other content type; the HMAC covers the raw bytes
//! either way).

use crate::web::WebhookError;
use actix_web::http::header::HeaderMap;

/// The JSON document: the body itself, or the `payload` field of a form.
pub(super) fn json_body<'a>(
    headers: &HeaderMap,
    body: &'a [u8],
) -> Result<std::borrow::Cow<'a, [u8]>, WebhookError> {
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok());
    payload_json(content_type, body).map_err(WebhookError::BadRequest)
}

/// The JSON document of a delivery with this `Content-Type`: the body, or
/// the `payload` field of a form (GitHub's other content type).
pub fn payload_json<'a>(
    content_type: Option<&str>,
    body: &'a [u8],
) -> Result<std::borrow::Cow<'a, [u8]>, String> {
    let is_form =
        content_type.is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok(std::borrow::Cow::Borrowed(body));
    }
    #[derive(serde::Deserialize)]
    struct Form {
        payload: String,
    }
    let form: Form = serde_urlencoded::from_bytes(body)
        .map_err(|e| format!("form body without a payload field: {e}"))?;
    Ok(std::borrow::Cow::Owned(form.payload.into_bytes()))
}
