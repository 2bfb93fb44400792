//! All SQL of single sign-on: sign-ins in flight (`sso_requests`), the links from a provider's
//! (issuer, subject) to a user (`user_identities`), and a session's ID token for logout.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use crate::domain::UserId;
use crate::error::AppError;

/// A sign-in in flight, as the callback takes it back.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Pending {
    pub nonce: String,
    pub pkce_verifier: String,
    pub return_to: String,
}

/// What `begin` stores for one redirect to the provider.
pub struct NewPending<'a> {
    pub state_hash: &'a [u8],
    pub nonce: &'a str,
    pub pkce_verifier: &'a str,
    pub return_to: &'a str,
    pub now: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_pending(db: impl PgExecutor<'_>, p: &NewPending<'_>) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO sso_requests (state_hash, nonce, pkce_verifier, return_to, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(p.state_hash)
    .bind(p.nonce)
    .bind(p.pkce_verifier)
    .bind(p.return_to)
    .bind(p.now)
    .bind(p.expires_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Takes (deletes) the sign-in for a state: a state works once. `Ok(None)` when unknown or
/// already taken; `Err(Expired)`-style distinction is the caller's via the returned expiry.
pub async fn take_pending(
    db: impl PgExecutor<'_>,
    state_hash: &[u8],
) -> Result<Option<(Pending, DateTime<Utc>)>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        pending: Pending,
        expires_at: DateTime<Utc>,
    }
    let row: Option<Row> = sqlx::query_as(
        "DELETE FROM sso_requests WHERE state_hash = $1
         RETURNING nonce, pkce_verifier, return_to, expires_at",
    )
    .bind(state_hash)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.pending, r.expires_at)))
}

/// Deletes sign-ins that were never completed (the cleanup job).
pub async fn delete_expired(db: impl PgExecutor<'_>, now: DateTime<Utc>) -> Result<u64, AppError> {
    Ok(
        sqlx::query("DELETE FROM sso_requests WHERE expires_at <= $1")
            .bind(now)
            .execute(db)
            .await?
            .rows_affected(),
    )
}

/// The user an identity is linked to.
pub async fn linked_user(
    db: impl PgExecutor<'_>,
    issuer: &str,
    subject: &str,
) -> Result<Option<UserId>, AppError> {
    Ok(
        sqlx::query_scalar(
            "SELECT user_id FROM user_identities WHERE issuer = $1 AND subject = $2",
        )
        .bind(issuer)
        .bind(subject)
        .fetch_optional(db)
        .await?,
    )
}

/// Links an identity to a user, or refreshes the link's email and last sign-in.
pub async fn link(
    db: impl PgExecutor<'_>,
    issuer: &str,
    subject: &str,
    user: UserId,
    email: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO user_identities (issuer, subject, user_id, email, created_at, last_login_at)
         VALUES ($1, $2, $3, $4, $5, $5)
         ON CONFLICT (issuer, subject) DO UPDATE SET email = EXCLUDED.email,
                                                     last_login_at = EXCLUDED.last_login_at",
    )
    .bind(issuer)
    .bind(subject)
    .bind(user)
    .bind(email)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Keeps the provider's ID token on a session opened through it (the logout hint).
pub async fn set_session_id_token(
    db: impl PgExecutor<'_>,
    session: crate::domain::SessionId,
    id_token: &str,
) -> Result<(), AppError> {
    sqlx::query("UPDATE sessions SET sso_id_token = $2 WHERE id = $1")
        .bind(session)
        .bind(id_token)
        .execute(db)
        .await?;
    Ok(())
}

/// The ID token of the live session with this token hash, when it was opened through the
/// provider.
pub async fn session_id_token(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
) -> Result<Option<String>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT sso_id_token FROM sessions WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(token_hash)
    .fetch_optional(db)
    .await?
    .flatten())
}

/// The user with this email, whatever their status (signing in by email must see a
/// DISABLED account to refuse it). A team's service account is never a person's account.
pub async fn user_by_email(
    db: impl PgExecutor<'_>,
    email: &str,
) -> Result<Option<UserId>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1 AND service_team_id IS NULL")
            .bind(email)
            .fetch_optional(db)
            .await?,
    )
}

/// Creates an ACTIVE account without a password for a first sign-in through the provider.
pub async fn provision_user(
    db: impl PgExecutor<'_>,
    email: &crate::domain::Email,
    name: &str,
    role: crate::domain::Role,
    now: DateTime<Utc>,
) -> Result<UserId, AppError> {
    let id = UserId::new();
    sqlx::query(
        "INSERT INTO users (id, email, name, role, status, password_hash, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'ACTIVE', NULL, $5, $5)",
    )
    .bind(id)
    .bind(email.as_str())
    .bind(name)
    .bind(role.as_str())
    .bind(now)
    .execute(db)
    .await?;
    Ok(id)
}
