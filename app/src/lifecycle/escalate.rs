//! Escalate now: a person asks for the next step without waiting for its delay.

use chrono::{DateTime, Utc};

use crate::domain::{IncidentId, Status};
use crate::error::AppError;
use crate::jobs::JobKind;

/// What asking to escalate now did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscalateNow {
    /// The next step runs now.
    Moved,
    /// Only an open incident escalates (acknowledged, snoozed … are held).
    NotOpen,
    /// The policy has no further step to run.
    NoNextStep,
}

/// Runs the incident's next escalation step now instead of when its delay ends: the waiting
/// step job is made due (and the workers woken). Nothing else changes, so the step pages
/// exactly as it would have.
pub async fn escalate_now(
    pool: &crate::db::Db,
    incident: IncidentId,
    now: DateTime<Utc>,
) -> Result<EscalateNow, AppError> {
    let mut tx = pool.begin().await?;
    if super::transition::lock(&mut tx, incident).await? != Status::Open {
        return Ok(EscalateNow::NotOpen);
    }
    let waiting: Option<i64> = sqlx::query_scalar(
        "UPDATE jobs SET run_at = least(run_at, $2), updated_at = $2
         WHERE incident_id = $1 AND kind = $3 AND status = 'PENDING' AND payload->>'action' = 'step'
         RETURNING id",
    )
    .bind(incident)
    .bind(now)
    .bind(JobKind::Escalation.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    if waiting.is_none() {
        return Ok(EscalateNow::NoNextStep);
    }
    crate::jobs::store::wake(&mut tx).await?;
    tx.commit().await?;
    Ok(EscalateNow::Moved)
}
