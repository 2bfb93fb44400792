//! All SQL for paging people, in three parts: `rules` (notification rules), `outbox` (a
//! step's outbox rows with their NOTIFICATION jobs, and the sender's state changes) and
//! `reads` (an incident's deliveries, the acknowledge link's view).

mod outbox;
mod reads;
mod rules;

pub use outbox::*;
pub use reads::*;
pub use rules::*;

use crate::profile::ContactKind;

fn kind(raw: &str) -> ContactKind {
    ContactKind::parse(raw).unwrap_or(ContactKind::Email)
}
