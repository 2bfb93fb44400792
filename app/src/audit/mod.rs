//! The audit log: who did what, when, from where. Features record their actions through
//! `audit::store::record`, inside the transaction of the change itself.

#[cfg(feature = "ssr")]
pub mod store;
