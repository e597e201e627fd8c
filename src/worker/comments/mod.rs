//! GitHub comments forwarded as Discord messages and kept in line with
//! their edits and deletions: issue comments ([`issue`]), a review's line
//! comments posted in batches ([`review`]), the copies a forced replay
//! makes ([`copies`]), and the one protocol that brings a forwarded message
//! in line with its record ([`follow`]).

pub(crate) mod copies;
pub mod follow;
pub mod issue;
pub mod review;
