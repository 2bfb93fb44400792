//! Running one of the engine's escalation jobs inside its transaction: a step (through
//! `steps`, as a batch of one), or a timer that changes the state (an ack timeout, a snooze's
//! end) through `transition`. The step math is `domain::escalation`.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::steps::{DueStep, Locking, run_steps};
use crate::domain::escalation::Position;
use crate::domain::{IncidentId, Transition, UserId};
use crate::error::AppError;
use crate::jobs::{EscalationJob, UnsnoozeJob};

/// What running a job did, for logs and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    /// The job's generation is not current, or the incident is not in the state it needs.
    Stale,
    /// Not run: another transaction held the incident's row (a batch does not wait for it,
    /// so it cannot deadlock with a change locking several incidents). Run the job on its own.
    Busy,
    /// Paged these users (and found no contact method for `unreachable`).
    Paged {
        users: Vec<UserId>,
        unreachable: Vec<UserId>,
    },
    /// The step resolved to nobody; logged, and escalation moved on.
    Nobody,
    /// The step's conditions did not hold; logged, and the next step is due at once.
    Skipped,
    /// The service has no escalation policy.
    NoPolicy,
    /// The engine changed the incident's state (a snooze ended, an ack timed out).
    Transitioned,
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
        } => {
            let due = DueStep {
                incident,
                generation,
                at: Position { step, loop_no },
            };
            let mut outcomes = run_steps(tx, &[due], Locking::Wait, now).await?;
            Ok(outcomes.pop().unwrap_or(StepOutcome::Stale))
        }
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
