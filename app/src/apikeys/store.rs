//! All SQL for API keys, and key generation.

use crate::db::Db;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sqlx::PgExecutor;

use super::{ApiKeySummary, CreatedApiKey, NewApiKey};
use crate::domain::{ApiKeyId, Scope, UserId};
use crate::error::AppError;
use crate::users::UserSummary;
use crate::users::store::{UserRow, user_columns};

/// A fresh key `ok_<8 prefix chars>_<43 secret chars>` and its visible prefix.
pub fn generate() -> (String, String) {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    let mut prefix = String::from("ok_");
    for _ in 0..8 {
        prefix.push(ALPHABET[(rng.next_u32() as usize) % ALPHABET.len()] as char);
    }
    let mut secret = [0u8; 32];
    rng.fill_bytes(&mut secret);
    let key = format!("{prefix}_{}", URL_SAFE_NO_PAD.encode(secret));
    (key, prefix)
}

fn scopes_to_text(scopes: &[Scope]) -> Vec<String> {
    scopes.iter().map(|s| s.as_str().to_owned()).collect()
}

fn scopes_from_text(raw: Vec<String>) -> Vec<Scope> {
    raw.iter().filter_map(|s| Scope::parse(s)).collect()
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    id: ApiKeyId,
    name: String,
    prefix: String,
    scopes: Vec<String>,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl From<KeyRow> for ApiKeySummary {
    fn from(r: KeyRow) -> Self {
        ApiKeySummary {
            id: r.id,
            name: r.name,
            prefix: r.prefix,
            scopes: scopes_from_text(r.scopes),
            created_at: r.created_at,
            expires_at: r.expires_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        }
    }
}

/// The columns of a `KeyRow`, for `concat!` into static SQL.
macro_rules! key_columns {
    () => {
        "id, name, prefix, scopes, created_at, expires_at, last_used_at, revoked_at"
    };
}

/// Creates a key for `user`; the secret is only in the return value. The caller audits.
pub async fn create<'e>(
    db: impl PgExecutor<'e>,
    user: UserId,
    new: &NewApiKey,
    now: DateTime<Utc>,
) -> Result<CreatedApiKey, AppError> {
    let expires_at = new.expires_in_days.map(|d| now + Duration::days(d));
    let (secret, prefix) = generate();
    let row: KeyRow = sqlx::query_as(concat!(
        "INSERT INTO api_keys (id, user_id, name, prefix, secret_hash, scopes, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ",
        key_columns!()
    ))
    .bind(ApiKeyId::new())
    .bind(user)
    .bind(&new.name)
    .bind(&prefix)
    .bind(crate::auth::session::token_hash(&secret))
    .bind(scopes_to_text(&new.scopes))
    .bind(now)
    .bind(expires_at)
    .fetch_one(db)
    .await?;
    Ok(CreatedApiKey {
        key: row.into(),
        secret,
    })
}

/// The user's keys, newest first (revoked ones included, marked).
pub async fn list_for_user(pool: &Db, user: UserId) -> Result<Vec<ApiKeySummary>, AppError> {
    let rows: Vec<KeyRow> = sqlx::query_as(concat!(
        "SELECT ",
        key_columns!(),
        " FROM api_keys WHERE user_id = $1 ORDER BY created_at DESC, id LIMIT 200"
    ))
    .bind(user)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Revokes a key. `owner` limits it to that user's keys (`None`: any key, for admins).
/// Returns the revoked key's name, or `None` when no live key matched.
pub async fn revoke<'e>(
    db: impl PgExecutor<'e>,
    id: ApiKeyId,
    owner: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<Option<String>, AppError> {
    Ok(sqlx::query_scalar(
        "UPDATE api_keys SET revoked_at = $3
         WHERE id = $1 AND ($2::uuid IS NULL OR user_id = $2) AND revoked_at IS NULL
         RETURNING name",
    )
    .bind(id)
    .bind(owner)
    .bind(now)
    .fetch_optional(db)
    .await?)
}

#[derive(sqlx::FromRow)]
struct AuthRow {
    key_id: ApiKeyId,
    scopes: Vec<String>,
    last_used_at: Option<DateTime<Utc>>,
    #[sqlx(flatten)]
    user: UserRow,
}

/// The key and owner for a presented key's hash: not revoked, not expired, owner ACTIVE. One
/// indexed read; `last_used_at` is refreshed at most once a minute.
pub async fn authenticate(
    pool: &Db,
    secret_hash: &[u8],
    now: DateTime<Utc>,
) -> Result<Option<(ApiKeyId, Vec<Scope>, UserSummary)>, AppError> {
    let row: Option<AuthRow> = sqlx::query_as(concat!(
        "SELECT k.id AS key_id, k.scopes, k.last_used_at, ",
        user_columns!(),
        " FROM api_keys k JOIN users u ON u.id = k.user_id
         WHERE k.secret_hash = $1 AND k.revoked_at IS NULL
           AND (k.expires_at IS NULL OR k.expires_at > $2) AND u.status = 'ACTIVE'"
    ))
    .bind(secret_hash)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    if row
        .last_used_at
        .is_none_or(|t| now - t > Duration::minutes(1))
    {
        sqlx::query("UPDATE api_keys SET last_used_at = $2 WHERE id = $1")
            .bind(row.key_id)
            .bind(now)
            .execute(pool)
            .await?;
    }
    Ok(Some((
        row.key_id,
        scopes_from_text(row.scopes),
        row.user.try_into()?,
    )))
}
