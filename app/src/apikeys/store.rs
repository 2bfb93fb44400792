//! All SQL for API keys (personal and team keys alike), and key generation.

use crate::db::Db;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sqlx::PgExecutor;

use super::{ApiKeySummary, CreatedApiKey, KeyOwner, NewApiKey};
use crate::domain::{ApiKeyId, Scope, TeamId, UserId};
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

/// The stored scopes; one the code does not know is an error naming the column.
fn scopes_from_text(raw: Vec<String>) -> Result<Vec<Scope>, AppError> {
    raw.iter()
        .map(|s| AppError::column("api_keys.scopes", s, Scope::parse(s)))
        .collect()
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
    owner_id: UserId,
    owner_name: String,
    owner_email: String,
    owner_team_id: Option<TeamId>,
    created_by: Option<UserId>,
    created_by_name: Option<String>,
}

impl TryFrom<KeyRow> for ApiKeySummary {
    type Error = AppError;
    fn try_from(r: KeyRow) -> Result<Self, AppError> {
        Ok(ApiKeySummary {
            id: r.id,
            name: r.name,
            prefix: r.prefix,
            scopes: scopes_from_text(r.scopes)?,
            created_at: r.created_at,
            expires_at: r.expires_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
            owner: KeyOwner {
                user_id: r.owner_id,
                name: r.owner_name,
                email: r.owner_email,
                team_id: r.owner_team_id,
            },
            created_by: r.created_by,
            created_by_name: r.created_by_name,
        })
    }
}

/// A key's columns with its owner (a team key's owner named by its team) and creator, for
/// `concat!` into static SQL: `SELECT key_columns FROM api_keys k key_joins WHERE …`.
macro_rules! key_columns {
    () => {
        "k.id, k.name, k.prefix, k.scopes, k.created_at, k.expires_at, k.last_used_at,
         k.revoked_at, k.user_id AS owner_id, COALESCE(t.name, o.name) AS owner_name,
         o.email AS owner_email, o.service_team_id AS owner_team_id, k.created_by,
         c.name AS created_by_name"
    };
}

/// The joins `key_columns` reads from (the key is `k`).
macro_rules! key_joins {
    () => {
        " JOIN users o ON o.id = k.user_id
          LEFT JOIN teams t ON t.id = o.service_team_id
          LEFT JOIN users c ON c.id = k.created_by "
    };
}

/// Creates a key owned and made by `user`; the secret is only in the return value. The
/// caller audits.
pub async fn create<'e>(
    db: impl PgExecutor<'e>,
    user: UserId,
    new: &NewApiKey,
    now: DateTime<Utc>,
) -> Result<CreatedApiKey, AppError> {
    create_as(db, user, user, new, now).await
}

/// Creates a key acting as `owner` (a person, or a team's service account), made by
/// `created_by`, in one statement; the secret is only in the return value. The caller audits.
pub async fn create_as<'e>(
    db: impl PgExecutor<'e>,
    owner: UserId,
    created_by: UserId,
    new: &NewApiKey,
    now: DateTime<Utc>,
) -> Result<CreatedApiKey, AppError> {
    let expires_at = new.expires_in_days.map(|d| now + Duration::days(d));
    let (secret, prefix) = generate();
    let row: KeyRow = sqlx::query_as(concat!(
        "WITH k AS (
           INSERT INTO api_keys (id, user_id, name, prefix, secret_hash, scopes, created_at, expires_at, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *)
         SELECT ",
        key_columns!(),
        " FROM k",
        key_joins!()
    ))
    .bind(ApiKeyId::new())
    .bind(owner)
    .bind(&new.name)
    .bind(&prefix)
    .bind(crate::auth::session::token_hash(&secret))
    .bind(scopes_to_text(&new.scopes))
    .bind(now)
    .bind(expires_at)
    .bind(created_by)
    .fetch_one(db)
    .await?;
    Ok(CreatedApiKey {
        key: row.try_into()?,
        secret,
    })
}

/// One key by id (any owner); `NotFound` when there is none.
pub async fn get<'e>(db: impl PgExecutor<'e>, id: ApiKeyId) -> Result<ApiKeySummary, AppError> {
    let row: Option<KeyRow> = sqlx::query_as(concat!(
        "SELECT ",
        key_columns!(),
        " FROM api_keys k",
        key_joins!(),
        "WHERE k.id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.ok_or_else(|| AppError::NotFound {
        what: "API key".into(),
    })?
    .try_into()
}

