//! All SQL for paging people, in five parts: `rules` (notification rules), `outbox` (a
//! step's outbox rows with their NOTIFICATION jobs, and the sender's state changes), `bundle`
//! (rate limits and bundles per phone number),
//! `receipts` (the provider's id and delivery receipts), `reads` (an incident's
//! deliveries, the acknowledge link's view) and `quiet` (LOW-urgency pages held by quiet hours).

pub mod bundle;
mod outbox;
mod quiet;
mod reads;
mod receipts;
mod rules;

pub use outbox::*;
pub use quiet::Quiet;
pub use reads::*;
pub use receipts::*;
pub use rules::*;

use crate::profile::ContactKind;

/// A contact kind read from `column`; an unknown one is an error naming the column.
fn kind(column: &str, raw: &str) -> Result<ContactKind, crate::error::AppError> {
    crate::error::AppError::column(column, raw, ContactKind::parse(raw))
}
