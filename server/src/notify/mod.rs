//! Outgoing notifications: the paging channels behind one seam (`channel`), email over SMTP
//! (pages, invites and password resets), Web Push, SMS and voice through Twilio or a generic
//! HTTP gateway (`Phones`, chosen at start-up), what an SMS reply does (`replies`), and the
//! chat and push apps' pages (`chat_pages`: Slack DM, Telegram, ntfy; `pushover`).

pub mod channel;
pub mod chat_pages;
pub mod email;
pub mod email_channel;
pub mod gateway;
pub mod phone_text;
pub mod phones;
pub mod push;
pub mod pushover;
pub mod replies;
pub mod twilio;

pub use channel::{Channel, Delivered, Page, Registry};
pub use phones::{PhoneSource, Phones};
