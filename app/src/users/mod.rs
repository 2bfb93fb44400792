//! Users: the account types shared by client and server, and (server only) their SQL and hashing.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{Email, Role, UserId};

#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod store;

/// Account status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(
    feature = "ssr",
    sqlx(type_name = "text", rename_all = "SCREAMING_SNAKE_CASE")
)]
pub enum UserStatus {
    Invited,
    Active,
    Disabled,
}

/// What lists and the CLI show of a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub status: UserStatus,
    pub time_zone: String,
    pub created_at: DateTime<Utc>,
}

/// A validated request to create an account.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: Email,
    pub name: String,
    pub role: Role,
}

impl NewUser {
    pub const NAME_MAX: usize = 100;

    /// Validates raw input; errors name the field.
    pub fn parse(email: &str, name: &str, role: Role) -> Result<Self, crate::error::AppError> {
        Ok(Self {
            email: Email::parse("email", email)?,
            name: crate::domain::parse_name("name", name, Self::NAME_MAX)?,
            role,
        })
    }
}
