//! A window's end: its held incidents are released (SUPPRESSED → OPEN through the lifecycle,
//! so escalation starts at step 1), and a weekly window's next end is put on the job queue.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::domain::{IncidentId, MaintenanceId, Transition};
use crate::error::AppError;
use crate::jobs::JobKind;

/// A MAINTENANCE_END job's payload: the window, and the end it was scheduled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndJob {
    pub window_id: MaintenanceId,
    pub at: DateTime<Utc>,
}

/// Queues the window's next end after `now`, if it has one.
pub async fn schedule_next(
    tx: &mut PgConnection,
    w: &super::store::Stored,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, AppError> {
    let Some(at) = w.next_end(now)? else {
        return Ok(None);
    };
    let job = EndJob {
        window_id: w.id,
        at,
    };
    crate::jobs::store::enqueue(tx, JobKind::MaintenanceEnd, None, &job, at, now).await?;
    Ok(Some(at))
}

/// Lets go of every incident the window holds → how many. `why` goes on their timelines.
pub async fn release(
    tx: &mut PgConnection,
    id: MaintenanceId,
    why: &str,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let held: Vec<(IncidentId, i64)> = sqlx::query_as(
        "SELECT id, generation FROM incidents
         WHERE maintenance_window_id = $1 AND status = 'SUPPRESSED' ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let mut released = 0;
    for (incident, generation) in held {
        let details = serde_json::json!({"reason": why, "maintenance_window_id": id});
        if crate::lifecycle::transition::by_engine(
            tx,
            incident,
            generation,
            Transition::Release,
            details,
            now,
        )
        .await?
        {
            released += 1;
        }
    }
    Ok(released)
}

/// Runs a MAINTENANCE_END job in its transaction: if the window still ends at `job.at` (not
/// cancelled, not moved), release what it holds and queue its next end.
pub async fn run(
    tx: &mut PgConnection,
    job: EndJob,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let Some(w) = super::store::live(&mut *tx, job.window_id).await? else {
        return Ok(0);
    };
    let released = release(
        tx,
        w.id,
        &format!("maintenance window “{}” ended", w.name),
        now,
    )
    .await?;
    schedule_next(tx, &w, now).await?;
    Ok(released)
}
