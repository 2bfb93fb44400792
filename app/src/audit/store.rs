//! All SQL for the audit log.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use crate::domain::UserId;
use crate::error::AppError;

/// One audit entry. `action` is a dotted verb like `login.failure`.
pub struct Entry<'a> {
    pub at: DateTime<Utc>,
    pub actor: Option<UserId>,
    pub action: &'a str,
    pub target: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub details: serde_json::Value,
}

pub async fn record<'e>(db: impl PgExecutor<'e>, e: Entry<'_>) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_user_id, action, target, ip, details) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(e.at)
    .bind(e.actor)
    .bind(e.action)
    .bind(e.target)
    .bind(e.ip)
    .bind(e.details)
    .execute(db)
    .await?;
    Ok(())
}
