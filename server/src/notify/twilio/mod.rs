//! Twilio: its settings, the SMS and voice channels (`Messages.json`, `Calls.json`), request
//! signatures, verification codes by text or call, and the webhooks it calls back (receipts,
//! SMS replies, call TwiML and keys).

pub mod api;
pub mod calls;
pub mod config;
pub mod inbound;
pub mod phone;
pub mod receipt;
pub mod signature;
pub mod sms;
pub mod voice;

pub use config::{TwilioArgs, TwilioConfig};
