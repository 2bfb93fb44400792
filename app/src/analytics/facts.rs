//! Reading incidents as analytics facts (`agg::Fact`): one statement over a span of
//! `created_at`, filtered; the live path reads its days with it and the rollup reads each
//! day it computes with it. Merged incidents are left out (their alerts count in the one they
//! were merged into).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::agg::Fact;
use super::report::AnalyticsFilter;
use crate::domain::{ServiceId, Urgency};
use crate::error::AppError;
use crate::sla::outcome;

type Row = (
    ServiceId,
    String,
    String,
    DateTime<Utc>,
    String,
    String,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    bool,
    bool,
    bool,
    bool,
    i32,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

/// The facts of incidents opened in `[from, to)` that pass `filter` (its window is ignored),
/// with SLA outcomes as of `now`.
pub async fn read(
    conn: &mut PgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    filter: &AnalyticsFilter,
    now: DateTime<Utc>,
) -> Result<Vec<Fact>, AppError> {
    let rows: Vec<Row> = sqlx::query_as(concat!(
        "SELECT i.service_id, i.urgency, COALESCE(i.priority, ''), i.created_at, i.dedup_key, i.title,
                i.first_acknowledged_at, CASE WHEN i.status = 'RESOLVED' THEN i.resolved_at END,
                EXISTS (SELECT 1 FROM incident_timeline t WHERE t.incident_id = i.id AND t.kind = 'ESCALATED'
                        AND (COALESCE((t.details->>'step')::int, 1) >= 2 OR COALESCE((t.details->>'pass')::int, 1) >= 2)),
                EXISTS (SELECT 1 FROM incident_timeline t WHERE t.incident_id = i.id AND t.kind = 'REOPENED'),
                i.status = 'RESOLVED' AND NOT EXISTS (SELECT 1 FROM incident_timeline t
                        WHERE t.incident_id = i.id AND t.kind = 'RESOLVED' AND t.actor_user_id IS NOT NULL),
                i.flapping, i.alert_count, ",
        crate::sla_state_columns!("i", "$8"),
        " FROM incidents i JOIN services s ON s.id = i.service_id ",
        crate::sla_target_lateral!("i"),
        " WHERE i.created_at >= $1 AND i.created_at < $2 AND i.merged_into IS NULL",
        crate::analytics_filter!(),
    ))
    .bind(from)
    .bind(to)
    .bind(filter.service_id)
    .bind(filter.team_id)
    .bind(filter.urgency.map(|u| u.as_str()))
    .bind(filter.priority.as_deref())
    .bind(filter.responder)
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(
            |(
                service_id,
                urgency,
                priority,
                created_at,
                dedup_key,
                title,
                acked,
                resolved,
                escalated,
                reopened,
                auto,
                flapping,
                alerts,
                ack_due,
                resolve_due,
            )| {
                let secs = |t: Option<DateTime<Utc>>| {
                    t.map(|t| (t - created_at).num_milliseconds() as f64 / 1000.0)
                };
                Ok(Fact {
                    service_id,
                    urgency: AppError::column(
                        "incidents.urgency",
                        &urgency,
                        Urgency::parse(&urgency),
                    )?,
                    priority,
                    created_at,
                    dedup_key,
                    title,
                    ack_secs: secs(acked),
                    resolve_secs: secs(resolved),
                    escalated,
                    reopened,
                    auto_resolved: auto,
                    flapping,
                    alerts: i64::from(alerts),
                    // Resolved before the ack target without an acknowledgement: not missed.
                    ack_breached: outcome(ack_due, acked.or(resolved), now),
                    resolve_breached: outcome(resolve_due, resolved, now),
                })
            },
        )
        .collect()
}
