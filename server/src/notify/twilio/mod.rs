//! Twilio: its settings, the SMS channel (`Messages.json`), request signatures, and the
//! webhooks it calls back (delivery receipts, inbound SMS replies).

pub mod config;
pub mod inbound;
pub mod signature;
pub mod sms;

pub use config::{TwilioArgs, TwilioConfig};
