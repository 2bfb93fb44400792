//! All SQL of the job queue: enqueue (inside the caller's transaction), retry with backoff
//! and jitter, cancellation, the next wake-up time, and the admin figures. Claims, holds and
//! fenced completion are `claim` (re-exported here).

use crate::db::Db;
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{JobKind, JobRow, JobStatus, QueueDepth, QueueOverview, Task, TaskJob};
use crate::domain::IncidentId;
use crate::error::AppError;

pub use super::claim::{Kinds, claim, complete, complete_many, hold, hold_many};

/// The NOTIFY channel workers listen on: a job was enqueued or made due.
pub const CHANNEL: &str = "opsknight_jobs";

/// A job a worker holds. `claim` fences it: only the holder of the current claim may finish it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub kind: String,
    pub payload: serde_json::Value,
    pub incident_id: Option<IncidentId>,
    pub attempts: i32,
    pub max_attempts: i32,
    pub claim: Uuid,
    pub run_at: DateTime<Utc>,
}

impl Claimed {
    pub fn kind(&self) -> Option<JobKind> {
        JobKind::parse(&self.kind)
    }

    /// Whether a failure now is the last one allowed.
    pub fn out_of_attempts(&self) -> bool {
        self.attempts >= self.max_attempts
    }
}

/// Enqueues a job inside the caller's transaction and wakes the workers on commit.
pub async fn enqueue(
    tx: &mut PgConnection,
    kind: JobKind,
    incident: Option<IncidentId>,
    payload: &impl serde::Serialize,
    run_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    let payload = serde_json::to_value(payload).map_err(|e| AppError::Internal {
        message: format!("encode job payload: {e}"),
    })?;
    let id: i64 = sqlx::query_scalar(
        "WITH j AS (
            INSERT INTO jobs (kind, incident_id, payload, run_at, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $5) RETURNING id),
         n AS (SELECT pg_notify($6, ''))
         SELECT j.id FROM j, n",
    )
    .bind(kind.as_str())
    .bind(incident)
    .bind(payload)
    .bind(run_at)
    .bind(now)
    .bind(CHANNEL)
    .fetch_one(&mut *tx)
    .await?;
    Ok(id)
}

/// Enqueues many jobs of one kind for incidents (one statement), waking the workers once.
pub async fn enqueue_many(
    tx: &mut PgConnection,
    kind: JobKind,
    jobs: &[(IncidentId, serde_json::Value, DateTime<Utc>)],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if jobs.is_empty() {
        return Ok(());
    }
    let incidents: Vec<IncidentId> = jobs.iter().map(|j| j.0).collect();
    let payloads: Vec<&serde_json::Value> = jobs.iter().map(|j| &j.1).collect();
    let run_at: Vec<DateTime<Utc>> = jobs.iter().map(|j| j.2).collect();
    sqlx::query(
        "WITH j AS (
            INSERT INTO jobs (kind, incident_id, payload, run_at, created_at, updated_at)
            SELECT $1, u.incident_id, u.payload, u.run_at, $2, $2
            FROM unnest($3::uuid[], $4::jsonb[], $5::timestamptz[]) AS u(incident_id, payload, run_at))
         SELECT pg_notify($6, '')",
    )
    .bind(kind.as_str())
    .bind(now)
    .bind(&incidents)
    .bind(&payloads)
    .bind(&run_at)
    .bind(CHANNEL)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Wakes the workers when this transaction commits (for jobs inserted by other statements).