/// The user's keys, newest first (revoked ones included, marked).
pub async fn list_for_user(pool: &Db, user: UserId) -> Result<Vec<ApiKeySummary>, AppError> {
    let rows: Vec<KeyRow> = sqlx::query_as(concat!(
        "SELECT ",
        key_columns!(),
        " FROM api_keys k",
        key_joins!(),
        "WHERE k.user_id = $1 ORDER BY k.created_at DESC, k.id DESC LIMIT 200"
    ))
    .bind(user)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// Where a page of keys starts: after the key created at `created_at` with `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: DateTime<Utc>,
    pub id: ApiKeyId,
}

impl Cursor {
    /// The cursor after `key`, as text (`<microseconds>_<id>`).
    pub fn after(key: &ApiKeySummary) -> String {
        format!("{}_{}", key.created_at.timestamp_micros(), key.id)
    }

    /// A cursor given back as text; `None` when it is not one `after` made.
    pub fn parse(raw: &str) -> Option<Cursor> {
        let (micros, id) = raw.split_once('_')?;
        Some(Cursor {
            created_at: DateTime::from_timestamp_micros(micros.parse().ok()?)?,
            id: id.parse().ok()?,
        })
    }
}

/// Which keys a list shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter {
    /// Only this user's keys (a person, or a service account).
    pub owner: Option<UserId>,
    /// Only this team's keys.
    pub team: Option<TeamId>,
    /// Only keys that work: not revoked, not expired at `now`.
    pub live_only: bool,
    pub before: Option<Cursor>,
}

/// Up to `limit` keys matching `filter`, newest first.
pub async fn list(
    pool: &Db,
    filter: Filter,
    limit: i64,
    now: DateTime<Utc>,
) -> Result<Vec<ApiKeySummary>, AppError> {
    let rows: Vec<KeyRow> = sqlx::query_as(concat!(
        "SELECT ",
        key_columns!(),
        " FROM api_keys k",
        key_joins!(),
        "WHERE ($1::uuid IS NULL OR k.user_id = $1)
           AND ($2::uuid IS NULL OR o.service_team_id = $2)
           AND (NOT $3 OR (k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > $4)))
           AND ($5::timestamptz IS NULL OR (k.created_at, k.id) < ($5, $6))
         ORDER BY k.created_at DESC, k.id DESC LIMIT $7"
    ))
    .bind(filter.owner)
    .bind(filter.team)
    .bind(filter.live_only)
    .bind(now)
    .bind(filter.before.map(|c| c.created_at))
    .bind(filter.before.map(|c| c.id))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// Revokes a key. `owner` limits it to that user's keys (`None`: any key, for admins).
/// Returns the revoked key's name and owner, or `None` when no live key matched.
pub async fn revoke<'e>(
    db: impl PgExecutor<'e>,
    id: ApiKeyId,
    owner: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<Option<(String, UserId)>, AppError> {
    Ok(sqlx::query_as(
        "UPDATE api_keys SET revoked_at = $3
         WHERE id = $1 AND ($2::uuid IS NULL OR user_id = $2) AND revoked_at IS NULL
         RETURNING name, user_id",
    )
    .bind(id)
    .bind(owner)
    .bind(now)
    .fetch_optional(db)
    .await?)
}

/// Revokes one of `team`'s keys. Returns its name, or `None` when the team has no such
/// live key.
pub async fn revoke_team_key<'e>(
    db: impl PgExecutor<'e>,
    team: TeamId,
    id: ApiKeyId,
    now: DateTime<Utc>,
) -> Result<Option<String>, AppError> {
    Ok(sqlx::query_scalar(
        "UPDATE api_keys k SET revoked_at = $3 FROM users o
         WHERE k.id = $1 AND o.id = k.user_id AND o.service_team_id = $2 AND k.revoked_at IS NULL
         RETURNING k.name",
    )
    .bind(id)
    .bind(team)
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
        scopes_from_text(row.scopes)?,
        row.user.try_into()?,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_what_they_did_not_make() {
        let at = DateTime::from_timestamp_micros(1_780_000_000_123_456).unwrap();
        let id = ApiKeyId::new();
        let text = format!("{}_{id}", at.timestamp_micros());
        assert_eq!(Cursor::parse(&text), Some(Cursor { created_at: at, id }));
        for bad in [
            "",
            "nope",
            "12_not-a-uuid",
            &format!("x_{id}"),
            &id.to_string(),
        ] {
            assert_eq!(Cursor::parse(bad), None, "{bad}");
        }
    }
}
