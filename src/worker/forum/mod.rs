//! Forum channels (type 15): each PR is a forum post, whose first message
//! is the PR's intro and whose title follows the thread-name rules. The
//! post carries one *state* tag (open, draft, approved, changes requested,
//! merged, closed) among the tags people applied by hand.
//!
//! - [`tags`]: the configured tag names resolved to the forum's tag ids at
//!   start, and the tags a post should carry;
//! - [`post`]: creating the post exactly once, though Discord takes no
//!   nonce for it;
//! - [`sync`]: moving a post's tags towards the PR's state, during
//!   `pr.thread_sync`.

pub mod post;
pub mod sync;
pub mod tags;

pub use tags::{Forum, PrState, StateTags};
