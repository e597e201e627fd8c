//! One pull request as the worker knows it: its state in Redis
//! ([`pr_state`], [`review_decision`]), its thread ([`thread`], started
//! from its [`intro`]), who is in it ([`members`], [`people`]), whether it
//! is forwarded at all ([`eligible`]), the syncs it schedules
//! ([`schedule`]), the messages rendered for it ([`messages`]) and the
//! common shape of a PR event ([`announce`]), and how long its keys live
//! ([`ttl`]).

pub(crate) mod announce;
pub(crate) mod eligible;
pub(crate) mod intro;
pub(crate) mod members;
pub mod messages;
pub(crate) mod people;
pub mod pr_state;
pub(crate) mod refusal;
pub(crate) mod review_decision;
pub(crate) mod schedule;
pub mod thread;
pub mod ttl;
