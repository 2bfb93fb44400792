//! Reading incidents: the filtered, paged list, live summaries, the command center's
//! counters, one incident's detail, and the teams it belongs to.

use crate::db::Db;
use chrono::{DateTime, Duration, Utc};

use super::{
    AlertEntry, IncidentDetail, IncidentFilter, IncidentPage, IncidentSummary, TimelineEntry,
};
use crate::domain::{IncidentId, ServiceId, Status, Urgency, UserId};
use crate::error::AppError;

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: IncidentId,
    number: i64,
    service_id: ServiceId,
    service_name: String,
    title: String,
    status: String,
    urgency: String,
    priority: Option<String>,
    alert_count: i32,
    assignee: Option<String>,
    assignee_user_id: Option<UserId>,
    assignee_team_id: Option<crate::domain::TeamId>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    snoozed_until: Option<DateTime<Utc>>,
    #[sqlx(flatten)]
    sla: crate::sla::SlaColumns,
}

impl SummaryRow {
    /// The summary, with its SLA state at `now` (the time the query bound).
    fn summary(self, now: DateTime<Utc>) -> Result<IncidentSummary, AppError> {
        let r = self;
        Ok(IncidentSummary {
            id: r.id,
            number: r.number,
            service_id: r.service_id,
            service_name: r.service_name,
            title: r.title,
            status: AppError::column("incidents.status", &r.status, Status::parse(&r.status))?,
            urgency: AppError::column("incidents.urgency", &r.urgency, Urgency::parse(&r.urgency))?,
            priority: r.priority,
            alert_count: r.alert_count,
            assignee: r.assignee,
            assignee_user_id: r.assignee_user_id,
            assignee_team_id: r.assignee_team_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
            snoozed_until: r.snoozed_until,
            sla: crate::sla::SlaState::read(r.sla, now),
        })
    }
}

/// The summary columns (with the SLA state at `$now`: one lateral probe of the service's
/// targets per row) and the joins they need; `extra` adds columns.
macro_rules! summary_select {
    ($now:literal) => {
        summary_select!($now, "")
    };
    ($now:literal, $extra:literal) => {
        concat!(
            "SELECT i.id, i.number, i.service_id, s.name AS service_name, i.title, i.status, i.urgency,
                i.priority, i.alert_count,
                COALESCE(au.name, at.name,
                         (SELECT string_agg(pu.name, ', ' ORDER BY pu.name) FROM users pu WHERE pu.id = ANY(i.paged_user_ids))) AS assignee,
                i.assignee_user_id, i.assignee_team_id, i.created_at,
                i.updated_at, i.snoozed_until, ",
            $extra,
            crate::sla_summary_columns!("i", $now),
            " FROM incidents i JOIN services s ON s.id = i.service_id
         LEFT JOIN users au ON au.id = i.assignee_user_id
         LEFT JOIN teams at ON at.id = i.assignee_team_id",
            crate::sla_target_lateral!("i")
        )
    };
}

/// A page of incidents, newest first (by number), filtered. `viewer` is used by `mine`.
pub async fn list(
    pool: &Db,
    f: &IncidentFilter,
    viewer: UserId,
    before: Option<i64>,
    limit: i64,
    now: DateTime<Utc>,
) -> Result<IncidentPage, AppError> {
    let statuses: Vec<&str> = f.statuses.iter().map(|s| s.as_str()).collect();
    let urgencies: Vec<&str> = f.urgencies.iter().map(|u| u.as_str()).collect();
    let query = crate::sql::contains_pattern(&f.query);
    let rows: Vec<SummaryRow> = sqlx::query_as(concat!(
        summary_select!("$11"),
        " WHERE ($1::bigint IS NULL OR i.number < $1)
            AND (cardinality($2::text[]) = 0 OR i.status = ANY($2))
            AND (cardinality($3::text[]) = 0 OR i.urgency = ANY($3))
            AND ($4::uuid IS NULL OR i.service_id = $4)
            AND ($5::uuid IS NULL OR s.team_id = $5 OR i.assignee_team_id = $5)
            AND (NOT $6 OR i.assignee_user_id = $7
                 OR i.assignee_team_id IN (SELECT team_id FROM team_members WHERE user_id = $7)
                 OR (i.assignee_user_id IS NULL AND i.assignee_team_id IS NULL AND $7 = ANY(i.paged_user_ids))
                 OR s.team_id IN (SELECT team_id FROM team_members WHERE user_id = $7))
            AND ($8 = '%%' OR lower(i.title) LIKE $8 OR i.number::text = $9)
          ORDER BY i.number DESC LIMIT $10"
    ))
    .bind(before)
    .bind(&statuses)
    .bind(&urgencies)
    .bind(f.service_id)
    .bind(f.team_id)
    .bind(f.mine)
    .bind(viewer)
    .bind(&query)
    .bind(f.query.trim().trim_start_matches('#'))
    .bind(limit + 1)
    .bind(now)
    .fetch_all(pool)
    .await?;
    let (rows, next_before) = crate::sql::keyset_page(rows, limit, |r| r.number);
    let incidents: Vec<IncidentSummary> = rows
        .into_iter()
        .map(|r| r.summary(now))
        .collect::<Result<_, _>>()?;
    Ok(IncidentPage {
        incidents,
        next_before,
    })
}

