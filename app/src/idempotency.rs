//! Idempotency keys of REST writes: the first answer to a (user, key) is kept for a day and
//! replayed to repeats. The HTTP side is the server's `rest::idempotency` layer.

use chrono::{DateTime, Duration, Utc};

use crate::db::Db;
use crate::domain::UserId;
use crate::error::AppError;

/// How long an answer is kept for replay.
pub fn retention() -> Duration {
    Duration::hours(24)
}

/// A kept answer: `status` is `None` while the first request is still being answered.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Kept {
    pub request_hash: String,
    pub status: Option<i16>,
    pub location: Option<String>,
    pub body: Option<Vec<u8>>,
}

/// Claims `key` for this request → `None` when it was free (go on, then `finish` or
/// `release`), or what an earlier request with the key left.
pub async fn claim(
    pool: &Db,
    user: UserId,
    key: &str,
    request_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<Kept>, AppError> {
    let mut tx = pool.begin().await?;
    // An expired answer no longer counts: the key is free again.
    sqlx::query("DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND created_at < $3")
        .bind(user)
        .bind(key)
        .bind(now - retention())
        .execute(&mut *tx)
        .await?;
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (user_id, key, request_hash, created_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, key) DO NOTHING",
    )
    .bind(user)
    .bind(key)
    .bind(request_hash)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let kept = if inserted == 1 {
        None
    } else {
        sqlx::query_as::<_, Kept>(
            "SELECT request_hash, status, location, body FROM idempotency_keys
             WHERE user_id = $1 AND key = $2",
        )
        .bind(user)
        .bind(key)
        .fetch_optional(&mut *tx)
        .await?
    };
    tx.commit().await?;
    Ok(kept)
}

/// Keeps the answer to a claimed key.
pub async fn finish(
    pool: &Db,
    user: UserId,
    key: &str,
    status: u16,
    location: Option<&str>,
    body: &[u8],
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE idempotency_keys SET status = $3, location = $4, body = $5
         WHERE user_id = $1 AND key = $2",
    )
    .bind(user)
    .bind(key)
    .bind(i16::try_from(status).unwrap_or(500))
    .bind(location)
    .bind(body)
    .execute(pool)
    .await?;
    Ok(())
}

/// Frees a claimed key whose request failed on the server's side, so a retry runs again.
pub async fn release(pool: &Db, user: UserId, key: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND status IS NULL")
        .bind(user)
        .bind(key)
        .execute(pool)
        .await?;
    Ok(())
}

/// Deletes answers past their retention (the cleanup job).
pub async fn expire(db: impl sqlx::PgExecutor<'_>, now: DateTime<Utc>) -> Result<u64, AppError> {
    Ok(
        sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(now - retention())
            .execute(db)
            .await?
            .rows_affected(),
    )
}
