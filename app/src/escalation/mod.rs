//! The escalation engine's SQL side: the jobs an incident's state change causes or cancels,
//! and one escalation step run inside its job's transaction (fenced by generation). The
//! server's engine claims the jobs and calls in here; the step math is `domain::escalation`.

#[cfg(feature = "ssr")]
pub mod store;
