//! The single sign-on settings in force: saved by an admin (row `sso` of `settings`, the client
//! secret sealed by the keyring), else the environment's `OPSKNIGHT_OIDC_*`, else none. Also
//! the one set of checks a saved form and the environment both go through.

use serde::{Deserialize, Serialize};

use super::{PasswordLogin, RoleRule, SsoSource, TeamRule};
use crate::domain::{Role, UserId};
use crate::error::AppError;
use crate::state::AppState;

/// The `settings` key the saved form is stored under.
pub const KEY: &str = "sso";

/// The stored form: the client secret only as ciphertext.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    pub enabled: bool,
    pub issuer: String,
    pub client_id: String,
    pub client_secret_enc: String,
    pub scopes: Vec<String>,
    pub label: String,
    pub auto_provision: bool,
    pub default_role: Role,
    pub allowed_domains: Vec<String>,
    pub role_rules: Vec<RoleRule>,
    pub team_rules: Vec<TeamRule>,
    pub password_login: PasswordLogin,
    pub break_glass_user: Option<UserId>,
}

/// The provider as the environment gives it (`OPSKNIGHT_OIDC_ISSUER`, `_CLIENT_ID`,
/// `_CLIENT_SECRET`, `_SCOPES`, `_LABEL`), already checked by `check_issuer` and friends.
/// With only the environment, accounts must exist (no provisioning) and there are no rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvConfig {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    pub scopes: Vec<String>,
    pub label: String,
}

/// The settings in force, secret in plain text (server side only).
#[derive(Debug, Clone)]
pub struct Effective {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    pub scopes: Vec<String>,
    pub label: String,
    pub auto_provision: bool,
    pub default_role: Role,
    pub allowed_domains: Vec<String>,
    pub role_rules: Vec<RoleRule>,
    pub team_rules: Vec<TeamRule>,
    pub password_login: PasswordLogin,
    pub break_glass_user: Option<UserId>,
    pub source: SsoSource,
}

impl Effective {
    fn from_env(env: &EnvConfig) -> Effective {
        Effective {
            issuer: env.issuer.clone(),
            client_id: env.client_id.clone(),
            client_secret: env.client_secret.clone(),
            scopes: env.scopes.clone(),
            label: env.label.clone(),
            auto_provision: false,
            default_role: Role::Responder,
            allowed_domains: Vec::new(),
            role_rules: Vec::new(),
            team_rules: Vec::new(),
            password_login: PasswordLogin::Everyone,
            break_glass_user: None,
            source: SsoSource::Environment,
        }
    }
}

/// The saved row, if any (secret still sealed). A row that does not parse is an error naming
/// the row, never a silent "off".
pub async fn saved(db: impl sqlx::PgExecutor<'_>) -> Result<Option<Saved>, AppError> {
    let value: Option<serde_json::Value> =
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(KEY)
            .fetch_optional(db)
            .await?;
    value
        .map(|v| {
            serde_json::from_value(v).map_err(|e| AppError::Internal {
                message: format!("settings.value (key {KEY}) does not parse: {e}"),
            })
        })
        .transpose()
}

/// The settings in force, or None when single sign-on is off (saved as disabled, or neither
/// saved nor in the environment).
pub async fn effective(state: &AppState) -> Result<Option<Effective>, AppError> {
    match saved(&state.pool).await? {
        Some(s) if !s.enabled => Ok(None),
        Some(s) => {
            let client_secret =
                state
                    .keys
                    .decrypt(&s.client_secret_enc)
                    .map_err(|e| AppError::Internal {
                        message: format!("settings.value (key {KEY}) client secret: {e}"),
                    })?;
            Ok(Some(Effective {
                issuer: s.issuer,
                client_id: s.client_id,
                client_secret,
                scopes: s.scopes,
                label: s.label,
                auto_provision: s.auto_provision,
                default_role: s.default_role,
                allowed_domains: s.allowed_domains,
                role_rules: s.role_rules,
                team_rules: s.team_rules,
                password_login: s.password_login,
                break_glass_user: s.break_glass_user,
                source: SsoSource::Saved,
            }))
        }
        None => Ok(state.sso_env.as_deref().map(Effective::from_env)),
    }
}

/// An issuer URL: absolute https (http only for a loopback host, for development), no query
/// or fragment. Kept as typed but for surrounding spaces: issuers compare exactly.
pub fn check_issuer(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    let url =
        url::Url::parse(raw).map_err(|_| "must be a URL like https://id.example.com".to_owned())?;
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => return Err("must use https (http only for localhost)".into()),
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not have a query or fragment".into());
    }
    if url.host_str().is_none() || raw.len() > 500 {
        return Err("must be a URL like https://id.example.com".into());
    }
    Ok(raw.to_owned())
}

/// A client id or secret: printable, no spaces, at most 500 characters.
pub fn check_client_value(raw: &str, what: &str) -> Result<String, String> {
    let v = raw.trim();
    if v.is_empty() {
        return Err(format!("the {what} is required"));
    }
    if v.len() > 500 || !v.chars().all(|c| c.is_ascii_graphic()) {
        return Err(format!(
            "the {what} must be printable text without spaces (at most 500 characters)"
        ));
    }
    Ok(v.to_owned())
}

/// A button label: 1–40 characters, no control characters; empty means "SSO".
pub fn check_label(raw: &str) -> Result<String, String> {
    let v = raw.trim();
    if v.is_empty() {
        return Ok("SSO".into());
    }
    if v.chars().count() > super::LABEL_MAX || v.chars().any(char::is_control) {
        return Err(format!("at most {} characters, one line", super::LABEL_MAX));
    }
    Ok(v.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_must_be_https_except_on_loopback() {
        assert!(check_issuer("https://id.example.com/realms/ops").is_ok());
        assert!(check_issuer("http://127.0.0.1:8080").is_ok());
        assert!(check_issuer("http://localhost:8080/").is_ok());
        assert!(check_issuer("http://id.example.com").is_err());
        assert!(check_issuer("https://id.example.com/?a=b").is_err());
        assert!(check_issuer("id.example.com").is_err());
        assert!(check_issuer("ftp://id.example.com").is_err());
    }

    #[test]
    fn client_values_and_labels_are_checked() {
        assert!(check_client_value("", "client id").is_err());
        assert!(check_client_value("a b", "client id").is_err());
        assert_eq!(check_client_value(" abc ", "client id").unwrap(), "abc");
        assert_eq!(check_label("").unwrap(), "SSO");
        assert!(check_label(&"x".repeat(41)).is_err());
        assert!(check_label("Okta\n").is_ok());
        assert!(check_label("Ok\nta").is_err());
    }
}
