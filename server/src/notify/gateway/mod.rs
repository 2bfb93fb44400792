//! A generic HTTP SMS/voice gateway, for teams not on Twilio: each page (and each verification
//! code) is one request to a configured URL with a JSON body rendered from a template; 2xx
//! means sent. Replies come back at `POST /api/sms-gateway/inbound`, authenticated by a
//! shared secret.

pub mod channel;
pub mod config;
pub mod inbound;

pub use config::{GatewayArgs, GatewayConfig};
