//! Incident transitions, the only place an incident's status changes: by a person (web, API,
//! an ack link, an SMS reply, a keypress), by an event from a monitoring tool, or by the
//! engine (a snooze ended, an acknowledgement timed out). Each bumps the generation, writes
//! the timeline, runs `effects::after_transition` and notifies, in one transaction.

use crate::db::Db;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::domain::incident::next_status;
use crate::domain::{IncidentId, ServiceId, Status, Transition, UserId};
use crate::error::AppError;
use crate::incidents::notify::notify;

/// A person's transition, by incident id: locks the row, applies the state machine,
/// notifies. Returns whether anything changed (a repeat returns false and changes nothing).
pub async fn by_person(
    pool: &Db,
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
    with_details(pool, id, t, actor, snooze_until, details, now).await
}

/// A transition made away from the web UI, `via` saying how (`SMS reply`, `phone call`):
/// the timeline entry records it.
pub async fn via(
    pool: &Db,
    id: IncidentId,
    t: Transition,
    actor: UserId,
    via: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let details = serde_json::json!({"via": via});
    with_details(pool, id, t, actor, None, details, now).await
}

/// Locks incident `id` for a change and reads its status (404 when there is no such
/// incident; an unknown status is an error naming the column).
pub(super) async fn lock(tx: &mut PgConnection, id: IncidentId) -> Result<Status, AppError> {
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM incidents WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(status) = status else {
        return Err(AppError::NotFound {
            what: "incident".into(),
        });
    };
    AppError::column("incidents.status", &status, Status::parse(&status))
}

async fn with_details(
    pool: &Db,
    id: IncidentId,
    t: Transition,
    actor: UserId,
    snooze_until: Option<DateTime<Utc>>,
    details: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let mut tx = pool.begin().await?;
    let from = lock(&mut tx, id).await?;
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

/// A person's transition inside the caller's transaction (a merge resolving what it merged),
/// with `details` on the timeline entry. The row is locked; no NOTIFY (the caller sends one
/// for everything it changed).
pub async fn in_tx(
    tx: &mut PgConnection,
    id: IncidentId,
    t: Transition,
    actor: UserId,
    details: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let from = lock(tx, id).await?;
    apply(tx, id, from, t, Some(actor), None, details, now).await
}

/// An event's acknowledge or resolve on the open incident of (service, dedup key). Unknown
/// keys and repeats change nothing.
pub async fn by_event(
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
        Transition::Release => "UNSUPPRESSED",
        Transition::Hold => "SUPPRESSED",
    };
    let generation: Option<i64> = sqlx::query_scalar(
        "WITH inc AS (
            UPDATE incidents SET status = $2, generation = generation + 1, updated_at = $3,
                acknowledged_at = CASE WHEN $2 = 'ACKNOWLEDGED' THEN $3 WHEN $2 = 'OPEN' THEN NULL ELSE acknowledged_at END,
                first_acknowledged_at = CASE WHEN $2 = 'ACKNOWLEDGED' THEN COALESCE(first_acknowledged_at, $3)
                                             ELSE first_acknowledged_at END,
                ack_snoozed_secs = CASE WHEN $2 = 'ACKNOWLEDGED' AND first_acknowledged_at IS NULL
                                        THEN snoozed_secs + COALESCE(GREATEST(0, extract(epoch FROM $3 - snoozed_since)), 0)
                                        ELSE ack_snoozed_secs END,
                snoozed_secs = snoozed_secs + COALESCE(GREATEST(0, extract(epoch FROM $3 - snoozed_since)), 0),
                snoozed_since = CASE WHEN $2 = 'SNOOZED' THEN $3 END,
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
    super::effects::after_transition(tx, id, to, generation, snooze_until, now).await?;
    Ok(true)
}

/// A change the engine makes (a snooze ended, an acknowledgement timed out): applied only
/// while the incident is still in `generation`, so a stale job changes nothing.
pub async fn by_engine(
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
