//! All SQL for authentication: credentials, the per-email login throttle, and sessions.

use crate::db::Db;
use chrono::{DateTime, Duration, Utc};
use sqlx::PgExecutor;

use super::{MAX_FAILURES, absolute_timeout, failure_window, idle_timeout, lockout_duration};
use crate::audit::store::{self as audit, Entry};
use crate::domain::{SessionId, UserId};
use crate::error::AppError;
use crate::users::UserSummary;
use crate::users::store::{UserRow, user_columns};

#[derive(sqlx::FromRow)]
struct CredentialRow {
    password_hash: Option<String>,
    #[sqlx(flatten)]
    user: UserRow,
}

/// An ACTIVE user's summary and password hash, by (normalised) email, in one query.
pub async fn credentials(
    pool: &Db,
    email: &str,
) -> Result<Option<(UserSummary, String)>, AppError> {
    let row: Option<CredentialRow> = sqlx::query_as(concat!(
        "SELECT u.password_hash, ",
        user_columns!(),
        " FROM users u WHERE u.email = $1 AND u.status = 'ACTIVE'"
    ))
    .bind(email)
    .fetch_optional(pool)
    .await?;
    match row {
        Some(CredentialRow {
            password_hash: Some(hash),
            user,
        }) => Ok(Some((user.try_into()?, hash))),
        _ => Ok(None),
    }
}

/// `Err(RateLimited)` while the email is locked.
pub async fn check_throttle(pool: &Db, email: &str, now: DateTime<Utc>) -> Result<(), AppError> {
    let locked_until: Option<DateTime<Utc>> =
        sqlx::query_scalar("SELECT locked_until FROM login_throttle WHERE email = $1")
            .bind(email)
            .fetch_optional(pool)
            .await?
            .flatten();
    match locked_until {
        Some(until) if until > now => Err(AppError::RateLimited {
            // Rounded up: a client that waits exactly this long finds the lock gone.
            retry_after_secs: u64::try_from((until - now).num_milliseconds())
                .unwrap_or(1)
                .max(1)
                .div_ceil(1000),
        }),
        _ => Ok(()),
    }
}

