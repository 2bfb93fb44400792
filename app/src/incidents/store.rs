//! Writing incidents: ingestion (dedup on the partial unique index, early resolves), manual
//! creation, notes, assignment and priority. Status changes go through `lifecycle`; reads
//! are `reads`.

use chrono::{DateTime, Utc};

use super::early_resolve_window;
use crate::db::Db;
use sqlx::PgConnection;

use super::notify::notify;
use super::{EventAction, InboundEvent};
use crate::domain::{IncidentId, IntegrationId, ServiceId, Transition, Urgency, UserId};
use crate::error::AppError;
use crate::lifecycle::effects::{first_step_payload, opened};
use crate::lifecycle::transition::by_event;
use crate::rules::apply::Treatment;

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
/// an alert on an open incident is one round trip and a new incident too (its first step comes
/// from `lifecycle::effects`' one definition, `first_steps_cte!`).
pub async fn ingest(
    tx: &mut PgConnection,
    target: &IngestTarget,
    ev: &InboundEvent,
    treat: &Treatment,
    now: DateTime<Utc>,
) -> Result<Ingested, AppError> {
    let dedup_key = match &ev.dedup_key {
        Some(k) => k.clone(),
        None => uuid::Uuid::new_v4().simple().to_string(),
    };
    let incident = match ev.action {
        EventAction::Trigger => Some(trigger(tx, target, ev, treat, &dedup_key, now).await?),
        EventAction::Acknowledge => {
            by_event(
                tx,
                target.service_id,
                &dedup_key,
                Transition::Acknowledge,
                now,
            )
            .await?
        }
        EventAction::Resolve => {
            if let Some(id) =
                crate::grouping::flap::held(tx, target.service_id, &dedup_key, now).await?
            {
                return Ok(Ingested {
                    dedup_key,
                    incident: Some(id),
                });
            }
            let hit = by_event(tx, target.service_id, &dedup_key, Transition::Resolve, now).await?;
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
    treat: &Treatment,
    dedup_key: &str,
    now: DateTime<Utc>,
) -> Result<IncidentId, AppError> {
    let urgency = treat.urgency(target, ev);
    for _ in 0..3 {
        // One round trip: append to the open incident, or open one (already resolved when a
        // resolve for this key arrived within the window), with its alert and timeline entry.
        let id: Option<IncidentId> = sqlx::query_scalar(concat!(
            "WITH upd AS (
                UPDATE incidents SET alert_count = alert_count + 1, updated_at = $7
                WHERE service_id = $2 AND dedup_key = $3 AND status <> 'RESOLVED'
                RETURNING id),
             er AS (
                DELETE FROM early_resolves
                WHERE service_id = $2 AND dedup_key = $3 AND NOT EXISTS (SELECT 1 FROM upd)
                RETURNING received_at),
             st AS (
                SELECT CASE WHEN EXISTS (SELECT 1 FROM er WHERE received_at >= $11) THEN 'RESOLVED'
                            WHEN $14 THEN 'SUPPRESSED' ELSE 'OPEN' END AS status),
             ins AS (
                INSERT INTO incidents (id, service_id, dedup_key, title, status, urgency, priority,
                                       alert_count, created_at, updated_at, resolved_at,
                                       maintenance_window_id, group_key)
                SELECT $1, $2, $3, $4, st.status, $5, $15, 1, $7, $7,
                       CASE WHEN st.status = 'RESOLVED' THEN $7::timestamptz END,
                       ($16::jsonb->'maintenance'->>'id')::uuid, $16::jsonb->>'group'
                FROM st WHERE NOT EXISTS (SELECT 1 FROM upd)
                ON CONFLICT (service_id, dedup_key) WHERE status <> 'RESOLVED' DO NOTHING
                RETURNING id, status),
             hit AS (SELECT id, false AS created, 'OPEN' AS status FROM upd
                     UNION ALL SELECT id, true, status FROM ins),
             a AS (INSERT INTO alerts (incident_id, integration_id, summary, severity, source, payload, received_at)
                   SELECT id, $6, $4, $8, $9, $10, $7 FROM hit),
             t AS (INSERT INTO incident_timeline (incident_id, at, kind, details)
                   SELECT id, $7, CASE WHEN created THEN 'TRIGGERED' ELSE 'ALERT_APPENDED' END,
                          jsonb_build_object('summary', $4::text, 'severity', $8::text)
                            || COALESCE($16::jsonb - 'notes', '{}') FROM hit
                   UNION ALL
                   SELECT id, $7, 'NOTE', jsonb_build_object('note', n.note, 'by', 'event rule')
                   FROM hit, jsonb_array_elements_text(COALESCE($16::jsonb->'notes', '[]')) AS n(note)
                   UNION ALL
                   SELECT id, $7, 'RESOLVED', jsonb_build_object('reason', 'resolve arrived before the trigger')
                   FROM hit WHERE status = 'RESOLVED'),
             new_open AS (SELECT id, $2::uuid AS service_id, $5::text AS urgency, $15::text AS priority,
                                 $7::timestamptz AS created_at
                          FROM hit WHERE created AND status = 'OPEN'), ",
            crate::first_steps_cte!("new_open", "$12", "$7", "$13"),
            " SELECT id FROM hit, (SELECT count(*) FROM first_steps_woken) woken"
        ))
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
        .bind(first_step_payload()?)
        .bind(crate::jobs::store::CHANNEL)
        .bind(treat.suppressed())
        .bind(treat.priority.as_deref())
        .bind(treat.extras())
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

/// Runs one statement that changes incident `id` (404 when it touches no row), then notifies,
/// in one transaction: the shape notes, assignment and priority share.
async fn change_and_notify(
    pool: &Db,
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

/// Adds a note to the incident's timeline → the note's timeline id. NOTIFY.
pub async fn add_note(
    pool: &Db,
    id: IncidentId,
    actor: UserId,
    note: &str,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    let mut tx = pool.begin().await?;
    let row: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO incident_timeline (incident_id, at, kind, actor_user_id, details)
         SELECT id, $2, 'NOTE', $3, jsonb_build_object('note', $4::text) FROM incidents WHERE id = $1
         RETURNING id",
    )
    .bind(id)
    .bind(now)
    .bind(actor)
    .bind(note)
    .fetch_optional(&mut *tx)
    .await?;
    let (note_id,) = row.ok_or_else(|| AppError::NotFound {
        what: "incident".into(),
    })?;
    notify(&mut tx, &[id]).await?;
    tx.commit().await?;
    Ok(note_id)
}

/// Opens an incident by hand (no alert); its dedup key is generated.
pub async fn create_manual(
    pool: &Db,
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
         SELECT 1",
    )
    .bind(id)
    .bind(service)
    .bind(uuid::Uuid::new_v4().simple().to_string())
    .bind(title)
    .bind(description)
    .bind(urgency.as_str())
    .bind(now)
    .bind(actor)
    .execute(&mut *tx)
    .await?;
    opened(&mut tx, &[id], now).await?;
    notify(&mut tx, &[id]).await?;
    tx.commit().await?;
    Ok(id)
}

/// Sets (or clears) the assignee: a user, a team, or nobody. Timeline + NOTIFY.
pub async fn assign(
    pool: &Db,
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
    pool: &Db,
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

/// Sets the urgency. NOTIFY.
pub async fn set_urgency(
    pool: &Db,
    id: IncidentId,
    urgency: Urgency,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let statement = sqlx::query("UPDATE incidents SET urgency = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(urgency.as_str())
        .bind(now);
    change_and_notify(pool, id, statement).await
}
