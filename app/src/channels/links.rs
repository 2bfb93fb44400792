//! One-time codes that link a chat account to a person (Telegram's `/start <code>`): issued on
//! the profile, 15 minutes, stored as SHA-256, consumed atomically; and linking a Telegram
//! chat, which also makes it the person's TELEGRAM contact method.

use chrono::{DateTime, Utc};

use super::ChatProvider;
use crate::db::Db;
use crate::domain::UserId;
use crate::error::AppError;

/// How long a code works.
pub const CODE_MINUTES: i64 = 15;

fn hash(code: &str) -> String {
    hex::encode(crate::auth::session::token_hash(code.trim()))
}

/// A new code for `user` (their older unused codes for `provider` stop working).
pub async fn issue(
    pool: &Db,
    user: UserId,
    provider: ChatProvider,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let code = crate::auth::session::new_token();
    let mut tx = pool.begin().await?;
    sqlx::query(
        "DELETE FROM chat_link_codes WHERE user_id = $1 AND provider = $2 AND used_at IS NULL",
    )
    .bind(user)
    .bind(provider.as_str())
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO chat_link_codes (code_hash, user_id, provider, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(hash(&code))
    .bind(user)
    .bind(provider.as_str())
    .bind(now + chrono::Duration::minutes(CODE_MINUTES))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(code)
}

/// Links Telegram user `tg_user` (whose private chat with the bot is `chat_id`) to the owner
/// of `code`, once: the link for button presses, and the TELEGRAM contact method pages go to.
/// Returns the person's name, or None when the code is unknown, used or expired.
pub async fn link_telegram(
    pool: &Db,
    code: &str,
    tg_user: i64,
    chat_id: i64,
    now: DateTime<Utc>,
) -> Result<Option<String>, AppError> {
    let mut tx = pool.begin().await?;
    let user: Option<(UserId, String)> = sqlx::query_as(
        "UPDATE chat_link_codes c SET used_at = $2
         FROM users u
         WHERE c.code_hash = $1 AND c.provider = 'TELEGRAM' AND c.used_at IS NULL
           AND c.expires_at > $2 AND u.id = c.user_id AND u.status = 'ACTIVE'
         RETURNING u.id, u.name",
    )
    .bind(hash(code))
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((user, name)) = user else {
        return Ok(None);
    };
    super::messages::link(
        &mut *tx,
        ChatProvider::Telegram,
        &tg_user.to_string(),
        user,
        now,
    )
    .await?;
    // One Telegram chat per person: a new link replaces the old one.
    sqlx::query("DELETE FROM contact_methods WHERE user_id = $1 AND kind = 'TELEGRAM'")
        .bind(user)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO contact_methods (id, user_id, kind, address, label, verified, created_at)
         VALUES ($1, $2, 'TELEGRAM', $3, 'Telegram', true, $4)",
    )
    .bind(crate::domain::ContactMethodId::new())
    .bind(user)
    .bind(chat_id.to_string())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(name))
}

/// The settings row where the server keeps the Telegram bot's username (from getMe).
pub const BOT_SETTING: &str = "telegram.bot";

/// Saves the bot's username, for the profile's `t.me/<bot>?start=<code>` link.
pub async fn save_bot_username(
    pool: &Db,
    username: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, jsonb_build_object('username', $2::text), $3)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at",
    )
    .bind(BOT_SETTING)
    .bind(username)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// The bot's username, once a server with the bot has started.
pub async fn bot_username(pool: &Db) -> Result<Option<String>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT value->>'username' FROM settings WHERE key = $1")
            .bind(BOT_SETTING)
            .fetch_optional(pool)
            .await?
            .flatten()
            .filter(|u: &String| !u.is_empty()),
    )
}
