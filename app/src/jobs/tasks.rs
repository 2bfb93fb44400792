//! The SQL of the recurring tasks: retention cleanup and the daily per-service rollup
//! (incident counts, mean time to acknowledge, mean time to resolve) analytics reads.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;

use crate::error::AppError;

/// Days to keep things for.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    /// Resolved incidents (with their alerts, timeline and pages).
    pub incident_days: i64,
    /// Alerts of resolved incidents.
    pub alert_days: i64,
    /// Finished jobs (completed, cancelled, failed for good).
    pub job_days: i64,
}

/// Rows deleted by one cleanup run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Removed {
    pub incidents: u64,
    pub alerts: u64,
    pub jobs: u64,
}

/// Rows deleted per table per run, so one run never holds locks for long.
const BATCH: i64 = 10_000;

pub async fn cleanup(
    tx: &mut PgConnection,
    now: DateTime<Utc>,
    r: Retention,
) -> Result<Removed, AppError> {
    let incidents = sqlx::query(
        "DELETE FROM incidents WHERE id IN (
            SELECT id FROM incidents WHERE status = 'RESOLVED' AND resolved_at < $1 LIMIT $2)",
    )
    .bind(now - Duration::days(r.incident_days))
    .bind(BATCH)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let alerts = sqlx::query(
        "DELETE FROM alerts WHERE id IN (
            SELECT a.id FROM alerts a JOIN incidents i ON i.id = a.incident_id
            WHERE i.status = 'RESOLVED' AND a.received_at < $1 LIMIT $2)",
    )
    .bind(now - Duration::days(r.alert_days))
    .bind(BATCH)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let jobs = sqlx::query(
        "DELETE FROM jobs WHERE id IN (
            SELECT id FROM jobs
            WHERE status IN ('COMPLETED', 'CANCELLED', 'FAILED') AND updated_at < $1
              AND NOT (status = 'FAILED' AND attempts < max_attempts)
            LIMIT $2)",
    )
    .bind(now - Duration::days(r.job_days))
    .bind(BATCH)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query("DELETE FROM early_resolves WHERE received_at < $1")
        .bind(now - crate::incidents::early_resolve_window())
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM inbound_seen WHERE at < $1")
        .bind(now - Duration::days(1))
        .execute(&mut *tx)
        .await?;
    crate::idempotency::expire(&mut *tx, now).await?;
    crate::sso::store::delete_expired(&mut *tx, now).await?;
    Ok(Removed {
        incidents,
        alerts,
        jobs,
    })
}

/// Recomputes yesterday's and today's figures (UTC days) for every service with incidents,
/// and the analytics rollup's due days (`analytics::rollup::run`).
pub async fn rollup(tx: &mut PgConnection, now: DateTime<Utc>) -> Result<u64, AppError> {
    let start = (now - Duration::days(1))
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map(|d| d.and_utc())
        .unwrap_or(now);
    let done = sqlx::query(
        "INSERT INTO service_daily_stats (service_id, day, incidents, acknowledged, resolved,
                                          mtta_secs, mttr_secs, computed_at)
         SELECT service_id, (created_at AT TIME ZONE 'UTC')::date, count(*)::int,
                count(acknowledged_at)::int, count(resolved_at)::int,
                avg(extract(epoch FROM acknowledged_at - created_at)::float8),
                avg(extract(epoch FROM resolved_at - created_at)::float8),
                $2
         FROM incidents WHERE created_at >= $1
         GROUP BY 1, 2
         ON CONFLICT (service_id, day) DO UPDATE SET
            incidents = EXCLUDED.incidents, acknowledged = EXCLUDED.acknowledged,
            resolved = EXCLUDED.resolved, mtta_secs = EXCLUDED.mtta_secs,
            mttr_secs = EXCLUDED.mttr_secs, computed_at = EXCLUDED.computed_at",
    )
    .bind(start)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let analytics = crate::analytics::rollup::run(tx, now).await?;
    Ok(done.rows_affected() + analytics)
}
