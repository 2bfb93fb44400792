//! All SQL for users.

use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, PgPool};

use super::{NewUser, UserStatus, UserSummary};
use crate::domain::{Role, UserId};
use crate::error::AppError;

/// The columns of a `UserSummary`; other stores flatten it into their own rows.
#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: UserId,
    email: String,
    name: String,
    role: String,
    status: UserStatus,
    time_zone: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<UserRow> for UserSummary {
    type Error = AppError;
    fn try_from(r: UserRow) -> Result<Self, AppError> {
        let role = Role::parse(&r.role).ok_or_else(|| AppError::Internal {
            message: format!("unknown role {:?} in users table", r.role),
        })?;
        Ok(UserSummary {
            id: r.id,
            email: r.email,
            name: r.name,
            role,
            status: r.status,
            time_zone: r.time_zone,
            created_at: r.created_at,
        })
    }
}

pub async fn count(pool: &PgPool) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(pool)
        .await?)
}

/// The column list matching `UserRow` (table alias `u`), for `concat!` into static SQL.
macro_rules! user_columns {
    () => {
        "u.id, u.email, u.name, u.role, u.status, u.time_zone, u.created_at"
    };
}
pub(crate) use user_columns;

/// Inserts an ACTIVE user. A duplicate email is reported on the `email` field.
pub async fn insert<'e>(
    db: impl PgExecutor<'e>,
    user: &NewUser,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<UserSummary, AppError> {
    let row: UserRow = sqlx::query_as(concat!(
        "INSERT INTO users AS u (id, email, name, role, status, password_hash, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'ACTIVE', $5, $6, $6)
         RETURNING ",
        user_columns!()
    ))
    .bind(UserId::new())
    .bind(user.email.as_str())
    .bind(&user.name)
    .bind(user.role.as_str())
    .bind(password_hash)
    .bind(now)
    .fetch_one(db)
    .await?;
    row.try_into()
}
