//! All SQL for the phone provider settings: one `settings` row (`phone`), with the auth token,
//! the gateway's headers and its secret sealed by the keyring.

use crate::db::Db;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{GatewayMethod, GatewaySettings, PhoneSettings, TwilioSettings};
use crate::domain::UserId;
use crate::error::AppError;
use crate::secrets::Keyring;

const KEY: &str = "phone";

/// The stored form: secrets only as ciphertext.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "provider", rename_all = "snake_case")]
enum Stored {
    Twilio {
        account_sid: String,
        /// The current token first, then the previous one.
        tokens_enc: Vec<String>,
        from: String,
        api_url: String,
    },
    Gateway {
        url: String,
        method: GatewayMethod,
        headers_enc: Option<String>,
        body: serde_json::Value,
        secret_enc: Option<String>,
    },
}

fn unreadable(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::Internal {
        message: format!("stored phone settings ({what}) unreadable: {e}"),
    }
}

fn open(keys: &Keyring, what: &str, sealed: &str) -> Result<String, AppError> {
    keys.decrypt(sealed).map_err(|e| unreadable(what, e))
}

/// The saved settings and a version that changes with every save, or `None`.
pub async fn load(pool: &Db, keys: &Keyring) -> Result<Option<(PhoneSettings, String)>, AppError> {
    let row: Option<(serde_json::Value, String)> =
        sqlx::query_as("SELECT value, value::text FROM settings WHERE key = $1")
            .bind(KEY)
            .fetch_optional(pool)
            .await?;
    let Some((value, version)) = row else {
        return Ok(None);
    };
    let settings = match serde_json::from_value(value).map_err(|e| unreadable("value", e))? {
        Stored::Twilio {
            account_sid,
            tokens_enc,
            from,
            api_url,
        } => PhoneSettings::Twilio(TwilioSettings {
            account_sid,
            tokens: tokens_enc
                .iter()
                .map(|t| open(keys, "auth token", t))
                .collect::<Result<_, _>>()?,
            from,
            api_url,
        }),
        Stored::Gateway {
            url,
            method,
            headers_enc,
            body,
            secret_enc,
        } => PhoneSettings::Gateway(GatewaySettings {
            url,
            method,
            headers: match headers_enc {
                Some(h) => serde_json::from_str(&open(keys, "headers", &h)?)
                    .map_err(|e| unreadable("headers", e))?,
                None => Vec::new(),
            },
            body,
            secret: secret_enc.map(|s| open(keys, "secret", &s)).transpose()?,
        }),
    };
    Ok(Some((settings, version)))
}

/// Saves the settings, sealing every secret.
pub async fn save(
    pool: &Db,
    keys: &Keyring,
    settings: &PhoneSettings,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let stored = match settings {
        PhoneSettings::Twilio(t) => Stored::Twilio {
            account_sid: t.account_sid.clone(),
            tokens_enc: t.tokens.iter().map(|t| keys.encrypt(t)).collect(),
            from: t.from.clone(),
            api_url: t.api_url.clone(),
        },
        PhoneSettings::Gateway(g) => Stored::Gateway {
            url: g.url.clone(),
            method: g.method,
            headers_enc: if g.headers.is_empty() {
                None
            } else {
                let json = serde_json::to_string(&g.headers).map_err(|e| AppError::Internal {
                    message: format!("encode gateway headers: {e}"),
                })?;
                Some(keys.encrypt(&json))
            },
            body: g.body.clone(),
            secret_enc: g.secret.as_deref().map(|s| keys.encrypt(s)),
        },
    };
    let value = serde_json::to_value(&stored).map_err(|e| AppError::Internal {
        message: format!("encode phone settings: {e}"),
    })?;
    crate::settings::store::put(pool, KEY, value, by, now).await
}

/// Removes the saved settings (the environment applies again).
pub async fn clear(pool: &Db) -> Result<(), AppError> {
    crate::settings::store::remove(pool, KEY).await
}
