//! API keys: secrets for scripts, shown once, stored hashed with a visible prefix, narrowed by
//! scopes, revocable and optionally expiring. A key belongs to a person, or to a team: then
//! it acts as the team's service account (a user made for its first key), so it keeps working
//! when the person who made it leaves.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{ApiKeyId, Role, Scope, TeamId, UserId};

pub mod admin_page;
pub mod api;
#[cfg(feature = "ssr")]
pub mod ops;
pub mod page;
#[cfg(feature = "ssr")]
pub mod service_account;
#[cfg(feature = "ssr")]
pub mod store;
pub mod team_api;
pub mod team_keys;

/// Who a key acts as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyOwner {
    pub user_id: UserId,
    /// The person's name; for a team key, the team's name.
    pub name: String,
    pub email: String,
    /// For a team key: the team whose service account `user_id` is.
    pub team_id: Option<TeamId>,
}

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
    pub owner: KeyOwner,
    /// Who made the key; `None` once their account is deleted.
    pub created_by: Option<UserId>,
    pub created_by_name: Option<String>,
}

/// One page of keys, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyPage {
    pub keys: Vec<ApiKeySummary>,
    /// Pass as `before` for the next page; `None` on the last page.
    pub next_before: Option<String>,
}

/// Keys per page, at most.
pub const MAX_PER_PAGE: i64 = 200;

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
        check_expiry(expires_in_days)?;
        Ok(Self {
            name,
            scopes,
            expires_in_days,
        })
    }

    /// Validates raw input for a team key made by someone with `creator_role`; errors name the
    /// field. A team key acts as a RESPONDER, so never holds `admin`; and it holds no scope its
    /// creator's own role could not use (a USER who owns a team gives only read scopes).
    pub fn parse_for_team(
        creator_role: Role,
        name: &str,
        scopes: &[String],
        expires_in_days: Option<i64>,
    ) -> Result<Self, crate::error::AppError> {
        use crate::error::AppError;
        let name = crate::domain::parse_name("name", name, NAME_MAX)?;
        let scopes = Scope::parse_list("scopes", scopes)?;
        if scopes.contains(&Scope::Admin) {
            return Err(AppError::invalid(
                "scopes",
                "a team key cannot hold the admin scope",
            ));
        }
        if let Some(s) = scopes.iter().find(|s| !creator_role.at_least(s.min_role())) {
            return Err(AppError::invalid(
                "scopes",
                format!(
                    "{} needs the {} role, which you do not have",
                    s.as_str(),
                    s.min_role()
                ),
            ));
        }
        check_expiry(expires_in_days)?;
        Ok(Self {
            name,
            scopes,
            expires_in_days,
        })
    }
}

/// `expires_in_days` within 1..=`MAX_EXPIRY_DAYS`, or `None` for no expiry.
fn check_expiry(expires_in_days: Option<i64>) -> Result<(), crate::error::AppError> {
    match expires_in_days {
        Some(d) if !(1..=MAX_EXPIRY_DAYS).contains(&d) => Err(crate::error::AppError::invalid(
            "expires_in_days",
            format!("must be between 1 and {MAX_EXPIRY_DAYS} days, or empty for no expiry"),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scopes(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    fn team_key_field(role: Role, list: &[&str], days: Option<i64>) -> Option<String> {
        NewApiKey::parse_for_team(role, "deploy", &scopes(list), days)
            .err()
            .and_then(|e| e.field().map(str::to_owned))
    }

    #[test]
    fn team_keys_never_hold_admin_nor_more_than_their_creator_could_use() {
        for role in Role::ALL {
            assert_eq!(
                team_key_field(role, &["admin"], None).as_deref(),
                Some("scopes")
            );
            assert_eq!(team_key_field(role, &["incidents:read"], Some(30)), None);
        }
        let writes = ["incidents:write", "events:write"];
        assert_eq!(
            team_key_field(Role::User, &writes, None).as_deref(),
            Some("scopes")
        );
        assert_eq!(team_key_field(Role::Responder, &writes, None), None);
        assert_eq!(team_key_field(Role::Admin, &writes, None), None);
        assert_eq!(
            team_key_field(Role::Admin, &["incidents:read"], Some(0)).as_deref(),
            Some("expires_in_days")
        );
        assert_eq!(
            NewApiKey::parse_for_team(Role::Admin, " ", &scopes(&["incidents:read"]), None)
                .unwrap_err()
                .field(),
            Some("name")
        );
    }

    #[test]
    fn personal_keys_hold_admin_only_for_admins() {
        let admin = scopes(&["admin"]);
        assert!(NewApiKey::parse(Role::Admin, "k", &admin, None).is_ok());
        assert!(NewApiKey::parse(Role::Responder, "k", &admin, None).is_err());
        assert!(NewApiKey::parse(Role::User, "k", &scopes(&["incidents:write"]), None).is_ok());
    }
}
