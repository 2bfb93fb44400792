//! Any user's sign-in sessions, for admins: list them, sign one out, or sign the user out
//! everywhere. (Your own are on the profile; the SQL is `auth::store`'s.)

pub mod api;
#[cfg(feature = "ssr")]
pub mod ops;

pub use crate::profile::SessionInfo;
