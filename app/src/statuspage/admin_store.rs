//! The status page's writes: settings, components, hand-written incidents and their updates,
//! and the STATUS_EMAIL jobs an update fans out to confirmed subscribers. Callers hold the
//! transaction; `ops.rs` checks who may.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::{ComponentStatus, Impact, IncidentStatus};
use crate::domain::{ServiceId, StatusComponentId, StatusIncidentId};
use crate::error::AppError;
use crate::jobs::JobKind;

pub async fn save_settings(
    tx: &mut PgConnection,
    page_name: &str,
    show_maintenance: bool,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO status_settings (id, page_name, show_maintenance, updated_at)
         VALUES (true, $1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET page_name = $1, show_maintenance = $2, updated_at = $3",
    )
    .bind(page_name)
    .bind(show_maintenance)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Creates (`id: None`) or changes a component → its id; `NotFound` for an unknown id.
#[allow(clippy::too_many_arguments)]
pub async fn save_component(
    tx: &mut PgConnection,
    id: Option<StatusComponentId>,
    service_id: ServiceId,
    display_name: &str,
    group_name: &str,
    position: i32,
    override_status: Option<ComponentStatus>,
    now: DateTime<Utc>,
) -> Result<StatusComponentId, AppError> {
    let over = override_status.map(ComponentStatus::as_str);
    match id {
        None => {
            let id = StatusComponentId::new();
            sqlx::query(
                "INSERT INTO status_components (id, service_id, display_name, group_name, position,
                                                override_status, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
            )
            .bind(id)
            .bind(service_id)
            .bind(display_name)
            .bind(group_name)
            .bind(position)
            .bind(over)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            Ok(id)
        }
        Some(id) => {
            let n = sqlx::query(
                "UPDATE status_components SET service_id = $2, display_name = $3, group_name = $4,
                        position = $5, override_status = $6, updated_at = $7
                 WHERE id = $1",
            )
            .bind(id)
            .bind(service_id)
            .bind(display_name)
            .bind(group_name)
            .bind(position)
            .bind(over)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(AppError::NotFound {
                    what: "status component".into(),
                });
            }
            Ok(id)
        }
    }
}

/// Deletes a component → its display name (`NotFound` if none).
pub async fn delete_component(
    tx: &mut PgConnection,
    id: StatusComponentId,
) -> Result<String, AppError> {
    let name: Option<String> =
        sqlx::query_scalar("DELETE FROM status_components WHERE id = $1 RETURNING display_name")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    name.ok_or_else(|| AppError::NotFound {
        what: "status component".into(),
    })
}

/// Creates a hand-written incident with its first update → its id.
#[allow(clippy::too_many_arguments)]
pub async fn create_incident(
    tx: &mut PgConnection,
    name: &str,
    impact: Impact,
    status: IncidentStatus,
    body: &str,
    components: &[StatusComponentId],
    now: DateTime<Utc>,
) -> Result<(StatusIncidentId, uuid::Uuid), AppError> {
    let id = StatusIncidentId::new();
    let resolved = (status == IncidentStatus::Resolved).then_some(now);
    let found: i64 = sqlx::query_scalar::<_, i32>(
        "WITH i AS (
            INSERT INTO status_incidents (id, name, status, impact, created_at, updated_at, resolved_at)
            VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING id)
         INSERT INTO status_incident_components (incident_id, component_id)
         SELECT i.id, c.id FROM i, status_components c WHERE c.id = ANY($7)
         RETURNING 1",
    )
    .bind(id)
    .bind(name)
    .bind(status.as_str())
    .bind(impact.as_str())
    .bind(now)
    .bind(resolved)
    .bind(components)
    .fetch_all(&mut *tx)
    .await?
    .len() as i64;
    if found != components.len() as i64 {
        return Err(AppError::invalid(
            "component_ids",
            "includes a component that does not exist",
        ));
    }
    let update = add_update_row(tx, id, status, body, now).await?;
    Ok((id, update))
}

/// Adds an update; the incident takes its status (resolved sets `resolved_at`, any other
/// status clears it) → the update's id. `NotFound` for an unknown incident.
pub async fn add_update(
    tx: &mut PgConnection,
    id: StatusIncidentId,
    status: IncidentStatus,
    body: &str,
    now: DateTime<Utc>,
) -> Result<(String, uuid::Uuid), AppError> {
    let name: Option<String> = sqlx::query_scalar(
        "UPDATE status_incidents SET status = $2, updated_at = $3,
                resolved_at = CASE WHEN $2 = 'resolved' THEN coalesce(resolved_at, $3) END
         WHERE id = $1 RETURNING name",
    )
    .bind(id)
    .bind(status.as_str())
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let name = name.ok_or_else(|| AppError::NotFound {
        what: "status incident".into(),
    })?;
    let update = add_update_row(tx, id, status, body, now).await?;
    Ok((name, update))
}

async fn add_update_row(
    tx: &mut PgConnection,
    id: StatusIncidentId,
    status: IncidentStatus,
    body: &str,
    now: DateTime<Utc>,
) -> Result<uuid::Uuid, AppError> {
    let update = uuid::Uuid::new_v4();
    sqlx::query(
        "INSERT INTO status_incident_updates (id, incident_id, status, body, created_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(update)
    .bind(id)
    .bind(status.as_str())
    .bind(body)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(update)
}

/// Queues one STATUS_EMAIL job per confirmed subscriber for an incident update, in the
/// caller's transaction → how many.
pub async fn fan_out_update(
    tx: &mut PgConnection,
    update: uuid::Uuid,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    let n = sqlx::query(
        "INSERT INTO jobs (kind, payload, run_at, created_at, updated_at)
         SELECT $1, jsonb_build_object('kind', 'update', 'subscriber_id', s.id, 'update_id', $2::uuid),
                $3, $3, $3
         FROM status_subscribers s WHERE s.state = 'CONFIRMED'",
    )
    .bind(JobKind::StatusEmail.as_str())
    .bind(update)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n > 0 {
        crate::jobs::store::wake(tx).await?;
    }
    Ok(n)
}
