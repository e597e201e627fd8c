//! AutoMod, as far as tests need it: words a test blocks (`block_word`)
//! refuse any message whose content holds one (400, code 200000) and any
//! thread or forum post name that holds one (400, code 200001), with
//! Discord's JSON error shape (`{"code", "message"}`, see the OpenAPI
//! description's `ErrorResponse`). Matching ignores case, as AutoMod's
//! keyword filter does.

use super::reply::Reply;
use super::state::State;

/// "Message was blocked by automatic moderation".
pub(super) const MESSAGE_BLOCKED: u64 = 200_000;
/// "Title was blocked by automatic moderation".
pub(super) const TITLE_BLOCKED: u64 = 200_001;

fn blocks(st: &State, text: &str) -> bool {
    let text = text.to_lowercase();
    st.blocked_words.iter().any(|w| text.contains(w.as_str()))
}

/// Refuses message content that holds a blocked word.
pub(super) fn check_content(st: &State, content: &str) -> Result<(), Reply> {
    match blocks(st, content) {
        true => Err(Reply::error(
            400,
            MESSAGE_BLOCKED,
            "Message was blocked by automatic moderation",
        )),
        false => Ok(()),
    }
}

/// Refuses a thread or post name that holds a blocked word.
pub(super) fn check_name(st: &State, name: &str) -> Result<(), Reply> {
    match blocks(st, name) {
        true => Err(Reply::error(
            400,
            TITLE_BLOCKED,
            "Title was blocked by automatic moderation",
        )),
        false => Ok(()),
    }
}
