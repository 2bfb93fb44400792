//! API keys: per-user secrets for scripts, shown once, stored hashed with a visible prefix,
//! narrowed by scopes, revocable and optionally expiring.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{ApiKeyId, Scope};

pub mod api;
#[cfg(feature = "ssr")]
pub mod ops;
pub mod page;
#[cfg(feature = "ssr")]
pub mod store;

/// A key as lists show it: never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeySummary {
    pub id: ApiKeyId,
    pub name: String,
    /// The first characters of the key (`ok_Ab12Cd34`), enough to recognise it.
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new key with its secret, returned exactly once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedApiKey {
    pub key: ApiKeySummary,
    /// The whole key, for `Authorization: Bearer …`. Not retrievable later.
    pub secret: String,
}

/// Longest allowed lifetime when an expiry is given.
pub const MAX_EXPIRY_DAYS: i64 = 3650;
/// Longest key name.
pub const NAME_MAX: usize = 100;

/// A validated request for a new key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiKey {
    pub name: String,
    pub scopes: Vec<Scope>,
    pub expires_in_days: Option<i64>,
}

impl NewApiKey {
    /// Validates raw input for an owner with `owner_role`; errors name the field. Only admins
    /// may hold `admin`-scoped keys, so a key never carries more than its owner could use.
    pub fn parse(
        owner_role: crate::domain::Role,
        name: &str,
        scopes: &[String],
        expires_in_days: Option<i64>,
    ) -> Result<Self, crate::error::AppError> {
        use crate::error::AppError;
        let name = crate::domain::parse_name("name", name, NAME_MAX)?;
        let scopes = Scope::parse_list("scopes", scopes)?;
        if scopes.contains(&Scope::Admin) && owner_role != crate::domain::Role::Admin {
            return Err(AppError::invalid(
                "scopes",
                "only admins can hold keys with the admin scope",
            ));
        }
        if let Some(d) = expires_in_days
            && !(1..=MAX_EXPIRY_DAYS).contains(&d)
        {
            return Err(AppError::invalid(
                "expires_in_days",
                format!("must be between 1 and {MAX_EXPIRY_DAYS} days, or empty for no expiry"),
            ));
        }
        Ok(Self {
            name,
            scopes,
            expires_in_days,
        })
    }
}
