//! The exactly-once toolkit: what makes each Discord effect of a job
//! happen once however often Faktory runs the job. A guard records an
//! effect done, a claim lets one job at a time do a piece of work, an
//! intent records an attempt before it is made, find-again looks for an
//! earlier attempt's message, and [`post`] puts the four together.

pub(crate) mod claim;
pub(crate) mod guard;
pub(crate) mod intent;
pub(crate) mod lookup;
pub(crate) mod post;