/// Counts a failed sign-in for `email`; the fifth within the window locks it. Audited.
pub async fn record_failure(
    pool: &Db,
    email: &str,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO login_throttle (email) VALUES ($1) ON CONFLICT (email) DO NOTHING")
        .bind(email)
        .execute(&mut *tx)
        .await?;
    let (failures, window_started, level): (i32, Option<DateTime<Utc>>, i32) = sqlx::query_as(
        "SELECT failures, window_started, lockout_level FROM login_throttle WHERE email = $1 FOR UPDATE",
    )
    .bind(email)
    .fetch_one(&mut *tx)
    .await?;
    let in_window = window_started.is_some_and(|w| now - w <= failure_window());
    let (failures, window_started) = if in_window {
        (failures + 1, window_started)
    } else {
        (1, Some(now))
    };
    let locked = failures >= MAX_FAILURES;
    let (failures, window_started, locked_until, level) = if locked {
        (0, None, Some(now + lockout_duration(level)), level + 1)
    } else {
        (failures, window_started, None, level)
    };
    sqlx::query(
        "UPDATE login_throttle SET failures = $2, window_started = $3,
                locked_until = COALESCE($4, locked_until), lockout_level = $5
         WHERE email = $1",
    )
    .bind(email)
    .bind(failures)
    .bind(window_started)
    .bind(locked_until)
    .bind(level)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        Entry {
            at: now,
            actor: None,
            action: if locked {
                "login.lockout"
            } else {
                "login.failure"
            },
            target: Some(email),
            ip,
            details: match locked_until {
                Some(until) => serde_json::json!({"locked_until": until}),
                None => serde_json::json!({"failures_in_window": failures}),
            },
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Forgets the email's failures and opens a session. Audited.
pub async fn start_session(
    pool: &Db,
    user: &UserSummary,
    token_hash: &[u8],
    now: DateTime<Utc>,
    ip: Option<&str>,
    user_agent: Option<&str>,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM login_throttle WHERE email = $1")
        .bind(&user.email)
        .execute(&mut *tx)
        .await?;
    insert_session(&mut *tx, user.id, token_hash, now, ip, user_agent).await?;
    audit::record(
        &mut *tx,
        Entry {
            at: now,
            actor: Some(user.id),
            action: "login.success",
            target: Some(&user.email),
            ip,
            details: serde_json::json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Opens a session for `user` inside the caller's transaction.
pub async fn insert_session<'e>(
    db: impl PgExecutor<'e>,
    user: UserId,
    token_hash: &[u8],
    now: DateTime<Utc>,
    ip: Option<&str>,
    user_agent: Option<&str>,
) -> Result<SessionId, AppError> {
    let id = SessionId::new();
    sqlx::query(
        "INSERT INTO sessions (id, user_id, token_hash, created_at, last_seen_at, absolute_expires_at, ip, user_agent)
         VALUES ($1, $2, $3, $4, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(user)
    .bind(token_hash)
    .bind(now)
    .bind(now + absolute_timeout())
    .bind(ip)
    .bind(user_agent)
    .execute(db)
    .await?;
    Ok(id)
}

/// The user's live sessions, newest activity first.
pub async fn list_sessions(
    pool: &Db,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<Vec<crate::profile::SessionInfo>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, created_at, last_seen_at, ip, user_agent FROM sessions
         WHERE user_id = $1 AND revoked_at IS NULL AND last_seen_at > $2 AND absolute_expires_at > $3
         ORDER BY last_seen_at DESC, id LIMIT 100",
    )
    .bind(user)
    .bind(now - idle_timeout())
    .bind(now)
    .fetch_all(pool)
    .await?)
}

/// Revokes one live session of `user` by id (their own, or an admin signing them out; the
/// caller audits). Returns whether one was live.
pub async fn revoke_session<'e>(
    db: impl PgExecutor<'e>,
    user: UserId,
    session: SessionId,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
    )
    .bind(session)
    .bind(user)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    session_id: SessionId,
    last_seen_at: DateTime<Utc>,
    #[sqlx(flatten)]
    user: UserRow,
}

/// The signed-in user of a live session (not revoked, not idle, not past its absolute
/// expiry, user still ACTIVE), in one query. Refreshes `last_seen_at` at most once a minute,
/// so most authenticated requests cost a single indexed read.
pub async fn session_user(
    pool: &Db,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> Result<Option<(SessionId, UserSummary)>, AppError> {
    let row: Option<SessionRow> = sqlx::query_as(concat!(
        "SELECT s.id AS session_id, s.last_seen_at, ",
        user_columns!(),
        " FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND u.status = 'ACTIVE'
           AND s.last_seen_at > $2 AND s.absolute_expires_at > $3"
    ))
    .bind(token_hash)
    .bind(now - idle_timeout())
    .bind(now)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    if now - row.last_seen_at > Duration::minutes(1) {
        sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE id = $1")
            .bind(row.session_id)
            .bind(now)
            .execute(pool)
            .await?;
    }
    Ok(Some((row.session_id, row.user.try_into()?)))
}

/// Revokes one session by its token hash. Returns whether a live session was revoked.
pub async fn revoke(pool: &Db, token_hash: &[u8], now: DateTime<Utc>) -> Result<bool, AppError> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(token_hash)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Revokes every live session of a user inside the caller's transaction: the step a password
/// change, a role change and disabling an account share.
pub async fn revoke_user_sessions<'e>(
    db: impl PgExecutor<'e>,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
    )
    .bind(user)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Revokes every live session of a user ("sign out everywhere"). Audited.
pub async fn revoke_all(
    pool: &Db,
    user: UserId,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<u64, AppError> {
    let mut tx = pool.begin().await?;
    let revoked = revoke_user_sessions(&mut *tx, user, now).await?;
    audit::record(
        &mut *tx,
        Entry {
            at: now,
            actor: Some(user),
            action: "session.revoke_all",
            target: None,
            ip,
            details: serde_json::json!({"sessions": revoked}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(revoked)
}
