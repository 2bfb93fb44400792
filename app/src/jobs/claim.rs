//! Taking jobs: claims (`FOR UPDATE SKIP LOCKED`, a lease and a claim token), holding a
//! claimed job in the transaction of its work, and fenced completion, for one job or a batch.

use crate::db::Db;
use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::JobKind;
use super::store::Claimed;
use crate::error::AppError;

/// Which kinds of job a claim takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kinds {
    Only(JobKind),
    AllBut(&'static [JobKind]),
}

impl Kinds {
    /// The kinds named, and whether they are the ones taken (else the ones left out).
    pub(crate) fn sql(self) -> (Vec<&'static str>, bool) {
        match self {
            Kinds::Only(k) => (vec![k.as_str()], true),
            Kinds::AllBut(ks) => (ks.iter().map(|k| k.as_str()).collect(), false),
        }
    }
}

/// Claims up to `n` due jobs: PENDING ones, FAILED ones with attempts left, and PROCESSING
/// ones whose lease ran out (their worker died), of the `kinds` asked for. Oldest `run_at`
/// first.
pub async fn claim(
    pool: &Db,
    n: i64,
    kinds: Kinds,
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<Claimed>, AppError> {
    let (named, only) = kinds.sql();
    let rows = sqlx::query_as::<_, Claimed>(
        // Two index-ordered scans (due work by run_at, expired leases by locked_until), each
        // stopping after $2 rows: a claim costs the same with ten or ten thousand jobs due.
        "WITH due AS (
            SELECT id FROM jobs
            WHERE (status = 'PENDING' OR (status = 'FAILED' AND attempts < max_attempts)) AND run_at <= $1
              AND (kind = ANY($4)) = $5
            ORDER BY run_at LIMIT $2
            FOR UPDATE SKIP LOCKED),
         lapsed AS (
            SELECT id FROM jobs WHERE status = 'PROCESSING' AND locked_until <= $1 AND (kind = ANY($4)) = $5
            ORDER BY locked_until LIMIT $2
            FOR UPDATE SKIP LOCKED),
         pick AS (
            SELECT id FROM (SELECT id, 0 AS o FROM lapsed UNION ALL SELECT id, 1 FROM due) x
            ORDER BY o LIMIT $2)
         UPDATE jobs j SET status = 'PROCESSING', attempts = j.attempts + 1, locked_until = $3,
                claim = gen_random_uuid(), updated_at = $1
         FROM pick WHERE j.id = pick.id
         RETURNING j.id, j.kind, j.payload, j.incident_id, j.attempts, j.max_attempts, j.claim, j.run_at",
    )
    .bind(now)
    .bind(n)
    .bind(now + lease)
    .bind(&named)
    .bind(only)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// Locks a claimed job for the transaction that does its work. `false`: the claim is no
/// longer ours (the lease ran out and another worker took it); do nothing.
pub async fn hold(tx: &mut PgConnection, job: &Claimed) -> Result<bool, AppError> {
    let held: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM jobs WHERE id = $1 AND claim = $2 AND status = 'PROCESSING' FOR UPDATE",
    )
    .bind(job.id)
    .bind(job.claim)
    .fetch_optional(&mut *tx)
    .await?;
    Ok(held.is_some())
}

/// Marks a held job COMPLETED (in the transaction of its effects). `false` when the claim was lost.
pub async fn complete(
    tx: &mut PgConnection,
    job: &Claimed,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let done = sqlx::query(
        "UPDATE jobs SET status = 'COMPLETED', locked_until = NULL, last_error = NULL, updated_at = $3
         WHERE id = $1 AND claim = $2 AND status = 'PROCESSING'",
    )
    .bind(job.id)
    .bind(job.claim)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Holds a batch of claimed jobs (locked in id order); returns those still ours.
pub async fn hold_many<'a>(
    tx: &mut PgConnection,
    jobs: impl IntoIterator<Item = &'a Claimed>,
) -> Result<Vec<i64>, AppError> {
    let (ids, claims) = ids_and_claims(jobs);
    Ok(sqlx::query_scalar(
        "SELECT j.id FROM jobs j JOIN unnest($1::bigint[], $2::uuid[]) AS c(id, claim)
             ON j.id = c.id AND j.claim = c.claim
         WHERE j.status = 'PROCESSING' ORDER BY j.id FOR UPDATE OF j",
    )
    .bind(&ids)
    .bind(&claims)
    .fetch_all(&mut *tx)
    .await?)
}

/// Marks a held batch COMPLETED (in the transaction of its effects); returns how many were.
pub async fn complete_many(
    tx: &mut PgConnection,
    jobs: &[Claimed],
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    let (ids, claims) = ids_and_claims(jobs);
    let done = sqlx::query(
        "UPDATE jobs j SET status = 'COMPLETED', locked_until = NULL, last_error = NULL, updated_at = $3
         FROM unnest($1::bigint[], $2::uuid[]) AS c(id, claim)
         WHERE j.id = c.id AND j.claim = c.claim AND j.status = 'PROCESSING'",
    )
    .bind(&ids)
    .bind(&claims)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected())
}

fn ids_and_claims<'a>(jobs: impl IntoIterator<Item = &'a Claimed>) -> (Vec<i64>, Vec<Uuid>) {
    jobs.into_iter().map(|j| (j.id, j.claim)).unzip()
}
