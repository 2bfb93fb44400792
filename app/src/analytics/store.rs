//! The SQL behind the command center's analytics: one grouped scan of the last 30 days of
//! incidents (index on `created_at`) and the getting-started counts; and `analytics_filter!`,
//! the one statement of the analytics filter that the live read and the export share.

use crate::db::Db;
use chrono::{DateTime, Utc};

use super::{DayStat, Overview, fill_days, means};
use crate::error::AppError;

/// ` AND …` conditions of an `AnalyticsFilter` (its window aside) on incidents `i` joined with
/// their services `s`, with the filter bound as `$3` service, `$4` team, `$5` urgency, `$6`
/// priority and `$7` responder (someone paged for the incident, or acting on it).
#[macro_export]
macro_rules! analytics_filter {
    () => {
        " AND ($3::uuid IS NULL OR i.service_id = $3)
           AND ($4::uuid IS NULL OR s.team_id = $4)
           AND ($5::text IS NULL OR i.urgency = $5)
           AND ($6::text IS NULL OR i.priority = $6)
           AND ($7::uuid IS NULL
                OR EXISTS (SELECT 1 FROM notifications n WHERE n.incident_id = i.id AND n.user_id = $7)
                OR EXISTS (SELECT 1 FROM incident_timeline t WHERE t.incident_id = i.id AND t.actor_user_id = $7)) "
    };
}

pub async fn overview(pool: &Db, now: DateTime<Utc>) -> Result<Overview, AppError> {
    let today = now.date_naive();
    let since = (today - chrono::Days::new(29))
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or(now);
    let rows: Vec<DayStat> = sqlx::query_as(
        "SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS opened,
                count(acknowledged_at) AS acknowledged, count(resolved_at) AS resolved,
                avg(EXTRACT(EPOCH FROM acknowledged_at - created_at))::float8 AS mtta_secs,
                avg(EXTRACT(EPOCH FROM resolved_at - created_at))::float8 AS mttr_secs
         FROM incidents WHERE created_at >= $1 AND created_at <= $2
         GROUP BY 1 ORDER BY 1",
    )
    .bind(since)
    .bind(now)
    .fetch_all(pool)
    .await?;
    let (services, integrations, any_incident): (i64, i64, bool) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM services), (SELECT count(*) FROM integrations),
                EXISTS (SELECT 1 FROM incidents)",
    )
    .fetch_one(pool)
    .await?;
    let days = fill_days(rows, today, 30);
    Ok(Overview {
        at: now,
        last_7: means(&days, 7),
        last_30: means(&days, 30),
        days,
        services,
        integrations,
        any_incident,
    })
}
