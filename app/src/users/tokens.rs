//! One-time tokens for invites and password resets: random, stored as SHA-256, expiring,
//! consumed atomically so a link works exactly once.

use crate::db::Db;
use chrono::{DateTime, Duration, Utc};
use sqlx::PgExecutor;

use super::UserSummary;
use super::store::{UserRow, user_columns};
use crate::auth::session::{new_token, token_hash};
use crate::domain::UserId;
use crate::error::AppError;

/// What a token lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Set the first password of an INVITED account.
    Invite,
    /// Set a new password on an ACTIVE account.
    Reset,
}

impl Purpose {
    pub const ALL: [Purpose; 2] = [Purpose::Invite, Purpose::Reset];

    /// The stored value (`user_tokens.purpose`).
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Invite => "INVITE",
            Purpose::Reset => "RESET",
        }
    }

    /// The account status a token of this purpose requires.
    fn user_status(self) -> &'static str {
        match self {
            Purpose::Invite => "INVITED",
            Purpose::Reset => "ACTIVE",
        }
    }
}

/// How long an invite link works.
pub fn invite_ttl() -> Duration {
    Duration::days(7)
}

/// How long a reset link works: an hour when the user asked by email, a day when an admin
/// issues it to pass on by hand.
pub fn reset_ttl(by_admin: bool) -> Duration {
    if by_admin {
        Duration::hours(24)
    } else {
        Duration::hours(1)
    }
}

/// Issues a token, replacing the user's unused tokens of the same purpose. Returns the token
/// (to put in a link) and when it expires.
pub async fn issue(
    db: &mut sqlx::PgConnection,
    user: UserId,
    purpose: Purpose,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<(String, DateTime<Utc>), AppError> {
    sqlx::query("DELETE FROM user_tokens WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL")
        .bind(user)
        .bind(purpose.as_str())
        .execute(&mut *db)
        .await?;
    let token = new_token();
    let expires_at = now + ttl;
    sqlx::query(
        "INSERT INTO user_tokens (token_hash, user_id, purpose, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash(&token))
    .bind(user)
    .bind(purpose.as_str())
    .bind(now)
    .bind(expires_at)
    .execute(&mut *db)
    .await?;
    Ok((token, expires_at))
}

/// Whether the user got a still-unused token of this purpose since `since` (self-service
/// reset requests are limited to one per few minutes).
pub async fn issued_since(
    pool: &Db,
    user: UserId,
    purpose: Purpose,
    since: DateTime<Utc>,
) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM user_tokens
                        WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL AND created_at > $3)",
    )
    .bind(user)
    .bind(purpose.as_str())
    .bind(since)
    .fetch_one(pool)
    .await?)
}

fn invalid_link() -> AppError {
    AppError::invalid(
        "token",
        "this link is invalid, has already been used, or has expired; ask for a new one",
    )
}

/// The user a live token belongs to, without using it (to greet them on the page).
pub async fn peek(
    pool: &Db,
    token: &str,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<UserSummary, AppError> {
    let row: Option<UserRow> = sqlx::query_as(concat!(
        "SELECT ",
        user_columns!(),
        " FROM user_tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = $1 AND t.purpose = $2 AND t.used_at IS NULL AND t.expires_at > $3
           AND u.status = $4"
    ))
    .bind(token_hash(token))
    .bind(purpose.as_str())
    .bind(now)
    .bind(purpose.user_status())
    .fetch_optional(pool)
    .await?;
    row.ok_or_else(invalid_link)?.try_into()
}

/// Uses a token: marks it used and returns its user, or a `token` error when it is unknown,
/// used, expired, or its account is no longer in the right state. Atomic: of two concurrent
/// uses, exactly one succeeds.
pub async fn consume<'e>(
    db: impl PgExecutor<'e>,
    token: &str,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<UserId, AppError> {
    let user: Option<UserId> = sqlx::query_scalar(
        "UPDATE user_tokens t SET used_at = $3
         FROM users u
         WHERE t.token_hash = $1 AND t.purpose = $2 AND t.used_at IS NULL AND t.expires_at > $3
           AND u.id = t.user_id AND u.status = $4
         RETURNING t.user_id",
    )
    .bind(token_hash(token))
    .bind(purpose.as_str())
    .bind(now)
    .bind(purpose.user_status())
    .fetch_optional(db)
    .await?;
    user.ok_or_else(invalid_link)
}
