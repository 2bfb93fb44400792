//! All SQL for contact methods.

use crate::db::Db;
use chrono::{DateTime, Utc};

use super::{ContactKind, ContactMethod};
use crate::domain::{ContactMethodId, UserId};
use crate::error::AppError;

#[derive(sqlx::FromRow)]
struct Row {
    id: ContactMethodId,
    kind: String,
    address: String,
    label: String,
    verified: bool,
    stopped_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl TryFrom<Row> for ContactMethod {
    type Error = AppError;
    fn try_from(r: Row) -> Result<Self, AppError> {
        Ok(ContactMethod {
            id: r.id,
            kind: AppError::column("contact_methods.kind", &r.kind, ContactKind::parse(&r.kind))?,
            address: r.address,
            label: r.label,
            verified: r.verified,
            stopped_at: r.stopped_at,
            created_at: r.created_at,
        })
    }
}

pub async fn list(pool: &Db, user: UserId) -> Result<Vec<ContactMethod>, AppError> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, kind, address, label, verified, stopped_at, created_at FROM contact_methods
         WHERE user_id = $1 ORDER BY kind, created_at, id",
    )
    .bind(user)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(ContactMethod::try_from).collect()
}

/// A method to add.
pub struct NewMethod<'a> {
    pub kind: ContactKind,
    pub address: &'a str,
    pub label: &'a str,
    pub verified: bool,
    /// An ntfy access token, sealed with the keyring.
    pub sealed_secret: Option<&'a str>,
}

/// Adds a method (with its sealed secret, in the same statement) unless the user already has
/// `MAX_CONTACT_METHODS`. The sign-in email is verified already (the user proved it by
/// accepting an invite or by setup); phone numbers start unverified. Returns the new method.
pub async fn add(
    pool: &Db,
    user: UserId,
    m: NewMethod<'_>,
    now: DateTime<Utc>,
) -> Result<ContactMethod, AppError> {
    let NewMethod {
        kind,
        address,
        label,
        verified,
        sealed_secret,
    } = m;
    let row: Option<Row> = sqlx::query_as(
        "INSERT INTO contact_methods (id, user_id, kind, address, label, verified, created_at, secret)
         SELECT $1, $2, $3, $4, $5, $6, $7, $9
         WHERE (SELECT count(*) FROM contact_methods WHERE user_id = $2) < $8
         RETURNING id, kind, address, label, verified, stopped_at, created_at",
    )
    .bind(ContactMethodId::new())
    .bind(user)
    .bind(kind.as_str())
    .bind(address)
    .bind(label)
    .bind(verified)
    .bind(now)
    .bind(super::MAX_CONTACT_METHODS)
    .bind(sealed_secret)
    .fetch_optional(pool)
    .await?;
    row.map(ContactMethod::try_from).ok_or_else(|| {
        AppError::conflict(format!(
            "you already have {} contact methods; remove one first",
            super::MAX_CONTACT_METHODS
        ))
    })?
}

/// Removes one of the user's methods; `NotFound` when it is not theirs.
pub async fn remove(pool: &Db, user: UserId, id: ContactMethodId) -> Result<(), AppError> {
    let done = sqlx::query("DELETE FROM contact_methods WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user)
        .execute(pool)
        .await?;
    crate::error::found(done, "contact method")
}

/// A phone method's verification state, read for a verify or a resend.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Pending {
    pub address: String,
    pub kind: String,
    pub verified: bool,
    pub verify_hash: Option<String>,
    pub verify_expires_at: Option<DateTime<Utc>>,
    pub verify_attempts: i32,
    pub verify_sent_at: Option<DateTime<Utc>>,
}

impl Pending {
    /// The method's kind; an unknown one is an error naming the column.
    pub fn kind(&self) -> Result<ContactKind, AppError> {
        AppError::column(
            "contact_methods.kind",
            &self.kind,
            ContactKind::parse(&self.kind),
        )
    }
}

/// One of the user's methods, for verification; `NotFound` when it is not theirs.
pub async fn pending(pool: &Db, user: UserId, id: ContactMethodId) -> Result<Pending, AppError> {
    sqlx::query_as(
        "SELECT address, kind, verified, verify_hash, verify_expires_at, verify_attempts, verify_sent_at
         FROM contact_methods WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user)
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| AppError::NotFound {
        what: "contact method".into(),
    })
}

/// Records a test sent to method `id` (the same one-a-minute limit as codes).
pub async fn touch_sent(
    pool: &Db,
    id: ContactMethodId,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    sqlx::query("UPDATE contact_methods SET verify_sent_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(pool)
        .await?;
    Ok(())
}

/// Stores a new code's hash: valid until `expires`, attempts reset.
pub async fn set_code(
    pool: &Db,
    id: ContactMethodId,
    hash: &str,
    expires: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE contact_methods SET verify_hash = $2, verify_expires_at = $3, verify_attempts = 0,
                verify_sent_at = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(hash)
    .bind(expires)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// Counts a wrong code; returns the attempts made so far.
pub async fn wrong_code(pool: &Db, id: ContactMethodId) -> Result<i32, AppError> {
    Ok(sqlx::query_scalar(
        "UPDATE contact_methods SET verify_attempts = verify_attempts + 1 WHERE id = $1
         RETURNING verify_attempts",
    )
    .bind(id)
    .fetch_one(pool)
    .await?)
}

/// Marks the method verified, and the user's other phone kind at the same number (the number
/// is proven either way).
pub async fn mark_verified(pool: &Db, user: UserId, address: &str) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE contact_methods SET verified = true, verify_hash = NULL, verify_expires_at = NULL,
                verify_attempts = 0
         WHERE user_id = $1 AND address = $2 AND kind IN ('SMS', 'VOICE')",
    )
    .bind(user)
    .bind(address)
    .execute(pool)
    .await?;
    Ok(())
}

/// Whether the user has already verified this number (as SMS or VOICE).
pub async fn number_verified(pool: &Db, user: UserId, address: &str) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM contact_methods
                        WHERE user_id = $1 AND address = $2 AND kind IN ('SMS', 'VOICE') AND verified)",
    )
    .bind(user)
    .bind(address)
    .fetch_one(pool)
    .await?)
}
