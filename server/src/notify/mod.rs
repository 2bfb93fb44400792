//! Outgoing notifications: the paging channels behind one seam (`channel`), email over SMTP
//! (pages, invites and password resets), Web Push, and SMS through Twilio.

pub mod channel;
pub mod email;
pub mod email_channel;
pub mod push;
pub mod twilio;

pub use channel::{Channel, Delivered, Page, Registry};
