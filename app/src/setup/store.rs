//! All SQL for first-run setup: setup codes and the atomic creation of the first admin.

use crate::db::Db;
use chrono::{DateTime, Utc};
use rand::Rng;
use sha2::{Digest, Sha256};

use super::{CODE_ALPHABET, CODE_LEN, normalize_code};
use crate::error::AppError;
use crate::users::{NewUser, UserSummary, store as users};

/// Serialises setup attempts (pg_advisory_xact_lock key).
const SETUP_LOCK: i64 = 0x6f70_736b_0001;

fn code_hash(code: &str) -> String {
    hex::encode(Sha256::digest(normalize_code(code).as_bytes()))
}

/// Formats a canonical code as `XXXX-XXXX-XXXX` for display.
fn display(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// When no user exists, stores the hash of a fresh setup code and returns the code to log.
/// Codes from other instances (or earlier starts) stay valid until setup completes.
pub async fn issue_code(pool: &Db, now: DateTime<Utc>) -> Result<Option<String>, AppError> {
    if users::count(pool).await? > 0 {
        return Ok(None);
    }
    let code: String = {
        let mut rng = rand::thread_rng();
        (0..CODE_LEN)
            .map(|_| CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())] as char)
            .collect()
    };
    sqlx::query("INSERT INTO setup_codes (code_hash, created_at) VALUES ($1, $2)")
        .bind(code_hash(&code))
        .bind(now)
        .execute(pool)
        .await?;
    Ok(Some(display(&code)))
}

/// Creates the first admin if, and only if, no user exists and `code` is a live setup code.
pub async fn complete(
    pool: &Db,
    code: &str,
    user: &NewUser,
    password_hash: &str,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<UserSummary, AppError> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(SETUP_LOCK)
        .execute(&mut *tx)
        .await?;
    let existing: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&mut *tx)
        .await?;
    if existing > 0 {
        return Err(AppError::conflict(
            "setup is already complete; sign in instead",
        ));
    }
    let valid: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM setup_codes WHERE code_hash = $1)")
            .bind(code_hash(code))
            .fetch_one(&mut *tx)
            .await?;
    if !valid {
        return Err(AppError::invalid(
            "code",
            "not a valid setup code; copy it from the server log",
        ));
    }
    let created = users::insert(&mut *tx, user, password_hash, now).await?;
    sqlx::query("DELETE FROM setup_codes")
        .execute(&mut *tx)
        .await?;
    crate::audit::store::record(
        &mut *tx,
        crate::audit::store::Entry {
            at: now,
            actor: Some(created.id),
            action: "setup.admin_created",
            target: Some(&created.email),
            ip,
            details: serde_json::json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(created)
}
