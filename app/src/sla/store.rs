//! The SQL of SLAs: a service's targets, the one definition of which target applies to an
//! incident (`sla_target_lateral!`) and of its due times and breaches (`sla_state_columns!`),
//! and the columns every incident query reads its SLA state with (`sla_summary_columns!`).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::SlaTarget;
use crate::db::Db;
use crate::domain::{ServiceId, Urgency};
use crate::error::AppError;

/// `LEFT JOIN LATERAL … sla ON true`: the target that applies to the incident row `$i`
/// (columns `service_id`, `urgency`, `priority`): a priority's target, then an urgency's, then
/// the service's own. Columns `sla.ack_minutes`, `sla.resolve_minutes`, `sla.warn_minutes`.
#[macro_export]
macro_rules! sla_target_lateral {
    ($i:literal) => {
        concat!(
            " LEFT JOIN LATERAL (SELECT st.ack_minutes, st.resolve_minutes, st.warn_minutes
                FROM sla_targets st
                WHERE st.service_id = ",
            $i,
            ".service_id
                  AND (st.urgency IS NULL OR st.urgency = ",
            $i,
            ".urgency)
                  AND (st.priority IS NULL OR st.priority IS NOT DISTINCT FROM ",
            $i,
            ".priority)
                ORDER BY (st.priority IS NOT NULL) DESC, (st.urgency IS NOT NULL) DESC
                LIMIT 1) sla ON true "
        )
    };
}

/// Select-list expressions for incident `$i` (joined with `sla_target_lateral!`) at time
/// `$now`: `ack_due_at`, `resolve_due_at`, `ack_breached`, `resolve_breached` (null without
/// a target). Snoozed time moves a due time later: for acknowledging, the time snoozed before
/// the first acknowledgement; for resolving, all of it (an ongoing snooze up to `$now`).
#[macro_export]
macro_rules! sla_state_columns {
    ($i:literal, $now:literal) => {
        concat!(
            " ",
            $i,
            ".created_at + make_interval(mins => sla.ack_minutes) + make_interval(secs =>
                CASE WHEN ",
            $i,
            ".first_acknowledged_at IS NOT NULL THEN COALESCE(",
            $i,
            ".ack_snoozed_secs, 0)
                     ELSE ",
            $i,
            ".snoozed_secs + COALESCE(GREATEST(0, extract(epoch FROM ",
            $now,
            " - ",
            $i,
            ".snoozed_since)), 0) END) AS ack_due_at,
              ",
            $i,
            ".created_at + make_interval(mins => sla.resolve_minutes) + make_interval(secs =>
                ",
            $i,
            ".snoozed_secs + CASE WHEN ",
            $i,
            ".resolved_at IS NULL
                    THEN COALESCE(GREATEST(0, extract(epoch FROM ",
            $now,
            " - ",
            $i,
            ".snoozed_since)), 0) ELSE 0 END) AS resolve_due_at "
        )
    };
}

/// Select-list expressions for [`super::SlaColumns`] of incident `$i` (joined with
/// `sla_target_lateral!`) at `$now`: the one fragment every list and detail query reads an
/// incident's SLA state with (`SlaState::read` turns it into the state).
#[macro_export]
macro_rules! sla_summary_columns {
    ($i:literal, $now:literal) => {
        concat!(
            " (sla.ack_minutes IS NOT NULL OR sla.resolve_minutes IS NOT NULL) AS sla_has_target, ",
            $i,
            ".first_acknowledged_at AS sla_acked_at, ",
            $i,
            ".resolved_at AS sla_resolved_at, sla.warn_minutes AS sla_warn_minutes, ",
            $crate::sla_state_columns!($i, $now)
        )
    };
}

/// The service's targets, most general first.
pub async fn list(pool: &Db, service: ServiceId) -> Result<Vec<SlaTarget>, AppError> {
    type Row = (
        Option<String>,
        Option<String>,
        Option<i32>,
        Option<i32>,
        Option<i32>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT urgency, priority, ack_minutes, resolve_minutes, warn_minutes FROM sla_targets
             WHERE service_id = $1
             ORDER BY (urgency IS NOT NULL), (priority IS NOT NULL),
                      array_position(ARRAY['HIGH','MEDIUM','LOW'], urgency), priority",
    )
    .bind(service)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(u, p, a, r, w)| {
            Ok(SlaTarget {
                urgency: u
                    .map(|u| AppError::column("sla_targets.urgency", &u, Urgency::parse(&u)))
                    .transpose()?,
                priority: p,
                ack_minutes: a,
                resolve_minutes: r,
                warn_minutes: w,
            })
        })
        .collect()
}

/// Replaces the service's targets with `targets` (checked).
pub async fn replace(
    tx: &mut PgConnection,
    service: ServiceId,
    targets: &[SlaTarget],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    sqlx::query("DELETE FROM sla_targets WHERE service_id = $1")
        .bind(service)
        .execute(&mut *tx)
        .await?;
    for t in targets {
        sqlx::query(
            "INSERT INTO sla_targets (id, service_id, urgency, priority, ack_minutes, resolve_minutes,
                                      warn_minutes, created_at)
             VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(service)
        .bind(t.urgency.map(|u| u.as_str()))
        .bind(t.priority.as_deref())
        .bind(t.ack_minutes)
        .bind(t.resolve_minutes)
        .bind(t.warn_minutes)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
