//! The SLA warning (an SLA_WARNING job): N minutes before an incident misses its acknowledge
//! target, the people holding it are paged again through their notification rules, once. A
//! new OPEN incident's job is enqueued with its first step (`first_steps_cte!`); when the job
//! runs early (snoozed time moved the target) it waits again, until the real time.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::domain::{IncidentId, ServiceId, UserId};
use crate::error::AppError;
use crate::jobs::JobKind;
use crate::notifications::store::{PageKey, page_users};

/// The outbox step number of an SLA warning (policy steps are 0-based, so never negative).
pub const WARNING_STEP: i32 = -1;

/// `sla_warnings AS (…)`: enqueues the SLA_WARNING job of each incident of the relation `$from`
/// (columns `id`, `service_id`, `urgency`, `priority`, `created_at`: incidents that need a
/// warning, i.e. OPEN, never acknowledged, not warned) whose target has a warning and that has
/// no live SLA_WARNING job yet (two probes, each on a small partial index: waiting or to be
/// retried `jobs_incident_idx`, running `jobs_lease_idx`), due at the target minus N (not before `$now`; the job waits
/// again if snoozed time moved it). `RETURNING 1`.
#[macro_export]
macro_rules! sla_warnings_cte {
    ($from:literal, $now:literal) => {
        concat!(
            "sla_warnings AS (
                INSERT INTO jobs (kind, incident_id, payload, run_at, created_at, updated_at)
                SELECT 'SLA_WARNING', f.id, '{}'::jsonb,
                       GREATEST(",
            $now,
            "::timestamptz, f.created_at + make_interval(mins => sla.ack_minutes - sla.warn_minutes)), ",
            $now,
            ", ",
            $now,
            "
                FROM ",
            $from,
            " f",
            $crate::sla_target_lateral!("f"),
            "WHERE sla.warn_minutes IS NOT NULL AND sla.ack_minutes IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM jobs j
                                  WHERE j.incident_id = f.id AND j.status IN ('PENDING', 'FAILED')
                                    AND j.kind = 'SLA_WARNING'
                                    AND (j.status = 'PENDING' OR j.attempts < j.max_attempts))
                  AND NOT EXISTS (SELECT 1 FROM jobs j
                                  WHERE j.status = 'PROCESSING' AND j.incident_id = f.id
                                    AND j.kind = 'SLA_WARNING')
                RETURNING 1)"
        )
    };
}

/// Enqueues the SLA warning (see [`sla_warnings_cte!`]) of the given incidents and of every
/// incident of the given services that is OPEN, never acknowledged and not yet warned →
/// how many jobs. Entering OPEN (the lifecycle) and saving targets call it, in their
/// transaction.
pub async fn schedule(
    tx: &mut PgConnection,
    incidents: &[IncidentId],
    services: &[ServiceId],
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    if incidents.is_empty() && services.is_empty() {
        return Ok(0);
    }
    let n: i64 = sqlx::query_scalar(concat!(
        "WITH due AS (
            SELECT i.id, i.service_id, i.urgency, i.priority, i.created_at FROM incidents i
            WHERE (i.id = ANY($1) OR i.service_id = ANY($2)) AND i.status = 'OPEN'
              AND i.first_acknowledged_at IS NULL AND i.sla_warned_at IS NULL), ",
        crate::sla_warnings_cte!("due", "$3"),
        " SELECT count(*) FROM sla_warnings"
    ))
    .bind(incidents)
    .bind(services)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    if n > 0 {
        crate::jobs::store::wake(tx).await?;
    }
    Ok(n)
}

/// SLA_WARNING's payload: nothing but the incident (the job's `incident_id`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarningJob {}

/// What the job did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warned {
    /// Paged these people.
    Paged(Vec<UserId>),
    /// Not yet: waits until then.
    Later(DateTime<Utc>),
    /// Nothing to do (acknowledged, resolved, suppressed, warned already, past the target, no
    /// target any more).
    Moot,
}

/// Runs the warning for `incident` at `now` in the job's transaction.
pub async fn run(
    tx: &mut PgConnection,
    incident: IncidentId,
    now: DateTime<Utc>,
) -> Result<Warned, AppError> {
    type Row = (
        String,
        i64,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        Option<i32>,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        Vec<UserId>,
    );
    let row: Option<Row> = sqlx::query_as(concat!(
        "SELECT i.status, i.generation, i.first_acknowledged_at, i.sla_warned_at, i.snoozed_until,
                sla.warn_minutes, ",
        crate::sla_state_columns!("i", "$2"),
        ", i.paged_user_ids
         FROM incidents i ",
        crate::sla_target_lateral!("i"),
        " WHERE i.id = $1 FOR UPDATE OF i"
    ))
    .bind(incident)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((status, generation, acked, warned, snoozed_until, warn, ack_due, _, holders)) = row
    else {
        return Ok(Warned::Moot);
    };
    let (Some(warn), Some(ack_due)) = (warn, ack_due) else {
        return Ok(Warned::Moot);
    };
    // SUPPRESSED pages nobody by design: moot now, and entering OPEN schedules a new job. Past
    // the target a warning is too late (the breach badge says it).
    if acked.is_some()
        || warned.is_some()
        || status == "RESOLVED"
        || status == "SUPPRESSED"
        || now >= ack_due
    {
        return Ok(Warned::Moot);
    }
    let mut at = ack_due - Duration::minutes(i64::from(warn));
    if status == "SNOOZED" {
        // The snooze counts up to now in `ack_due`; the rest of it moves the warning too.
        if let Some(until) = snoozed_until {
            at += until - now;
        }
    }
    if now < at {
        crate::jobs::store::enqueue(
            tx,
            JobKind::SlaWarning,
            Some(incident),
            &WarningJob {},
            at,
            now,
        )
        .await?;
        return Ok(Warned::Later(at));
    }
    sqlx::query("UPDATE incidents SET sla_warned_at = $2 WHERE id = $1")
        .bind(incident)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let minutes = (ack_due - now).num_minutes().max(0);
    let note = if holders.is_empty() {
        format!(
            "SLA warning: the acknowledge target is {minutes} min away; nobody holds the incident to warn"
        )
    } else {
        format!(
            "SLA warning: the acknowledge target is {minutes} min away; paging the people holding it again"
        )
    };
    sqlx::query(
        "INSERT INTO incident_timeline (incident_id, at, kind, details)
         VALUES ($1, $2, 'NOTE', jsonb_build_object('note', $3::text, 'by', 'SLA'))",
    )
    .bind(incident)
    .bind(now)
    .bind(&note)
    .execute(&mut *tx)
    .await?;
    if holders.is_empty() {
        return Ok(Warned::Paged(Vec::new()));
    }
    let key = PageKey {
        incident,
        generation,
        step: WARNING_STEP,
        loop_no: 0,
    };
    page_users(tx, &[key], &holders, &[], now).await?;
    crate::incidents::notify::notify(tx, &[incident]).await?;
    Ok(Warned::Paged(holders))
}
