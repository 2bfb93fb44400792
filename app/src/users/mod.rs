//! Users: the account types shared by client and server, and (server only) their SQL and hashing.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{Email, Role, TeamId, UserId};

pub mod access_page;
pub mod api;
#[cfg(feature = "ssr")]
pub mod ops;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod tokens;

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

impl UserStatus {
    pub const ALL: [UserStatus; 3] = [
        UserStatus::Invited,
        UserStatus::Active,
        UserStatus::Disabled,
    ];

    /// The stored value (`users.status`).
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Invited => "INVITED",
            UserStatus::Active => "ACTIVE",
            UserStatus::Disabled => "DISABLED",
        }
    }
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
    /// Set for a team's service account (the user its team API keys act as): the team.
    /// Service accounts have no password and are never paged; the directory leaves them out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_team_id: Option<TeamId>,
}

/// One page of the user directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPage {
    pub users: Vec<UserSummary>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// The outcome of issuing an invite or reset link. `link` is only returned when it was not
/// emailed (no SMTP configured, or sending failed), so an admin can pass it on; an emailed
/// link reaches only the user's inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkIssued {
    pub user: UserSummary,
    pub emailed: bool,
    pub link: Option<String>,
    pub expires_at: DateTime<Utc>,
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
