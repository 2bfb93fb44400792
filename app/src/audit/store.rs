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

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    at: DateTime<Utc>,
    actor: Option<String>,
    action: String,
    target: Option<String>,
    ip: Option<String>,
    details: serde_json::Value,
}

/// Entries older than `before` (an entry id; `None` for the newest), newest first, optionally
/// only actions starting with `action_prefix`. Keyset-paginated: one index range scan a page.
pub async fn list(
    pool: &crate::db::Db,
    before: Option<i64>,
    action_prefix: &str,
    limit: i64,
) -> Result<super::AuditPage, AppError> {
    let rows: Vec<AuditRow> = sqlx::query_as(
        "SELECT a.id, a.at, u.email AS actor, a.action, a.target, a.ip, a.details
             FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id
             WHERE ($1::bigint IS NULL OR a.id < $1) AND a.action LIKE $2 || '%'
             ORDER BY a.id DESC LIMIT $3",
    )
    .bind(before)
    .bind(crate::sql::like_escape(action_prefix))
    .bind(limit + 1)
    .fetch_all(pool)
    .await?;
    let (rows, next_before) = crate::sql::keyset_page(rows, limit, |r| r.id);
    let entries: Vec<super::AuditEntry> = rows
        .into_iter()
        .map(|r| super::AuditEntry {
            id: r.id,
            at: r.at,
            actor: r.actor,
            action: r.action,
            target: r.target,
            ip: r.ip,
            details: r.details.to_string(),
        })
        .collect();
    Ok(super::AuditPage {
        entries,
        next_before,
    })
}
