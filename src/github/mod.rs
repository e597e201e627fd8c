//! GitHub: the webhook payloads Threadline reads ([`payload`]), and the
//! room where GitHub's REST API client will live beside them.

pub mod payload;

pub use payload::*;