pub async fn wake(tx: &mut PgConnection) -> Result<(), AppError> {
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(CHANNEL)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Puts a held job back to wait until `at` without using up an attempt (a rate limit, not a
/// failure). `false` when the claim was lost.
pub async fn defer(
    tx: &mut PgConnection,
    job: &Claimed,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let done = sqlx::query(
        "UPDATE jobs SET status = 'PENDING', attempts = greatest(attempts - 1, 0), locked_until = NULL,
                run_at = $3, updated_at = $4
         WHERE id = $1 AND claim = $2 AND status = 'PROCESSING'",
    )
    .bind(job.id)
    .bind(job.claim)
    .bind(at)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    // Workers asleep until an earlier-computed time must learn of the new one (at commit),
    // or the deferred page would wait for some unrelated wake-up.
    wake(tx).await?;
    Ok(true)
}

/// The wait before retry `attempt` (1-based): 10 s doubling to at most 10 min, ±20 % jitter
/// so jobs that failed together do not retry together.
pub fn backoff(attempt: i32) -> Duration {
    let base_ms = 10_000_i64 << attempt.clamp(1, 7).saturating_sub(1);
    let base_ms = base_ms.min(600_000);
    let jitter = rand::thread_rng().gen_range(-base_ms / 5..=base_ms / 5);
    Duration::milliseconds(base_ms + jitter)
}

/// Records a failure: FAILED, retried after a backoff while attempts remain. A final failure
/// of an incident's job is also written on the incident's timeline, so a stopped escalation
/// is visible where responders look, not only on the admin page. A retry wakes the workers
/// (its `run_at` may come before their planned wake-up). Returns whether a retry is scheduled.
pub async fn fail(
    conn: &mut PgConnection,
    job: &Claimed,
    error: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let retry = !job.out_of_attempts();
    sqlx::query(
        "WITH f AS (
            UPDATE jobs SET status = 'FAILED', locked_until = NULL, last_error = $3, run_at = $4, updated_at = $5
            WHERE id = $1 AND claim = $2 AND status = 'PROCESSING'
            RETURNING incident_id, kind, attempts, attempts >= max_attempts AS final),
         t AS (
            INSERT INTO incident_timeline (incident_id, at, kind, details)
            SELECT incident_id, $5, 'ESCALATED', jsonb_build_object('nobody', true, 'message',
                   format('the %s job failed %s times and was given up (%s); an admin can retry it under Jobs',
                          lower(kind), attempts, $3::text))
            FROM f WHERE final AND incident_id IS NOT NULL)
         -- A retry's run_at may be earlier than any worker's planned wake-up: tell them.
         SELECT pg_notify($6, '') FROM f WHERE NOT final",
    )
    .bind(job.id)
    .bind(job.claim)
    .bind(truncate(error, 2000))
    .bind(now + backoff(job.attempts))
    .bind(now)
    .bind(CHANNEL)
    .execute(&mut *conn)
    .await?;
    Ok(retry)
}

/// The database went away under a job (a restart, a terminated connection): that is no
/// fault of the job, so it runs again in `RETRY_SOON_SECS` without using up an attempt.
/// (Were it counted, an outage longer than the backoff ladder would give escalations up.)
pub async fn retry_soon(
    conn: &mut PgConnection,
    job: &Claimed,
    error: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let done = sqlx::query(
        "WITH r AS (
            UPDATE jobs SET status = 'PENDING', attempts = greatest(attempts - 1, 0), locked_until = NULL,
                   last_error = $3, run_at = $4, updated_at = $5
            WHERE id = $1 AND claim = $2 AND status = 'PROCESSING' RETURNING id)
         SELECT pg_notify($6, '') FROM r",
    )
    .bind(job.id)
    .bind(job.claim)
    .bind(truncate(error, 2000))
    .bind(now + Duration::seconds(RETRY_SOON_SECS))
    .bind(now)
    .bind(CHANNEL)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// How soon a job the database dropped runs again.
pub const RETRY_SOON_SECS: i64 = 2;

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Cancels the incident's waiting jobs of `kinds` (a state change made them moot).
pub async fn cancel_for_incident(
    tx: &mut PgConnection,
    incident: IncidentId,
    kinds: &[JobKind],
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    let done = sqlx::query(
        "UPDATE jobs SET status = 'CANCELLED', updated_at = $3
         WHERE incident_id = $1 AND kind = ANY($2)
           AND (status = 'PENDING' OR (status = 'FAILED' AND attempts < max_attempts))",
    )
    .bind(incident)
    .bind(&kinds)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected())
}

/// When the next job of `kinds` becomes claimable: the earliest due time or lease expiry.
pub async fn next_due(
    pool: &Db,
    kinds: super::claim::Kinds,
) -> Result<Option<DateTime<Utc>>, AppError> {
    let (named, only) = kinds.sql();
    let at: Option<DateTime<Utc>> = sqlx::query_scalar(
        "SELECT LEAST(
            (SELECT min(run_at) FROM jobs
             WHERE (status = 'PENDING' OR (status = 'FAILED' AND attempts < max_attempts))
               AND (kind = ANY($1)) = $2),
            (SELECT min(locked_until) FROM jobs
             WHERE status = 'PROCESSING' AND (kind = ANY($1)) = $2))",
    )
    .bind(&named)
    .bind(only)
    .fetch_one(pool)
    .await?;
    Ok(at)
}

