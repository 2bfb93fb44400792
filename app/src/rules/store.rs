//! All SQL for event rules: one versioned, ordered list per scope (`event_rule_sets`, the
//! global list has no service), read inside the ingest transaction, and the count of dropped
//! events per service and hour (`dropped_events`).

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgExecutor};

use crate::domain::{ServiceId, UserId};
use crate::error::AppError;

/// A stored rule set as ingest reads it.
pub struct StoredSet {
    pub id: uuid::Uuid,
    pub service_id: Option<ServiceId>,
    pub version: i64,
    pub rules: Value,
}

/// The global set and those of `services`, as this transaction sees them.
pub async fn sets_for(
    tx: &mut PgConnection,
    services: &[ServiceId],
) -> Result<Vec<StoredSet>, AppError> {
    let rows: Vec<(uuid::Uuid, Option<ServiceId>, i64, Value)> = sqlx::query_as(
        "SELECT id, service_id, version, rules FROM event_rule_sets
         WHERE service_id IS NULL OR service_id = ANY($1)",
    )
    .bind(services)
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, service_id, version, rules)| StoredSet {
            id,
            service_id,
            version,
            rules,
        })
        .collect())
}

/// A scope's set for the editor: (version, rules, updated_at, updated by).
pub async fn get<'e>(
    db: impl PgExecutor<'e>,
    service: Option<ServiceId>,
) -> Result<Option<(i64, Value, DateTime<Utc>, Option<String>)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT s.version, s.rules, s.updated_at, u.name FROM event_rule_sets s
         LEFT JOIN users u ON u.id = s.updated_by
         WHERE s.service_id IS NOT DISTINCT FROM $1",
    )
    .bind(service)
    .fetch_optional(db)
    .await?)
}

/// Replaces a scope's rules if it is still at `expected` (0: never saved) → the new version.
/// Another save in between is a 409: the editor reloads rather than overwrite it.
pub async fn save(
    tx: &mut PgConnection,
    service: Option<ServiceId>,
    expected: i64,
    rules: &Value,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    let version: Option<i64> = sqlx::query_scalar(
        "INSERT INTO event_rule_sets AS s (id, service_id, version, rules, updated_at, updated_by)
         VALUES ($1, $2, 1, $3, $4, $5)
         ON CONFLICT ON CONSTRAINT event_rule_sets_scope DO UPDATE
            SET version = s.version + 1, rules = EXCLUDED.rules,
                updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
            WHERE s.version = $6
         RETURNING version",
    )
    .bind(uuid::Uuid::new_v4())
    .bind(service)
    .bind(rules)
    .bind(now)
    .bind(by)
    .bind(expected)
    .fetch_optional(&mut *tx)
    .await?;
    match version {
        Some(v) if v == expected + 1 => Ok(v),
        _ => Err(AppError::Conflict {
            message: "these rules were changed by someone else since you opened them; reload"
                .into(),
        }),
    }
}

/// Counts events the rules dropped, per service and hour, keeping the last summary.
pub async fn record_drops(
    tx: &mut PgConnection,
    drops: &[(ServiceId, &str)],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if drops.is_empty() {
        return Ok(());
    }
    let hour = now
        .duration_trunc(TimeDelta::hours(1))
        .map_err(|e| AppError::Internal {
            message: format!("hour of {now}: {e}"),
        })?;
    let services: Vec<ServiceId> = drops.iter().map(|d| d.0).collect();
    let summaries: Vec<&str> = drops.iter().map(|d| d.1).collect();
    sqlx::query(
        "INSERT INTO dropped_events AS d (service_id, hour, count, last_summary)
         SELECT service_id, $3, count(*), (array_agg(summary ORDER BY ord DESC))[1]
         FROM unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS e(service_id, summary, ord)
         GROUP BY service_id
         ON CONFLICT (service_id, hour) DO UPDATE
            SET count = d.count + EXCLUDED.count, last_summary = EXCLUDED.last_summary",
    )
    .bind(&services)
    .bind(&summaries)
    .bind(hour)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Events dropped since `since` on one service, or on all (`None`).
pub async fn dropped_since<'e>(
    db: impl PgExecutor<'e>,
    service: Option<ServiceId>,
    since: DateTime<Utc>,
) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT COALESCE(sum(count), 0)::bigint FROM dropped_events
         WHERE hour >= date_trunc('hour', $2::timestamptz)
           AND ($1::uuid IS NULL OR service_id = $1)",
    )
    .bind(service)
    .bind(since)
    .fetch_one(db)
    .await?)
}

/// Where a routed event goes: the service's urgency rule, if the service still exists.
pub async fn route_target(
    tx: &mut PgConnection,
    service: ServiceId,
) -> Result<Option<crate::services::UrgencyRule>, AppError> {
    let raw: Option<String> = sqlx::query_scalar("SELECT urgency_rule FROM services WHERE id = $1")
        .bind(service)
        .fetch_optional(&mut *tx)
        .await?;
    raw.map(|r| {
        AppError::column(
            "services.urgency_rule",
            &r,
            crate::services::UrgencyRule::parse(&r),
        )
    })
    .transpose()
}
