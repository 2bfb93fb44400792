//! The caller's own account: name, time zone, contact methods, password and sessions.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{ContactMethodId, SessionId};

pub mod api;
pub mod hours;
pub mod hours_page;
#[cfg(feature = "ssr")]
pub mod ops;
pub mod page;
pub mod phone_test;
#[cfg(feature = "ssr")]
pub mod store;
pub mod verify;

/// A live sign-in session as the profile page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SessionInfo {
    pub id: SessionId,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The session making this request.
    #[cfg_attr(feature = "ssr", sqlx(default))]
    pub current: bool,
}

pub use crate::domain::ContactKind;

/// An email address or E.164 phone number someone can be paged at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactMethod {
    pub id: ContactMethodId,
    pub kind: ContactKind,
    pub address: String,
    pub label: String,
    pub verified: bool,
    /// When the number replied STOP (SMS only): no SMS pages until it replies START.
    pub stopped_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Longest contact-method label.
pub const LABEL_MAX: usize = 50;
/// Contact methods per user, at most.
pub const MAX_CONTACT_METHODS: i64 = 20;
