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

/// The payload of a new incident's first step (generation 0), bound as the `$payload` of
/// [`first_steps_cte!`].
pub fn first_step_payload() -> Result<serde_json::Value, AppError> {
    serde_json::to_value(first_step(0)).map_err(|e| AppError::Internal {
        message: format!("first step payload: {e}"),
    })
}

/// The one definition of how new incidents start escalating, as CTEs for the statement that
/// opens them (ingest keeps a new incident to one round trip this way). `first_steps`
/// enqueues the first step, due at `$now`, of every incident in the relation `$from` (columns
/// `id`, `service_id`, `urgency`, `priority` and `created_at`: incidents this statement opened
/// OPEN) whose service has a policy, and the SLA warning of those with a warning target
/// (`sla_warnings`, the one fragment of `sla::warning`);
/// `first_steps_woken` wakes the job workers when it enqueued any. The statement must read
/// `first_steps_woken` (a plain CTE runs only when read), e.g. with
/// `, (SELECT count(*) FROM first_steps_woken) woken` in its final FROM.
#[macro_export]
macro_rules! first_steps_cte {
    ($from:literal, $payload:literal, $now:literal, $channel:literal) => {
        concat!(
            "first_steps AS (
                INSERT INTO jobs (kind, incident_id, payload, run_at, created_at, updated_at)
                SELECT 'ESCALATION', f.id, ",
            $payload,
            ", ",
            $now,
            ", ",
            $now,
            ", ",
            $now,
            "
                FROM ",
            $from,
            " f JOIN services s ON s.id = f.service_id
                WHERE s.escalation_policy_id IS NOT NULL
                RETURNING 1),
             ",
            $crate::sla_warnings_cte!($from, $now),
            ",
             first_steps_woken AS (
                SELECT pg_notify(",
            $channel,
            ", '') FROM (SELECT 1 FROM first_steps LIMIT 1) one)"
        )
    };
}

/// Incidents opened by hand in this transaction start escalating (see [`first_steps_cte!`]).
pub async fn opened(
    tx: &mut PgConnection,
    ids: &[IncidentId],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query(concat!(
        "WITH new_open AS (
            SELECT i.id, i.service_id, i.urgency, i.priority, i.created_at
            FROM unnest($1::uuid[]) AS u(id) JOIN incidents i ON i.id = u.id
            WHERE i.status = 'OPEN' AND i.generation = 0), ",
        crate::first_steps_cte!("new_open", "$2", "$3", "$4"),
        " SELECT count(*) FROM first_steps_woken"
    ))
    .bind(ids)
    .bind(first_step_payload()?)
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
/// acknowledgement starts the service's ack timeout; a snooze schedules its end. Entering OPEN
/// also schedules the SLA warning when the incident still needs one (`sla::warning::schedule`:
/// how a SUPPRESSED incident gets its warning once released).
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
            // Released from SUPPRESSED, reopened, woken: the SLA warning it may still need.
            crate::sla::warning::schedule(tx, &[incident], &[], now).await?;
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
