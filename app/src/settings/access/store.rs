//! All SQL for the access settings: the `settings` row `access` (JSON), absent until an ADMIN
//! saves it (the defaults apply).

use chrono::{DateTime, Utc};

use super::AccessSettings;
use crate::domain::UserId;
use crate::error::AppError;

pub const KEY: &str = "access";

/// The saved settings, or the defaults when none are saved. A stored value this code cannot
/// read is an error naming the row, never the defaults.
pub async fn load<'e>(db: impl sqlx::PgExecutor<'e>) -> Result<AccessSettings, AppError> {
    let value: Option<serde_json::Value> =
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(KEY)
            .fetch_optional(db)
            .await?;
    let Some(value) = value else {
        return Ok(AccessSettings::default());
    };
    let raw = value.to_string();
    AppError::column(
        "settings.value (key access)",
        &raw,
        serde_json::from_value(value).ok(),
    )
}

pub async fn save<'e>(
    db: impl sqlx::PgExecutor<'e>,
    settings: AccessSettings,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let value = serde_json::to_value(settings).map_err(|e| AppError::Internal {
        message: format!("encode access settings: {e}"),
    })?;
    crate::settings::store::put(db, KEY, value, by, now).await
}
