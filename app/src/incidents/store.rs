//! All SQL for incidents: ingestion (dedup on the partial unique index, early resolves),
//! person-driven transitions, notes, manual creation, listing and detail.

use chrono::{DateTime, Duration, Utc};
use sqlx::{PgConnection, PgPool};

use super::{
    AlertEntry, EventAction, InboundEvent, IncidentDetail, IncidentFilter, IncidentPage,
    IncidentSummary, TimelineEntry,
};
use crate::domain::incident::next_status;
use crate::domain::{IncidentId, IntegrationId, ServiceId, Status, Transition, Urgency, UserId};
use crate::error::AppError;

/// The NOTIFY channel live views listen on; the payload is a JSON array of incident ids.
pub const CHANNEL: &str = "opsknight_incidents";

/// How long a resolve that arrived before its trigger is remembered.
pub fn early_resolve_window() -> Duration {
    Duration::minutes(5)
}

/// Where an event goes, resolved from its routing key.
#[derive(Debug, Clone)]
pub struct IngestTarget {
    pub service_id: ServiceId,
    pub integration_id: Option<IntegrationId>,
    pub urgency_rule: crate::services::UrgencyRule,
}

/// What ingesting one event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingested {
    pub dedup_key: String,
    /// The incident it touched, if any (unknown keys for acknowledge and resolve touch none).
    pub incident: Option<IncidentId>,
}

/// Applies one event inside the caller's transaction. Statements are combined with CTEs so
/// an alert on an open incident is one round trip and a new incident two or three.
pub async fn ingest(
    tx: &mut PgConnection,
    target: &IngestTarget,
    ev: &InboundEvent,
    now: DateTime<Utc>,
) -> Result<Ingested, AppError> {
    let dedup_key = match &ev.dedup_key {
        Some(k) => k.clone(),
        None => uuid::Uuid::new_v4().simple().to_string(),
    };
    let incident = match ev.action {
        EventAction::Trigger => Some(trigger(tx, target, ev, &dedup_key, now).await?),
        EventAction::Acknowledge => {
            person_or_event(
                tx,
                target.service_id,
                &dedup_key,
                Transition::Acknowledge,
                now,
            )
            .await?
        }
        EventAction::Resolve => {
            let hit = person_or_event(tx, target.service_id, &dedup_key, Transition::Resolve, now)
                .await?;
            if hit.is_none() {
                sqlx::query(
                    "INSERT INTO early_resolves (service_id, dedup_key, received_at) VALUES ($1, $2, $3)
                     ON CONFLICT (service_id, dedup_key) DO UPDATE SET received_at = EXCLUDED.received_at",
                )
                .bind(target.service_id)
                .bind(&dedup_key)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            hit
        }
    };
    Ok(Ingested {
        dedup_key,
        incident,
    })
}

async fn trigger(
    tx: &mut PgConnection,
    target: &IngestTarget,
    ev: &InboundEvent,
    dedup_key: &str,
    now: DateTime<Utc>,
) -> Result<IncidentId, AppError> {
    let urgency = target.urgency_rule.urgency(ev.severity);
    for _ in 0..3 {
        // One round trip: append to the open incident, or open one (already resolved when a
        // resolve for this key arrived within the window), with its alert and timeline entry.
        let id: Option<IncidentId> = sqlx::query_scalar(
            "WITH upd AS (
                UPDATE incidents SET alert_count = alert_count + 1, updated_at = $7
                WHERE service_id = $2 AND dedup_key = $3 AND status <> 'RESOLVED'
                RETURNING id),
             er AS (
                DELETE FROM early_resolves
                WHERE service_id = $2 AND dedup_key = $3 AND NOT EXISTS (SELECT 1 FROM upd)
                RETURNING received_at),
             st AS (
                SELECT CASE WHEN EXISTS (SELECT 1 FROM er WHERE received_at >= $11)
                            THEN 'RESOLVED' ELSE 'OPEN' END AS status),
             ins AS (
                INSERT INTO incidents (id, service_id, dedup_key, title, status, urgency, alert_count,
                                       created_at, updated_at, resolved_at)
                SELECT $1, $2, $3, $4, st.status, $5, 1, $7, $7,
                       CASE WHEN st.status = 'RESOLVED' THEN $7::timestamptz END
                FROM st WHERE NOT EXISTS (SELECT 1 FROM upd)
                ON CONFLICT (service_id, dedup_key) WHERE status <> 'RESOLVED' DO NOTHING
                RETURNING id, status),
             hit AS (SELECT id, false AS created, 'OPEN' AS status FROM upd
                     UNION ALL SELECT id, true, status FROM ins),
             a AS (INSERT INTO alerts (incident_id, integration_id, summary, severity, source, payload, received_at)
                   SELECT id, $6, $4, $8, $9, $10, $7 FROM hit),
             t AS (INSERT INTO incident_timeline (incident_id, at, kind, details)
                   SELECT id, $7, CASE WHEN created THEN 'TRIGGERED' ELSE 'ALERT_APPENDED' END,
                          jsonb_build_object('summary', $4::text, 'severity', $8::text) FROM hit
                   UNION ALL
                   SELECT id, $7, 'RESOLVED', jsonb_build_object('reason', 'resolve arrived before the trigger')
                   FROM hit WHERE status = 'RESOLVED'),
             j AS (INSERT INTO jobs (kind, incident_id, payload, run_at, created_at, updated_at)
                   SELECT 'ESCALATION', id, $12, $7, $7, $7 FROM hit
                   WHERE created AND status = 'OPEN'
                     AND EXISTS (SELECT 1 FROM services WHERE id = $2 AND escalation_policy_id IS NOT NULL)
                   RETURNING 1)
             SELECT id FROM hit, (SELECT count(*) FROM (SELECT pg_notify($13, '') FROM (SELECT 1 FROM j LIMIT 1) one) w) wake",
        )
        .bind(IncidentId::new())
        .bind(target.service_id)
        .bind(dedup_key)
        .bind(&ev.summary)
        .bind(urgency.as_str())
        .bind(target.integration_id)
        .bind(now)
        .bind(ev.severity.as_str())
        .bind(&ev.source)
        .bind(&ev.payload)
        .bind(now - early_resolve_window())
        .bind(crate::escalation::store::first_step_payload())
        .bind(crate::jobs::store::CHANNEL)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = id {
            return Ok(id);
        }
        // Another instance opened it concurrently (the insert yielded): append to theirs.
    }
    Err(AppError::Unavailable {
        message: "the incident changed concurrently too often; retry".into(),
    })
}

