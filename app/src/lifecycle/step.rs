//! Running the engine's escalation jobs inside their transaction: one escalation step (fenced
//! by generation and the incident's row lock; pages written to the outbox; the next step
//! enqueued), and the timers that change the state (an ack timeout, a snooze's end) through
//! `transition`. The step math is `domain::escalation`.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;

use crate::domain::escalation::{Position, next_position};
use crate::domain::{IncidentId, PolicyId, Status, Transition, UserId};
use crate::error::AppError;
use crate::incidents::notify::notify;
use crate::jobs::store::enqueue;
use crate::jobs::{EscalationJob, JobKind, UnsnoozeJob};

/// What running a job did, for logs and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    /// The job's generation is not current, or the incident is not in the state it needs.
    Stale,
    /// Paged these users (and found no contact method for `unreachable`).
    Paged {
        users: Vec<UserId>,
        unreachable: Vec<UserId>,
    },
    /// The step resolved to nobody; logged, and escalation moved on.
    Nobody,
    /// The service has no escalation policy.
    NoPolicy,
    /// The engine changed the incident's state (a snooze ended, an ack timed out).
    Transitioned,
}

async fn timeline(
    tx: &mut PgConnection,
    incident: IncidentId,
    now: DateTime<Utc>,
    details: serde_json::Value,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO incident_timeline (incident_id, at, kind, details) VALUES ($1, $2, 'ESCALATED', $3)",
    )
    .bind(incident)
    .bind(now)
    .bind(details)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Runs an ESCALATION job for `incident` inside the job's transaction.
pub async fn run(
    tx: &mut PgConnection,
    incident: IncidentId,
    job: EscalationJob,
    now: DateTime<Utc>,
) -> Result<StepOutcome, AppError> {
    match job {
        EscalationJob::AckTimeout { generation } => {
            timed_transition(
                tx,
                incident,
                generation,
                Transition::Unacknowledge,
                "acknowledgement timed out",
                now,
            )
            .await
        }
        EscalationJob::Step {
            generation,
            step,
            loop_no,
        } => run_step(tx, incident, generation, Position { step, loop_no }, now).await,
    }
}

/// Runs an AUTO_UNSNOOZE job: the snooze of `generation` ended, so escalation resumes.
pub async fn unsnooze(
    tx: &mut PgConnection,
    incident: IncidentId,
    job: UnsnoozeJob,
    now: DateTime<Utc>,
) -> Result<StepOutcome, AppError> {
    timed_transition(
        tx,
        incident,
        job.generation,
        Transition::Unsnooze,
        "snooze ended",
        now,
    )
    .await
}

/// A timer's state change (a snooze ended, an ack timed out), applied only in `generation`.
async fn timed_transition(
    tx: &mut PgConnection,
    incident: IncidentId,
    generation: i64,
    t: Transition,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<StepOutcome, AppError> {
    let details = serde_json::json!({ "reason": reason });
    let done = super::transition::by_engine(tx, incident, generation, t, details, now).await?;
    Ok(if done {
        StepOutcome::Transitioned
    } else {
        StepOutcome::Stale
    })
}

async fn run_step(
    tx: &mut PgConnection,
    incident: IncidentId,
    generation: i64,
    at: Position,
    now: DateTime<Utc>,
) -> Result<StepOutcome, AppError> {
    // The row lock orders this step after any acknowledge that committed before it.
    let row: Option<(String, i64, Option<PolicyId>)> = sqlx::query_as(
        "SELECT i.status, i.generation, s.escalation_policy_id
         FROM incidents i JOIN services s ON s.id = i.service_id WHERE i.id = $1 FOR UPDATE OF i",
    )
    .bind(incident)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((status, current, policy)) = row else {
        return Ok(StepOutcome::Stale);
    };
    if current != generation || status != Status::Open.as_str() {
        return Ok(StepOutcome::Stale);
    }
    let Some(policy) = policy else {
        if at.step == 0 && at.loop_no == 0 {
            timeline(tx, incident, now, serde_json::json!({
                "nobody": true, "message": "the service has no escalation policy: nobody was paged"}))
            .await?;
            notify(tx, &[incident]).await?;
        }
        return Ok(StepOutcome::NoPolicy);
    };
    let Some(plan) = crate::policies::store::step_plan(&mut *tx, policy, at.step).await? else {
        timeline(
            tx,
            incident,
            now,
            serde_json::json!({
            "nobody": true, "step": at.step + 1,
            "message": "the policy has no such step any more: escalation ended"}),
        )
        .await?;
        notify(tx, &[incident]).await?;
        return Ok(StepOutcome::Nobody);
    };
    let people =
        crate::policies::store::step_users(&mut *tx, policy, at.step, &plan.schedules, now).await?;
    let outcome = if people.is_empty() {
        timeline(
            tx,
            incident,
            now,
            serde_json::json!({
            "nobody": true, "step": at.step + 1, "pass": at.loop_no + 1,
            "message": "no one to page at this step; moving on"}),
        )
        .await?;
        StepOutcome::Nobody
    } else {
        let ids: Vec<UserId> = people.iter().map(|p| p.id).collect();
        let key = crate::notifications::store::PageKey {
            incident,
            generation,
            step: at.step,
            loop_no: at.loop_no,
        };
        let unreachable =
            crate::notifications::store::page_users(tx, key, &ids, &plan.channels, now).await?;
        let paged: Vec<&str> = people
            .iter()
            .filter(|p| !unreachable.contains(&p.id))
            .map(|p| p.name.as_str())
            .collect();
        let missing: Vec<&str> = people
            .iter()
            .filter(|p| unreachable.contains(&p.id))
            .map(|p| p.name.as_str())
            .collect();
        // The people paged now hold the incident, unless someone assigned it by hand.
        let reached: Vec<UserId> = ids
            .iter()
            .copied()
            .filter(|id| !unreachable.contains(id))
            .collect();
        let held: Option<bool> = sqlx::query_scalar(
            "UPDATE incidents SET paged_user_ids = $2 WHERE id = $1 AND cardinality($2::uuid[]) > 0
             RETURNING assignee_user_id IS NULL AND assignee_team_id IS NULL",
        )
        .bind(incident)
        .bind(&reached)
        .fetch_optional(&mut *tx)
        .await?;
        let mut details = serde_json::json!({
            "step": at.step + 1, "pass": at.loop_no + 1, "paged": paged, "no_contact_method": missing});
        if held == Some(true) {
            details["held_by"] = serde_json::json!(paged);
        }
        timeline(tx, incident, now, details).await?;
        StepOutcome::Paged {
            users: ids,
            unreachable,
        }
    };
    if let Some(next) = next_position(at, plan.steps, plan.repeat_count) {
        let job = EscalationJob::Step {
            generation,
            step: next.step,
            loop_no: next.loop_no,
        };
        let run_at = now + Duration::minutes(i64::from(plan.delay_minutes));
        enqueue(tx, JobKind::Escalation, Some(incident), &job, run_at, now).await?;
    }
    notify(tx, &[incident]).await?;
    Ok(outcome)
}