/// The current summaries of `ids` at `now` (unknown ids are skipped), in `ids`' order of
/// numbers.
pub async fn summaries(
    db: impl sqlx::PgExecutor<'_>,
    ids: &[IncidentId],
    now: DateTime<Utc>,
) -> Result<Vec<IncidentSummary>, AppError> {
    let rows: Vec<SummaryRow> = sqlx::query_as(concat!(
        summary_select!("$2"),
        " WHERE i.id = ANY($1) ORDER BY i.number DESC"
    ))
    .bind(ids)
    .bind(now)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(|r| r.summary(now)).collect()
}

/// The command center's counters: one pass over the active incidents (partial index) and one
/// over the last day's resolves (partial index on `resolved_at`).
pub async fn counters(
    db: impl sqlx::PgExecutor<'_>,
    now: DateTime<Utc>,
) -> Result<super::Counters, AppError> {
    Ok(sqlx::query_as(
        "SELECT count(*) FILTER (WHERE status = 'OPEN') AS open,
                count(*) FILTER (WHERE status = 'ACKNOWLEDGED') AS acknowledged,
                count(*) FILTER (WHERE status = 'OPEN' AND urgency = 'HIGH') AS high_open,
                count(*) FILTER (WHERE assignee_user_id IS NULL AND assignee_team_id IS NULL
                                  AND cardinality(paged_user_ids) = 0) AS unassigned,
                (SELECT count(*) FROM incidents WHERE status = 'RESOLVED' AND resolved_at > $1) AS resolved_24h
         FROM incidents WHERE status <> 'RESOLVED'",
    )
    .bind(now - Duration::hours(24))
    .fetch_one(db)
    .await?)
}

#[derive(sqlx::FromRow)]
struct DetailRow {
    description: String,
    dedup_key: String,
    escalation_policy: Option<String>,
    #[sqlx(flatten)]
    summary: SummaryRow,
}

/// The incident's detail, its SLA state at `now` included.
pub async fn get(
    pool: &Db,
    id: IncidentId,
    now: DateTime<Utc>,
) -> Result<IncidentDetail, AppError> {
    let row: Option<DetailRow> = sqlx::query_as(concat!(
        summary_select!(
            "$2",
            "i.description, i.dedup_key,
                (SELECT p.name FROM escalation_policies p WHERE p.id = s.escalation_policy_id) AS escalation_policy, "
        ),
        " WHERE i.id = $1"
    ))
    .bind(id)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    let row = row.ok_or_else(|| AppError::NotFound {
        what: "incident".into(),
    })?;
    let timeline: Vec<TimelineEntry> = sqlx::query_as(
        "SELECT t.id, t.at, t.kind, u.name AS actor, t.details::text AS details
         FROM incident_timeline t LEFT JOIN users u ON u.id = t.actor_user_id
         WHERE t.incident_id = $1 ORDER BY t.id LIMIT 1000",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let alerts: Vec<AlertEntry> = sqlx::query_as(
        "SELECT id, summary, severity, source, jsonb_pretty(payload) AS payload, received_at
         FROM alerts WHERE incident_id = $1 ORDER BY id DESC LIMIT 50",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let incident = row.summary.summary(now)?;
    Ok(IncidentDetail {
        sla: incident.sla,
        incident,
        description: row.description,
        dedup_key: row.dedup_key,
        escalation_policy: row.escalation_policy,
        timeline,
        alerts,
        deliveries: crate::notifications::store::for_incident(pool, id).await?,
    })
}

/// The team ids of the incident's service and assignee, for USER-role scoping.
pub async fn teams_of(
    pool: &Db,
    id: IncidentId,
) -> Result<(Option<UserId>, Vec<crate::domain::TeamId>), AppError> {
    let row: Option<(
        Option<UserId>,
        Option<crate::domain::TeamId>,
        Option<crate::domain::TeamId>,
    )> = sqlx::query_as(
        "SELECT i.assignee_user_id, i.assignee_team_id, s.team_id FROM incidents i
         JOIN services s ON s.id = i.service_id WHERE i.id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let (user, a, b) = row.ok_or_else(|| AppError::NotFound {
        what: "incident".into(),
    })?;
    Ok((user, a.into_iter().chain(b).collect()))
}
