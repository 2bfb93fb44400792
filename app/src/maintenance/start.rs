//! A window's start, for windows that also hold incidents already open (`hold_open`): the
//! OPEN incidents of its services are suppressed through the lifecycle (their waiting steps
//! and pages are cancelled), remember the window, and are released with the rest when it
//! ends. Each start is a MAINTENANCE_START job; it queues the next.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use super::WindowState;
use super::store::Stored;
use crate::domain::{IncidentId, MaintenanceId, Transition};
use crate::error::AppError;
use crate::jobs::JobKind;

/// A MAINTENANCE_START job's payload: the window, and the start it was scheduled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartJob {
    pub window_id: MaintenanceId,
    pub at: DateTime<Utc>,
}

/// A window just created: holds now if it is active, and queues its next start (windows that
/// hold open incidents only).
pub async fn begin(tx: &mut PgConnection, w: &Stored, now: DateTime<Utc>) -> Result<(), AppError> {
    if !w.hold_open {
        return Ok(());
    }
    if w.state(now)?.0 == WindowState::Active {
        hold(tx, w, now).await?;
    }
    schedule_next(tx, w, now).await
}

async fn schedule_next(
    tx: &mut PgConnection,
    w: &Stored,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if let Some(at) = w.next_start(now)? {
        let job = StartJob {
            window_id: w.id,
            at,
        };
        crate::jobs::store::enqueue(tx, JobKind::MaintenanceStart, None, &job, at, now).await?;
    }
    Ok(())
}

/// Suppresses the OPEN incidents of the window's services → how many.
async fn hold(tx: &mut PgConnection, w: &Stored, now: DateTime<Utc>) -> Result<usize, AppError> {
    let open: Vec<(IncidentId, i64)> = sqlx::query_as(
        "SELECT i.id, i.generation FROM incidents i
         JOIN maintenance_window_services ws ON ws.service_id = i.service_id
         WHERE ws.window_id = $1 AND i.status = 'OPEN' ORDER BY i.id",
    )
    .bind(w.id)
    .fetch_all(&mut *tx)
    .await?;
    let mut held = Vec::new();
    for (incident, generation) in open {
        let details = serde_json::json!({
            "reason": format!("maintenance window “{}” started", w.name),
            "maintenance_window_id": w.id});
        if crate::lifecycle::transition::by_engine(
            tx,
            incident,
            generation,
            Transition::Hold,
            details,
            now,
        )
        .await?
        {
            held.push(incident);
        }
    }
    sqlx::query("UPDATE incidents SET maintenance_window_id = $2 WHERE id = ANY($1)")
        .bind(&held)
        .bind(w.id)
        .execute(&mut *tx)
        .await?;
    Ok(held.len())
}

/// Runs a MAINTENANCE_START job in its transaction: if the window is still on and holds now,
/// suppress what is open; then queue its next start.
pub async fn run(
    tx: &mut PgConnection,
    job: StartJob,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let Some(w) = super::store::live(&mut *tx, job.window_id).await? else {
        return Ok(0);
    };
    let held = match w.state(now)?.0 {
        WindowState::Active => hold(tx, &w, now).await?,
        _ => 0,
    };
    schedule_next(tx, &w, now).await?;
    Ok(held)
}
