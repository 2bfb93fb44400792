//! All SQL for users.

use crate::db::Db;
use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use super::{NewUser, UserStatus, UserSummary};
use crate::domain::{Role, TeamId, UserId};
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
    service_team_id: Option<TeamId>,
}

impl TryFrom<UserRow> for UserSummary {
    type Error = AppError;
    fn try_from(r: UserRow) -> Result<Self, AppError> {
        let role = AppError::column("users.role", &r.role, Role::parse(&r.role))?;
        Ok(UserSummary {
            id: r.id,
            email: r.email,
            name: r.name,
            role,
            status: r.status,
            time_zone: r.time_zone,
            created_at: r.created_at,
            service_team_id: r.service_team_id,
        })
    }
}

pub async fn count(pool: &Db) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(pool)
        .await?)
}

/// The column list matching `UserRow` (table alias `u`), for `concat!` into static SQL.
macro_rules! user_columns {
    () => {
        "u.id, u.email, u.name, u.role, u.status, u.time_zone, u.created_at, u.service_team_id"
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

/// Inserts an INVITED user without a password. A duplicate email is reported on `email`.
pub async fn insert_invited<'e>(
    db: impl PgExecutor<'e>,
    user: &NewUser,
    now: DateTime<Utc>,
) -> Result<UserSummary, AppError> {
    let row: UserRow = sqlx::query_as(concat!(
        "INSERT INTO users AS u (id, email, name, role, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'INVITED', $5, $5)
         RETURNING ",
        user_columns!()
    ))
    .bind(UserId::new())
    .bind(user.email.as_str())
    .bind(&user.name)
    .bind(user.role.as_str())
    .bind(now)
    .fetch_one(db)
    .await?;
    row.try_into()
}

pub async fn get<'e>(db: impl PgExecutor<'e>, id: UserId) -> Result<UserSummary, AppError> {
    let row: Option<UserRow> = sqlx::query_as(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users u WHERE u.id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.ok_or_else(|| AppError::NotFound {
        what: "user".into(),
    })?
    .try_into()
}

/// One page of people ordered by name, optionally filtered by a name or email substring.
/// Teams' service accounts are not people: the directory and every user picker leave them out.
pub async fn list(
    pool: &Db,
    query: &str,
    page: i64,
    per_page: i64,
) -> Result<(Vec<UserSummary>, i64), AppError> {
    let pattern = crate::sql::contains_pattern(query);
    let rows: Vec<UserRow> = sqlx::query_as(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users u WHERE u.service_team_id IS NULL AND (lower(u.name) LIKE $1 OR u.email LIKE $1)
         ORDER BY lower(u.name), u.id LIMIT $2 OFFSET $3"
    ))
    .bind(&pattern)
    .bind(per_page)
    .bind((page - 1) * per_page)
    .fetch_all(pool)
    .await?;
    let total: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM users u
         WHERE u.service_team_id IS NULL AND (lower(u.name) LIKE $1 OR u.email LIKE $1)",
    )
    .bind(&pattern)
    .fetch_one(pool)
    .await?;
    let users = rows
        .into_iter()
        .map(TryInto::try_into)
        .collect::<Result<_, _>>()?;
    Ok((users, total))
}

/// Locks the active admins (so concurrent demotions serialise) and counts them.
pub async fn lock_active_admins(tx: &mut sqlx::PgConnection) -> Result<i64, AppError> {
    let ids: Vec<UserId> = sqlx::query_scalar(
        "SELECT id FROM users WHERE role = 'ADMIN' AND status = 'ACTIVE' ORDER BY id FOR UPDATE",
    )
    .fetch_all(&mut *tx)
    .await?;
    Ok(ids.len() as i64)
}

/// Sets role and status. Returns the updated user.
pub async fn set_role_and_status<'e>(
    db: impl PgExecutor<'e>,
    id: UserId,
    role: Role,
    status: UserStatus,
    now: DateTime<Utc>,
) -> Result<UserSummary, AppError> {
    let row: UserRow = sqlx::query_as(concat!(
        "UPDATE users AS u SET role = $2, status = $3, updated_at = $4 WHERE u.id = $1 RETURNING ",
        user_columns!()
    ))
    .bind(id)
    .bind(role.as_str())
    .bind(status)
    .bind(now)
    .fetch_one(db)
    .await?;
    row.try_into()
}

/// Sets the password hash and makes the account ACTIVE (accepting an invite, or a reset).
pub async fn set_password<'e>(
    db: impl PgExecutor<'e>,
    id: UserId,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<UserSummary, AppError> {
    let row: UserRow = sqlx::query_as(concat!(
        "UPDATE users AS u SET password_hash = $2, status = 'ACTIVE', updated_at = $3
         WHERE u.id = $1 RETURNING ",
        user_columns!()
    ))
    .bind(id)
    .bind(password_hash)
    .bind(now)
    .fetch_one(db)
    .await?;
    row.try_into()
}

/// Updates the caller-editable profile fields.
pub async fn update_profile(
    pool: &Db,
    id: UserId,
    name: &str,
    time_zone: &str,
    now: DateTime<Utc>,
) -> Result<UserSummary, AppError> {
    let row: UserRow = sqlx::query_as(concat!(
        "UPDATE users AS u SET name = $2, time_zone = $3, updated_at = $4 WHERE u.id = $1 RETURNING ",
        user_columns!()
    ))
    .bind(id)
    .bind(name)
    .bind(time_zone)
    .bind(now)
    .fetch_one(pool)
    .await?;
    row.try_into()
}

/// The stored password hash of a user, if any.
pub async fn password_hash(pool: &Db, id: UserId) -> Result<Option<String>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?
            .flatten(),
    )
}

/// An ACTIVE person (never a service account) by (normalised) email.
pub async fn find_active_by_email(pool: &Db, email: &str) -> Result<Option<UserSummary>, AppError> {
    let row: Option<UserRow> = sqlx::query_as(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users u WHERE u.email = $1 AND u.status = 'ACTIVE' AND u.service_team_id IS NULL"
    ))
    .bind(email)
    .fetch_optional(pool)
    .await?;
    row.map(TryInto::try_into).transpose()
}
