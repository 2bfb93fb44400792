//! All SQL for the chat apps' saved credentials: `settings` rows `chat.slack` and
//! `chat.telegram`, every secret sealed with the keyring.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::SlackCreds;
use crate::db::Db;
use crate::domain::UserId;
use crate::error::AppError;
use crate::secrets::Keyring;

pub const SLACK: &str = "chat.slack";
pub const TELEGRAM: &str = "chat.telegram";

#[derive(Serialize, Deserialize)]
struct StoredSlack {
    bot_token_enc: String,
    signing_secret_enc: String,
}

#[derive(Serialize, Deserialize)]
struct StoredTelegram {
    bot_token_enc: String,
}

fn open(keys: &Keyring, what: &str, sealed: &str) -> Result<String, AppError> {
    keys.decrypt(sealed).map_err(|e| AppError::Internal {
        message: format!("stored chat settings ({what}) unreadable: {e}"),
    })
}

fn shape(what: &str, e: serde_json::Error) -> AppError {
    AppError::Internal {
        message: format!("stored chat settings ({what}) unreadable: {e}"),
    }
}

/// What is saved: Slack's credentials, Telegram's token, and a version that changes with every
/// save (for the server's cache).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Saved {
    pub slack: Option<SlackCreds>,
    pub telegram: Option<String>,
    pub version: String,
}

pub async fn load(pool: &Db, keys: &Keyring) -> Result<Saved, AppError> {
    let rows: Vec<(String, serde_json::Value, String)> = sqlx::query_as(
        "SELECT key, value, updated_at::text FROM settings WHERE key IN ($1, $2) ORDER BY key",
    )
    .bind(SLACK)
    .bind(TELEGRAM)
    .fetch_all(pool)
    .await?;
    let mut saved = Saved::default();
    for (key, value, at) in rows {
        saved.version.push_str(&format!("{key}@{at};"));
        if key == SLACK {
            let s: StoredSlack = serde_json::from_value(value).map_err(|e| shape(SLACK, e))?;
            saved.slack = Some(SlackCreds {
                bot_token: open(keys, "Slack bot token", &s.bot_token_enc)?,
                signing_secret: open(keys, "Slack signing secret", &s.signing_secret_enc)?,
            });
        } else {
            let t: StoredTelegram =
                serde_json::from_value(value).map_err(|e| shape(TELEGRAM, e))?;
            saved.telegram = Some(open(keys, "Telegram bot token", &t.bot_token_enc)?);
        }
    }
    Ok(saved)
}

pub async fn save_slack(
    db: impl sqlx::PgExecutor<'_>,
    keys: &Keyring,
    creds: &SlackCreds,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let stored = StoredSlack {
        bot_token_enc: keys.encrypt(&creds.bot_token),
        signing_secret_enc: keys.encrypt(&creds.signing_secret),
    };
    let value = serde_json::to_value(stored).map_err(|e| shape(SLACK, e))?;
    crate::settings::store::put(db, SLACK, value, by, now).await
}

pub async fn save_telegram(
    db: impl sqlx::PgExecutor<'_>,
    keys: &Keyring,
    token: &str,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let value = serde_json::to_value(StoredTelegram {
        bot_token_enc: keys.encrypt(token),
    })
    .map_err(|e| shape(TELEGRAM, e))?;
    crate::settings::store::put(db, TELEGRAM, value, by, now).await
}
