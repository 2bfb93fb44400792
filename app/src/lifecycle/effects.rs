//! What a state needs, enqueued in the transaction that entered it: a new incident's first
//! step, and after a transition, the waiting jobs and pages it made moot cancelled and the
//! next thing scheduled (step 1 on entering OPEN, the ack timeout, the snooze's end).

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;

use crate::domain::{IncidentId, Status};
use crate::error::AppError;
use crate::jobs::store::{cancel_for_incident, enqueue};
use crate::jobs::{EscalationJob, JobKind, UnsnoozeJob};

/// The first escalation step of `generation`: step 1, pass 1.
fn first_step(generation: i64) -> EscalationJob {
    EscalationJob::Step {
        generation,
        step: 0,
        loop_no: 0,
    }
}

/// Incidents just opened (by an event or by hand) in this transaction start escalating: the
/// first step of each OPEN one whose service has a policy is enqueued, due now, and the job
/// workers are woken. The one place a new incident's first step is made.
pub async fn opened(
    tx: &mut PgConnection,
    ids: &[IncidentId],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if ids.is_empty() {
        return Ok(());
    }
    let payload = serde_json::to_value(first_step(0)).map_err(|e| AppError::Internal {
        message: format!("first step payload: {e}"),
    })?;
    sqlx::query(
        "WITH j AS (
            INSERT INTO jobs (kind, incident_id, payload, run_at, created_at, updated_at)
            SELECT $2, i.id, $3, $4, $4, $4
            FROM incidents i JOIN services s ON s.id = i.service_id
            WHERE i.id = ANY($1) AND i.status = 'OPEN' AND i.generation = 0
              AND s.escalation_policy_id IS NOT NULL
            RETURNING 1)
         SELECT count(*) FROM (SELECT pg_notify($5, '') FROM (SELECT 1 FROM j LIMIT 1) one) w",
    )
    .bind(ids)
    .bind(JobKind::Escalation.as_str())
    .bind(payload)
    .bind(now)
    .bind(crate::jobs::store::CHANNEL)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

const INCIDENT_JOBS: [JobKind; 3] = [
    JobKind::Escalation,
    JobKind::Notification,
    JobKind::AutoUnsnooze,
];

/// After an incident moved to `to` in `generation`: cancel the jobs the change made moot,
/// then enqueue what the new state needs. Entering OPEN escalates from step 1; an
/// acknowledgement starts the service's ack timeout; a snooze schedules its end.
pub(super) async fn after_transition(
    tx: &mut PgConnection,
    incident: IncidentId,
    to: Status,
    generation: i64,
    snooze_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    // The generation changed: every waiting job and page belongs to the old one.
    cancel_for_incident(tx, incident, &INCIDENT_JOBS, now).await?;
    crate::notifications::store::cancel_for_incident(tx, incident, now).await?;
    match to {
        Status::Open => {
            let job = first_step(generation);
            enqueue(tx, JobKind::Escalation, Some(incident), &job, now, now).await?;
        }
        Status::Acknowledged => {
            let timeout: Option<i32> = sqlx::query_scalar(
                "SELECT s.ack_timeout_secs FROM incidents i JOIN services s ON s.id = i.service_id WHERE i.id = $1",
            )
            .bind(incident)
            .fetch_optional(&mut *tx)
            .await?
            .flatten();
            if let Some(secs) = timeout {
                let job = EscalationJob::AckTimeout { generation };
                let at = now + Duration::seconds(i64::from(secs));
                enqueue(tx, JobKind::Escalation, Some(incident), &job, at, now).await?;
            }
        }
        Status::Snoozed => {
            if let Some(until) = snooze_until {
                let job = UnsnoozeJob { generation };
                enqueue(tx, JobKind::AutoUnsnooze, Some(incident), &job, until, now).await?;
            }
        }
        // Suppressed pauses; resolved stops.
        Status::Suppressed | Status::Resolved => {}
    }
    Ok(())
}
