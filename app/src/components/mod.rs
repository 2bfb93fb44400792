//! Shared widgets used by every feature's pages.

pub mod empty;
pub mod field;
pub mod icons;
pub mod layout;
pub mod not_found;
pub mod theme;
