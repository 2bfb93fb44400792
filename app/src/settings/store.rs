//! All SQL for settings: the SMTP row, with its password sealed by the keyring, and the
//! writes every settings row shares (`put`, `remove`).

use crate::db::Db;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{SmtpConfig, SmtpSecurity};
use crate::domain::UserId;
use crate::error::AppError;
use crate::secrets::Keyring;

const SMTP: &str = "smtp";

/// The stored form: the password only as ciphertext.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    host: String,
    port: u16,
    security: SmtpSecurity,
    username: String,
    password_enc: Option<String>,
    from: String,
}

/// The saved SMTP settings and a version that changes with every save, or `None`.
pub async fn smtp(pool: &Db, keys: &Keyring) -> Result<Option<(SmtpConfig, String)>, AppError> {
    let row: Option<(serde_json::Value, String)> =
        sqlx::query_as("SELECT value, value::text FROM settings WHERE key = $1")
            .bind(SMTP)
            .fetch_optional(pool)
            .await?;
    let Some((value, at)) = row else {
        return Ok(None);
    };
    let s: Stored = serde_json::from_value(value).map_err(|e| AppError::Internal {
        message: format!("stored SMTP settings unreadable: {e}"),
    })?;
    let password = match &s.password_enc {
        Some(sealed) => keys.decrypt(sealed).map_err(|e| AppError::Internal {
            message: format!("SMTP password: {e}"),
        })?,
        None => String::new(),
    };
    Ok(Some((
        SmtpConfig {
            host: s.host,
            port: s.port,
            security: s.security,
            username: s.username,
            password,
            from: s.from,
        },
        at,
    )))
}

/// Saves SMTP settings; `password: None` keeps the stored one.
pub async fn save_smtp(
    pool: &Db,
    keys: &Keyring,
    c: &SmtpConfig,
    keep_password: bool,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let old: Option<serde_json::Value> =
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1 FOR UPDATE")
            .bind(SMTP)
            .fetch_optional(&mut *tx)
            .await?;
    let password_enc = if keep_password {
        old.and_then(|v| {
            v.get("password_enc")
                .and_then(|p| p.as_str().map(str::to_owned))
        })
    } else if c.password.is_empty() {
        None
    } else {
        Some(keys.encrypt(&c.password))
    };
    let stored = Stored {
        host: c.host.clone(),
        port: c.port,
        security: c.security,
        username: c.username.clone(),
        password_enc,
        from: c.from.clone(),
    };
    let value = serde_json::to_value(&stored).map_err(|e| AppError::Internal {
        message: format!("encode SMTP settings: {e}"),
    })?;
    put(&mut *tx, SMTP, value, by, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes the saved SMTP settings (the environment default applies again).
pub async fn clear_smtp(pool: &Db) -> Result<(), AppError> {
    remove(pool, SMTP).await
}

/// Writes one settings row (inserted or replaced), stamped with who saved it and when.
pub async fn put(
    db: impl sqlx::PgExecutor<'_>,
    key: &str,
    value: serde_json::Value,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at,
                                         updated_by = EXCLUDED.updated_by",
    )
    .bind(key)
    .bind(value)
    .bind(now)
    .bind(by)
    .execute(db)
    .await?;
    Ok(())
}

/// Removes one settings row (its environment default applies again).
pub async fn remove(db: impl sqlx::PgExecutor<'_>, key: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM settings WHERE key = $1")
        .bind(key)
        .execute(db)
        .await?;
    Ok(())
}
