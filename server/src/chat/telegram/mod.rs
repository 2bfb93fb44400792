//! The Telegram bot: its Bot API calls, the updates it gets (a button pressed, `/start
//! <code>` linking a person), by webhook (`POST /api/telegram/webhook`, checked against our
//! secret token) or by long polling `getUpdates` on one instance.

pub mod api;
pub mod inbound;
pub mod poll;
