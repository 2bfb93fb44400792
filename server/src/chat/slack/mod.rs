//! The Slack app: Web API calls, the v0 request signature, and the interactive and slash
//! command endpoints.

pub mod api;
pub mod inbound;
pub mod signature;
