//! Server functions for the chat apps' credentials (ADMIN; keys need `admin`). Secrets are
//! write-only (null keeps the saved one); changes are audited and taken up by every instance
//! within seconds, without a restart.

use leptos::prelude::*;

use super::ChatView;
use crate::error::AppError;

#[cfg(feature = "ssr")]
async fn admin() -> Result<(crate::auth::caller::Caller, crate::state::AppState), AppError> {
    let caller = crate::auth::caller::authorize(crate::domain::Access::Admin).await?;
    Ok((caller, crate::state::app_state()?))
}

#[cfg(feature = "ssr")]
async fn view(state: &crate::state::AppState) -> Result<ChatView, AppError> {
    let saved = super::store::load(&state.pool, &state.keys).await?;
    Ok(ChatView {
        slack_saved: saved.slack.is_some(),
        telegram_saved: saved.telegram.is_some(),
    })
}

/// `POST /api/settings/chat` → which chat apps are saved here.
#[server(prefix = "/api", endpoint = "settings/chat", input = server_fn::codec::Json)]
pub async fn get_chat_settings() -> Result<ChatView, AppError> {
    let (_, state) = admin().await?;
    view(&state).await
}

/// `POST /api/settings/chat/slack` with `{"bot_token","signing_secret"}` (either null keeps
/// the saved one; both are needed the first time) → the view.
#[server(prefix = "/api", endpoint = "settings/chat/slack", input = server_fn::codec::Json)]
pub async fn save_slack_settings(
    bot_token: Option<String>,
    signing_secret: Option<String>,
) -> Result<ChatView, AppError> {
    let (caller, state) = admin().await?;
    let kept = super::store::load(&state.pool, &state.keys).await?.slack;
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let bot_token = match (given(&bot_token), &kept) {
        (Some(t), _) => super::check_slack_token(&t)
            .map_err(|m| AppError::invalid("bot_token", m))?
            .to_owned(),
        (None, Some(k)) => k.bot_token.clone(),
        (None, None) => return Err(AppError::invalid("bot_token", "is required")),
    };
    let signing_secret = match (given(&signing_secret), &kept) {
        (Some(s), _) => super::check_slack_secret(&s)
            .map_err(|m| AppError::invalid("signing_secret", m))?
            .to_owned(),
        (None, Some(k)) => k.signing_secret.clone(),
        (None, None) => return Err(AppError::invalid("signing_secret", "is required")),
    };
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let creds = super::SlackCreds {
        bot_token,
        signing_secret,
    };
    super::store::save_slack(&mut *tx, &state.keys, &creds, caller.user.id, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "settings.chat_save",
            "slack",
            serde_json::json!({}),
        )
        .await?;
    tx.commit().await?;
    view(&state).await
}

/// `POST /api/settings/chat/telegram` with `{"bot_token"}` → the view.
#[server(prefix = "/api", endpoint = "settings/chat/telegram", input = server_fn::codec::Json)]
pub async fn save_telegram_settings(bot_token: String) -> Result<ChatView, AppError> {
    let (caller, state) = admin().await?;
    let token =
        super::check_telegram_token(&bot_token).map_err(|m| AppError::invalid("bot_token", m))?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    super::store::save_telegram(&mut *tx, &state.keys, token, caller.user.id, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "settings.chat_save",
            "telegram",
            serde_json::json!({}),
        )
        .await?;
    tx.commit().await?;
    view(&state).await
}

/// `POST /api/settings/chat/clear` with `{"app":"slack"|"telegram"}`: forgets the saved
/// credentials (the environment's apply again) → the view.
#[server(prefix = "/api", endpoint = "settings/chat/clear", input = server_fn::codec::Json)]
pub async fn clear_chat_settings(app: String) -> Result<ChatView, AppError> {
    let (caller, state) = admin().await?;
    let key = match app.trim() {
        "slack" => super::store::SLACK,
        "telegram" => super::store::TELEGRAM,
        _ => return Err(AppError::invalid("app", "must be slack or telegram")),
    };
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    sqlx::query("DELETE FROM settings WHERE key = $1")
        .bind(key)
        .execute(&mut *tx)
        .await?;
    caller
        .audit(
            &mut *tx,
            now,
            "settings.chat_clear",
            app.trim(),
            serde_json::json!({}),
        )
        .await?;
    tx.commit().await?;
    view(&state).await
}