/// An event's acknowledge or resolve on the open incident of (service, dedup key). Unknown
/// keys and repeats change nothing.
async fn person_or_event(
    tx: &mut PgConnection,
    service: ServiceId,
    dedup_key: &str,
    t: Transition,
    now: DateTime<Utc>,
) -> Result<Option<IncidentId>, AppError> {
    let row: Option<(IncidentId, String)> = sqlx::query_as(
        "SELECT id, status FROM incidents
         WHERE service_id = $1 AND dedup_key = $2 AND status <> 'RESOLVED' FOR UPDATE",
    )
    .bind(service)
    .bind(dedup_key)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((id, status)) = row else {
        return Ok(None);
    };
    let from = AppError::column("incidents.status", &status, Status::parse(&status))?;
    apply(
        tx,
        id,
        from,
        t,
        None,
        None,
        serde_json::json!({"via": "event"}),
        now,
    )
    .await?;
    Ok(Some(id))
}

/// Moves an incident from `from` by `t` (no-op when the state machine says so): status,
/// timestamps, a generation bump (pending escalation jobs become stale), a timeline entry.
#[allow(clippy::too_many_arguments)]
async fn apply(
    tx: &mut PgConnection,
    id: IncidentId,
    from: Status,
    t: Transition,
    actor: Option<UserId>,
    snooze_until: Option<DateTime<Utc>>,
    details: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let Some(to) = next_status(from, t) else {
        return Ok(false);
    };
    let kind = match t {
        Transition::Acknowledge => "ACKNOWLEDGED",
        Transition::Snooze => "SNOOZED",
        Transition::Unsnooze => "UNSNOOZED",
        Transition::Resolve => "RESOLVED",
        Transition::Reopen => "REOPENED",
        Transition::Unacknowledge => "UNACKNOWLEDGED",
    };
    let generation: Option<i64> = sqlx::query_scalar(
        "WITH inc AS (
            UPDATE incidents SET status = $2, generation = generation + 1, updated_at = $3,
                acknowledged_at = CASE WHEN $2 = 'ACKNOWLEDGED' THEN $3 WHEN $2 = 'OPEN' THEN NULL ELSE acknowledged_at END,
                resolved_at = CASE WHEN $2 = 'RESOLVED' THEN $3 ELSE NULL END,
                snoozed_until = CASE WHEN $2 = 'SNOOZED' THEN $4 ELSE NULL END
            WHERE id = $1 AND status = $5
            RETURNING id, generation),
         t AS (INSERT INTO incident_timeline (incident_id, at, kind, actor_user_id, details)
               SELECT id, $3, $6, $7, $8 FROM inc)
         SELECT generation FROM inc",
    )
    .bind(id)
    .bind(to.as_str())
    .bind(now)
    .bind(snooze_until)
    .bind(from.as_str())
    .bind(kind)
    .bind(actor)
    .bind(details)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(generation) = generation else {
        return Ok(false);
    };
    // The jobs this change causes (or makes moot) commit with it.
    crate::escalation::store::after_transition(tx, id, to, generation, snooze_until, now).await?;
    Ok(true)
}