/// Makes sure each recurring task has one live job (every instance calls this at start;
/// the partial unique index on `task_key` keeps it to one).
pub async fn ensure_tasks(pool: &Db, now: DateTime<Utc>) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    for task in Task::ALL {
        schedule_task(&mut tx, task, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Enqueues the next run of `task` at `at` unless one is already live.
pub async fn schedule_task(
    tx: &mut PgConnection,
    task: Task,
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    let payload = serde_json::to_value(TaskJob { task }).map_err(|e| AppError::Internal {
        message: format!("encode task payload: {e}"),
    })?;
    sqlx::query(
        "INSERT INTO jobs (kind, payload, run_at, task_key, max_attempts, created_at, updated_at)
         VALUES ('SCHEDULED_TASK', $1, $2, $3, 10, $2, $2)
         ON CONFLICT DO NOTHING",
    )
    .bind(payload)
    .bind(at)
    .bind(task.key())
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Jobs per (kind, status).
pub async fn depth(pool: &Db) -> Result<Vec<QueueDepth>, AppError> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT kind, status, count(*) FROM jobs GROUP BY kind, status ORDER BY kind, status",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(k, s, count)| {
            Some(QueueDepth {
                kind: JobKind::parse(&k)?,
                status: JobStatus::parse(&s)?,
                count,
            })
        })
        .collect())
}

/// Seconds the oldest due, unclaimed job has been waiting.
pub async fn oldest_due_secs(pool: &Db, now: DateTime<Utc>) -> Result<f64, AppError> {
    let oldest: Option<DateTime<Utc>> = sqlx::query_scalar(
        "SELECT min(run_at) FROM jobs
         WHERE status = 'PENDING' OR (status = 'FAILED' AND attempts < max_attempts)",
    )
    .fetch_one(pool)
    .await?;
    Ok(oldest.map_or(0.0, |t| {
        ((now - t).num_milliseconds().max(0) as f64) / 1000.0
    }))
}

/// The admin page's figures and the most recent failed jobs.
pub async fn overview(pool: &Db, now: DateTime<Utc>) -> Result<QueueOverview, AppError> {
    let failed = sqlx::query_as::<_, JobRowDb>(
        "SELECT j.id, j.kind, j.status, j.incident_id, i.number AS incident_number, j.payload::text AS payload,
                j.run_at, j.attempts, j.max_attempts, j.last_error, j.updated_at
         FROM jobs j LEFT JOIN incidents i ON i.id = j.incident_id
         WHERE j.status = 'FAILED' ORDER BY j.updated_at DESC, j.id DESC LIMIT 100",
    )
    .fetch_all(pool)
    .await?;
    Ok(QueueOverview {
        depth: depth(pool).await?,
        oldest_due_secs: oldest_due_secs(pool, now).await?,
        failed: failed.into_iter().filter_map(JobRowDb::into_row).collect(),
    })
}

#[derive(sqlx::FromRow)]
struct JobRowDb {
    id: i64,
    kind: String,
    status: String,
    incident_id: Option<IncidentId>,
    incident_number: Option<i64>,
    payload: String,
    run_at: DateTime<Utc>,
    attempts: i32,
    max_attempts: i32,
    last_error: Option<String>,
    updated_at: DateTime<Utc>,
}

impl JobRowDb {
    fn into_row(self) -> Option<JobRow> {
        Some(JobRow {
            id: self.id,
            kind: JobKind::parse(&self.kind)?,
            status: JobStatus::parse(&self.status)?,
            incident_id: self.incident_id,
            incident_number: self.incident_number,
            payload: self.payload,
            run_at: self.run_at,
            attempts: self.attempts,
            max_attempts: self.max_attempts,
            last_error: self.last_error,
            updated_at: self.updated_at,
        })
    }
}

/// Runs a FAILED job again now, with a fresh set of attempts.
pub async fn retry(pool: &Db, id: i64, now: DateTime<Utc>) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let done = sqlx::query(
        "UPDATE jobs SET status = 'PENDING', attempts = 0, run_at = $2, last_error = NULL, updated_at = $2
         WHERE id = $1 AND status = 'FAILED'",
    )
    .bind(id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::conflict("only a failed job can be retried"));
    }
    wake(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Cancels a waiting or failed job.
pub async fn cancel(pool: &Db, id: i64, now: DateTime<Utc>) -> Result<(), AppError> {
    let done = sqlx::query(
        "UPDATE jobs SET status = 'CANCELLED', updated_at = $2
         WHERE id = $1 AND status IN ('PENDING', 'FAILED')",
    )
    .bind(id)
    .bind(now)
    .execute(pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::conflict(
            "only a pending or failed job can be cancelled",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_caps() {
        for attempt in 1..=20 {
            let base = (10_000_i64 << (attempt.min(7) - 1)).min(600_000);
            let got = backoff(attempt).num_milliseconds();
            assert!(
                got >= base - base / 5 && got <= base + base / 5,
                "{attempt}: {got}"
            );
        }
        assert!(backoff(30).num_milliseconds() <= 720_000);
    }
}
