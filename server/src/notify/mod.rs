//! Outgoing notification channels. Today: email over SMTP (invites and password resets).

pub mod email;
pub mod push;
