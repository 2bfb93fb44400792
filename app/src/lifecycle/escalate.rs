//! Escalate now: a person asks for the next step without waiting for its delay. An OPEN
//! incident's waiting step is made due. An ACKNOWLEDGED one (PagerDuty's semantics) goes back
//! to OPEN and pages the step after the last one that paged, at once.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::domain::escalation::{Position, next_position};
use crate::domain::{IncidentId, PolicyId, Status, Transition, UserId};
use crate::error::AppError;
use crate::jobs::{EscalationJob, JobKind};

/// What asking to escalate now did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscalateNow {
    /// The next step runs now.
    Moved,
    /// Only an open or acknowledged incident escalates (snoozed, suppressed … are held).
    NotOpen,
    /// The policy has no further step to run.
    NoNextStep,
}

/// Runs the incident's next escalation step now instead of when its delay ends. OPEN: the
/// waiting step job is made due (and the workers woken); nothing else changes, so the step
/// pages exactly as it would have. ACKNOWLEDGED: see [`reescalate`].
pub async fn escalate_now(
    pool: &crate::db::Db,
    incident: IncidentId,
    actor: UserId,
    now: DateTime<Utc>,
) -> Result<EscalateNow, AppError> {
    let mut tx = pool.begin().await?;
    let outcome = match super::transition::lock(&mut tx, incident).await? {
        Status::Open => {
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
            match waiting {
                Some(_) => EscalateNow::Moved,
                None => EscalateNow::NoNextStep,
            }
        }
        Status::Acknowledged => reescalate(&mut tx, incident, actor, now).await?,
        _ => EscalateNow::NotOpen,
    };
    if outcome == EscalateNow::Moved {
        crate::jobs::store::wake(&mut tx).await?;
        crate::incidents::notify::notify(&mut tx, &[incident]).await?;
        tx.commit().await?;
    }
    Ok(outcome)
}

/// An acknowledged incident escalated by hand: un-acknowledged (a new generation, so the
/// acknowledgement's timeout stops), then its first step job is pointed at the position after
/// the last step that paged (step 1 if none did) and made due now.
async fn reescalate(
    tx: &mut PgConnection,
    incident: IncidentId,
    actor: UserId,
    now: DateTime<Utc>,
) -> Result<EscalateNow, AppError> {
    let policy: Option<PolicyId> = sqlx::query_scalar(
        "SELECT s.escalation_policy_id FROM incidents i JOIN services s ON s.id = i.service_id
         WHERE i.id = $1",
    )
    .bind(incident)
    .fetch_one(&mut *tx)
    .await?;
    let Some(policy) = policy else {
        return Ok(EscalateNow::NoNextStep);
    };
    let Some(plan) = crate::policies::store::step_plan(&mut *tx, policy, 0).await? else {
        return Ok(EscalateNow::NoNextStep);
    };
    // The last step that paged, as the timeline has it (1-based step and pass).
    let last: Option<(Option<i32>, Option<i32>)> = sqlx::query_as(
        "SELECT (details->>'step')::int, (details->>'pass')::int FROM incident_timeline
         WHERE incident_id = $1 AND kind = 'ESCALATED' AND details ? 'paged'
         ORDER BY id DESC LIMIT 1",
    )
    .bind(incident)
    .fetch_optional(&mut *tx)
    .await?;
    let next = match last {
        Some((Some(step), pass)) => next_position(
            Position {
                step: step - 1,
                loop_no: pass.unwrap_or(1) - 1,
            },
            plan.steps,
            plan.repeat_count,
        ),
        _ => Some(Position {
            step: 0,
            loop_no: 0,
        }),
    };
    let Some(next) = next else {
        return Ok(EscalateNow::NoNextStep);
    };
    let details = serde_json::json!({"reason": "escalated by hand", "step": next.step + 1});
    super::transition::in_tx(tx, incident, Transition::Unacknowledge, actor, details, now).await?;
    let generation: i64 = sqlx::query_scalar("SELECT generation FROM incidents WHERE id = $1")
        .bind(incident)
        .fetch_one(&mut *tx)
        .await?;
    let job = EscalationJob::Step {
        generation,
        step: next.step,
        loop_no: next.loop_no,
    };
    let payload = serde_json::to_value(job).map_err(|e| AppError::Internal {
        message: format!("step payload: {e}"),
    })?;
    sqlx::query(
        "UPDATE jobs SET payload = $2, run_at = $3, updated_at = $3
         WHERE incident_id = $1 AND kind = $4 AND status = 'PENDING' AND payload->>'action' = 'step'",
    )
    .bind(incident)
    .bind(payload)
    .bind(now)
    .bind(JobKind::Escalation.as_str())
    .execute(&mut *tx)
    .await?;
    Ok(EscalateNow::Moved)
}
