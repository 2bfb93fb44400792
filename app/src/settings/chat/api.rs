//! Server functions for the chat apps' credentials: shells over `ops`, which holds the rules
//! (ADMIN; keys need `admin`; secrets are write-only; changes are audited).

use leptos::prelude::*;

use super::ChatView;
use crate::error::AppError;

/// `POST /api/settings/chat` → which chat apps are saved here.
#[server(prefix = "/api", endpoint = "settings/chat", input = server_fn::codec::Json)]
pub async fn get_chat_settings() -> Result<ChatView, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::get(&state, &caller).await
}

/// `POST /api/settings/chat/slack` with `{"bot_token","signing_secret"}` (either null keeps
/// the saved one; both are needed the first time) → the view.
#[server(prefix = "/api", endpoint = "settings/chat/slack", input = server_fn::codec::Json)]
pub async fn save_slack_settings(
    bot_token: Option<String>,
    signing_secret: Option<String>,
) -> Result<ChatView, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::save_slack(
        &state,
        &caller,
        bot_token.as_deref(),
        signing_secret.as_deref(),
    )
    .await
}

/// `POST /api/settings/chat/telegram` with `{"bot_token"}` → the view.
#[server(prefix = "/api", endpoint = "settings/chat/telegram", input = server_fn::codec::Json)]
pub async fn save_telegram_settings(bot_token: String) -> Result<ChatView, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::save_telegram(&state, &caller, &bot_token).await
}

/// `POST /api/settings/chat/clear` with `{"app":"slack"|"telegram"}`: forgets the saved
/// credentials (the environment's apply again) → the view.
#[server(prefix = "/api", endpoint = "settings/chat/clear", input = server_fn::codec::Json)]
pub async fn clear_chat_settings(app: String) -> Result<ChatView, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::clear(&state, &caller, &app).await
}
