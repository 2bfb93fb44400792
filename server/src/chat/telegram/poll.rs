//! Telegram updates by long polling `getUpdates`, for servers without a public https URL.
//! One instance polls at a time (Telegram answers 409 to a second poller): the one holding a
//! session-level advisory lock. `offset` is the last update id + 1, which also confirms the
//! updates handled.

use std::sync::Arc;
use std::time::Duration;

use app::state::AppState;
use serde_json::json;

use super::{api, inbound};
use crate::chat::config::TelegramConfig;
use crate::outbound::Outbound;

/// The advisory lock key of the poller.
const LOCK: i64 = 0x7e1e_9a40;
/// How long one getUpdates waits for an update.
const WAIT_SECS: u64 = 25;

/// Polls until the task is aborted.
pub async fn run(state: AppState, out: Outbound, tg: Arc<TelegramConfig>) {
    loop {
        match lead_and_poll(&state, &out, &tg).await {
            Ok(()) => {}
            Err(e) => tracing::warn!(error = %e, "Telegram polling stopped; trying again"),
        }
        tokio::time::sleep(Duration::from_secs(15)).await;
    }
}

async fn lead_and_poll(
    state: &AppState,
    out: &Outbound,
    tg: &TelegramConfig,
) -> anyhow::Result<()> {
    let mut conn = state.pool.sessions().acquire().await?;
    let leader: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(LOCK)
        .fetch_one(&mut *conn)
        .await?;
    if !leader {
        return Ok(());
    }
    // getUpdates does not work while a webhook is set.
    let (deleted, _) = api::call(
        out,
        tg,
        "deleteWebhook",
        &json!({}),
        Duration::from_secs(10),
    )
    .await;
    if let Err(a) = deleted {
        anyhow::bail!("deleteWebhook: {a:?}");
    }
    tracing::info!("Telegram: polling getUpdates on this instance");
    let mut offset: Option<i64> = None;
    loop {
        let body = json!({"offset": offset, "timeout": WAIT_SECS,
            "allowed_updates": ["message", "callback_query"]});
        let (got, _) = api::call(
            out,
            tg,
            "getUpdates",
            &body,
            Duration::from_secs(WAIT_SECS + 10),
        )
        .await;
        let updates = match got {
            Ok(v) => v.as_array().cloned().unwrap_or_default(),
            Err(a) => {
                tracing::warn!(answer = ?a, "getUpdates failed");
                tokio::time::sleep(Duration::from_secs(5)).await;
                continue;
            }
        };
        for u in &updates {
            inbound::handle(state, out, tg, u).await;
            if let Some(id) = u["update_id"].as_i64() {
                offset = Some(offset.map_or(id + 1, |o| o.max(id + 1)));
            }
        }
        // Keep the lock's connection alive and ours.
        sqlx::query("SELECT 1").execute(&mut *conn).await?;
    }
}

/// Registers our webhook with Telegram (webhook mode), with the secret token it must echo.
pub async fn set_webhook(
    state: &AppState,
    out: &Outbound,
    tg: &TelegramConfig,
) -> anyhow::Result<()> {
    let body = json!({
        "url": format!("{}/api/telegram/webhook", state.public_url),
        "secret_token": inbound::webhook_secret(&state.keys, tg),
        "allowed_updates": ["message", "callback_query"],
        "max_connections": 10,
    });
    match api::call(out, tg, "setWebhook", &body, Duration::from_secs(15))
        .await
        .0
    {
        Ok(_) => Ok(()),
        Err(a) => anyhow::bail!("setWebhook: {a:?}"),
    }
}

/// The bot's username (getMe), saved for the profile's t.me link.
pub async fn remember_username(
    state: &AppState,
    out: &Outbound,
    tg: &TelegramConfig,
) -> anyhow::Result<String> {
    let me = match api::call(out, tg, "getMe", &json!({}), Duration::from_secs(15))
        .await
        .0
    {
        Ok(v) => v,
        Err(a) => anyhow::bail!("getMe: {a:?}"),
    };
    let name = me["username"].as_str().unwrap_or_default().to_owned();
    app::channels::links::save_bot_username(&state.pool, &name, state.clock.now()).await?;
    Ok(name)
}