/// A change the engine makes (a snooze ended, an acknowledgement timed out): applied only
/// while the incident is still in `generation`, so a stale job changes nothing.
pub async fn engine_transition(
    tx: &mut PgConnection,
    id: IncidentId,
    generation: i64,
    t: Transition,
    details: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let row: Option<(String, i64)> =
        sqlx::query_as("SELECT status, generation FROM incidents WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((status, current)) = row else {
        return Ok(false);
    };
    if current != generation {
        return Ok(false);
    }
    let from = AppError::column("incidents.status", &status, Status::parse(&status))?;
    let changed = apply(tx, id, from, t, None, None, details, now).await?;
    if changed {
        notify(tx, &[id]).await?;
    }
    Ok(changed)
}

/// One NOTIFY for a set of changed incidents (a whole ingest batch shares one).
pub async fn notify(tx: &mut PgConnection, ids: &[IncidentId]) -> Result<(), AppError> {
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(incidents_payload(ids))
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// The NOTIFY channel of the live event log; the payload is a JSON array of
/// [`super::EventDigest`].
pub const EVENTS_CHANNEL: &str = "opsknight_events";

/// NOTIFY payloads must stay under 8000 bytes.
const NOTIFY_MAX: usize = 7000;

/// An ingest batch's notifications in one statement: the incidents it touched, and the event
/// log's digests (split across as many payloads as their size needs).
pub async fn notify_ingest(
    tx: &mut PgConnection,
    ids: &[IncidentId],
    events: &[super::EventDigest],
) -> Result<(), AppError> {
    let mut chunks: Vec<String> = Vec::new();
    let mut current = String::from("[");
    for e in events {
        let Ok(json) = serde_json::to_string(e) else {
            continue;
        };
        if current.len() + json.len() + 2 > NOTIFY_MAX && current.len() > 1 {
            current.push(']');
            chunks.push(std::mem::replace(&mut current, String::from("[")));
        }
        if current.len() > 1 {
            current.push(',');
        }
        current.push_str(&json);
    }
    if current.len() > 1 {
        current.push(']');
        chunks.push(current);
    }
    let incidents = (!ids.is_empty()).then(|| incidents_payload(ids));
    // The usual case, one small batch: a single NOTIFY carries both, `{"ids":…,"events":…}`
    // (each NOTIFY in a transaction costs at commit; a second one cost a third of the
    // single-client ingest rate).
    if let ([events], Some(ids_json)) = (chunks.as_slice(), incidents.as_deref())
        && ids_json.len() + events.len() + 32 < NOTIFY_MAX
    {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(format!(r#"{{"ids":{ids_json},"events":{events}}}"#))
            .execute(&mut *tx)
            .await?;
        return Ok(());
    }
    sqlx::query(
        "SELECT (SELECT count(*) FROM (SELECT pg_notify($1, $2) WHERE $2 IS NOT NULL) a),
                (SELECT count(*) FROM (SELECT pg_notify($3, c) FROM unnest($4::text[]) c) b)",
    )
    .bind(CHANNEL)
    .bind(incidents)
    .bind(EVENTS_CHANNEL)
    .bind(&chunks)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// At most 150 ids (NOTIFY's payload limit), else `"many"`.
fn incidents_payload(ids: &[IncidentId]) -> String {
    if ids.len() <= 150 {
        serde_json::to_string(ids).unwrap_or_default()
    } else {
        "\"many\"".to_owned()
    }
}

/// A person's transition, by incident id: locks the row, applies the state machine,
/// notifies. Returns whether anything changed (a repeat returns false and changes nothing).
pub async fn transition(
    pool: &PgPool,
    id: IncidentId,
    t: Transition,
    actor: UserId,
    snooze_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let details = match snooze_until {
        Some(until) => serde_json::json!({"until": until}),
        None => serde_json::json!({}),
    };
    transition_with(pool, id, t, actor, snooze_until, details, now).await
}

/// A transition made away from the web UI, `via` saying how (`SMS reply`, `phone call`):
/// the timeline entry records it.
pub async fn transition_via(
    pool: &PgPool,
    id: IncidentId,
    t: Transition,
    actor: UserId,
    via: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let details = serde_json::json!({"via": via});
    transition_with(pool, id, t, actor, None, details, now).await
}

async fn transition_with(
    pool: &PgPool,
    id: IncidentId,
    t: Transition,
    actor: UserId,
    snooze_until: Option<DateTime<Utc>>,
    details: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let mut tx = pool.begin().await?;
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM incidents WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let from = status
        .as_deref()
        .and_then(Status::parse)
        .ok_or_else(|| AppError::NotFound {
            what: "incident".into(),
        })?;
    let changed = apply(
        &mut tx,
        id,
        from,
        t,
        Some(actor),
        snooze_until,
        details,
        now,
    )
    .await?;
    if changed {
        notify(&mut tx, &[id]).await?;
    }
    tx.commit().await?;
    Ok(changed)
}

/// Runs one statement that changes incident `id` (404 when it touches no row), then notifies,
/// in one transaction: the shape notes, assignment and priority share.
async fn change_and_notify(
    pool: &PgPool,
    id: IncidentId,
    statement: sqlx::query::Query<'_, sqlx::Postgres, sqlx::postgres::PgArguments>,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let done = statement.execute(&mut *tx).await?;
    crate::error::found(done, "incident")?;
    notify(&mut tx, &[id]).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn add_note(
    pool: &PgPool,
    id: IncidentId,
    actor: UserId,
    note: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let statement = sqlx::query(
        "INSERT INTO incident_timeline (incident_id, at, kind, actor_user_id, details)
         SELECT id, $2, 'NOTE', $3, jsonb_build_object('note', $4::text) FROM incidents WHERE id = $1",
    )
    .bind(id)
    .bind(now)
    .bind(actor)
    .bind(note);
    change_and_notify(pool, id, statement).await
}

/// Opens an incident by hand (no alert); its dedup key is generated.
pub async fn create_manual(
    pool: &PgPool,
    service: ServiceId,
    title: &str,
    description: &str,
    urgency: Urgency,
    actor: UserId,
    now: DateTime<Utc>,
) -> Result<IncidentId, AppError> {
    let mut tx = pool.begin().await?;
    let id = IncidentId::new();
    sqlx::query(
        "WITH inc AS (
            INSERT INTO incidents (id, service_id, dedup_key, title, description, status, urgency, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, 'OPEN', $6, $7, $7) RETURNING id)
         , t AS (INSERT INTO incident_timeline (incident_id, at, kind, actor_user_id, details)
                 SELECT id, $7, 'TRIGGERED', $8, jsonb_build_object('manual', true) FROM inc)
         INSERT INTO jobs (kind, incident_id, payload, run_at, created_at, updated_at)
         SELECT 'ESCALATION', id, $9, $7, $7, $7 FROM inc
         WHERE EXISTS (SELECT 1 FROM services WHERE id = $2 AND escalation_policy_id IS NOT NULL)
         RETURNING pg_notify($10, '')",
    )
    .bind(id)
    .bind(service)
    .bind(uuid::Uuid::new_v4().simple().to_string())
    .bind(title)
    .bind(description)
    .bind(urgency.as_str())
    .bind(now)
    .bind(actor)
    .bind(crate::escalation::store::first_step_payload())
    .bind(crate::jobs::store::CHANNEL)
    .execute(&mut *tx)
    .await?;
    notify(&mut tx, &[id]).await?;
    tx.commit().await?;
    Ok(id)
}

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
}

impl TryFrom<SummaryRow> for IncidentSummary {
    type Error = AppError;
    fn try_from(r: SummaryRow) -> Result<Self, AppError> {
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
        })
    }
}

macro_rules! summary_select {
    () => {
        "SELECT i.id, i.number, i.service_id, s.name AS service_name, i.title, i.status, i.urgency,
                i.priority, i.alert_count,
                COALESCE(au.name, at.name,
                         (SELECT string_agg(pu.name, ', ' ORDER BY pu.name) FROM users pu WHERE pu.id = ANY(i.paged_user_ids))) AS assignee,
                i.assignee_user_id, i.assignee_team_id, i.created_at,
                i.updated_at, i.snoozed_until
         FROM incidents i JOIN services s ON s.id = i.service_id
         LEFT JOIN users au ON au.id = i.assignee_user_id
         LEFT JOIN teams at ON at.id = i.assignee_team_id"
    };
}

/// A page of incidents, newest first (by number), filtered. `viewer` is used by `mine`.
pub async fn list(
    pool: &PgPool,
    f: &IncidentFilter,
    viewer: UserId,
    before: Option<i64>,
    limit: i64,
) -> Result<IncidentPage, AppError> {
    let statuses: Vec<&str> = f.statuses.iter().map(|s| s.as_str()).collect();
    let urgencies: Vec<&str> = f.urgencies.iter().map(|u| u.as_str()).collect();
    let query = crate::sql::contains_pattern(&f.query);
    let rows: Vec<SummaryRow> = sqlx::query_as(concat!(
        summary_select!(),
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
    .fetch_all(pool)
    .await?;
    let more = rows.len() as i64 > limit;
    let incidents: Vec<IncidentSummary> = rows
        .into_iter()
        .take(usize::try_from(limit).unwrap_or(0))
        .map(IncidentSummary::try_from)
        .collect::<Result<_, _>>()?;
    let next_before = if more {
        incidents.last().map(|i| i.number)
    } else {
        None
    };
    Ok(IncidentPage {
        incidents,
        next_before,
    })
}

/// The current summaries of `ids` (unknown ids are skipped), in `ids`' order of numbers.
pub async fn summaries(
    db: impl sqlx::PgExecutor<'_>,
    ids: &[IncidentId],
) -> Result<Vec<IncidentSummary>, AppError> {
    let rows: Vec<SummaryRow> = sqlx::query_as(concat!(
        summary_select!(),
        " WHERE i.id = ANY($1) ORDER BY i.number DESC"
    ))
    .bind(ids)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(IncidentSummary::try_from).collect()
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

pub async fn get(pool: &PgPool, id: IncidentId) -> Result<IncidentDetail, AppError> {
    let row: Option<DetailRow> = sqlx::query_as(
        "SELECT i.description, i.dedup_key,
                (SELECT p.name FROM escalation_policies p WHERE p.id = s.escalation_policy_id) AS escalation_policy,
                i.id, i.number, i.service_id, s.name AS service_name, i.title,
                i.status, i.urgency, i.priority, i.alert_count, COALESCE(au.name, at.name,
                         (SELECT string_agg(pu.name, ', ' ORDER BY pu.name) FROM users pu WHERE pu.id = ANY(i.paged_user_ids))) AS assignee,
                i.assignee_user_id, i.assignee_team_id, i.created_at, i.updated_at, i.snoozed_until
         FROM incidents i JOIN services s ON s.id = i.service_id
         LEFT JOIN users au ON au.id = i.assignee_user_id
         LEFT JOIN teams at ON at.id = i.assignee_team_id
         WHERE i.id = $1",
    )
    .bind(id)
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
    Ok(IncidentDetail {
        incident: row.summary.try_into()?,
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
    pool: &PgPool,
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

/// Sets (or clears) the assignee: a user, a team, or nobody. Timeline + NOTIFY.
pub async fn assign(
    pool: &PgPool,
    id: IncidentId,
    user: Option<UserId>,
    team: Option<crate::domain::TeamId>,
    actor: UserId,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let statement = sqlx::query(
        "WITH inc AS (
            UPDATE incidents SET assignee_user_id = $2, assignee_team_id = $3, updated_at = $4
            WHERE id = $1 RETURNING id)
         INSERT INTO incident_timeline (incident_id, at, kind, actor_user_id, details)
         SELECT id, $4, 'ASSIGNED', $5,
                jsonb_build_object('user', (SELECT name FROM users WHERE id = $2),
                                   'team', (SELECT name FROM teams WHERE id = $3))
         FROM inc",
    )
    .bind(id)
    .bind(user)
    .bind(team)
    .bind(now)
    .bind(actor);
    change_and_notify(pool, id, statement).await
}

/// Sets (or clears) the priority, P1 to P5. NOTIFY.
pub async fn set_priority(
    pool: &PgPool,
    id: IncidentId,
    priority: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let statement =
        sqlx::query("UPDATE incidents SET priority = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(priority)
            .bind(now);
    change_and_notify(pool, id, statement).await
}
