//! Every chat-app credentials operation, once: the caller's check (ADMIN; keys need `admin`),
//! validation and the change. Secrets are write-only (None keeps the saved one); changes are
//! audited and taken up by every instance within seconds, without a restart.

use super::ChatView;
use crate::auth::caller::Caller;
use crate::domain::Access;
use crate::error::AppError;
use crate::state::AppState;

async fn view(state: &AppState) -> Result<ChatView, AppError> {
    let saved = super::store::load(&state.pool, &state.keys).await?;
    Ok(ChatView {
        slack_saved: saved.slack.is_some(),
        telegram_saved: saved.telegram.is_some(),
    })
}

/// Which chat apps are saved here.
pub async fn get(state: &AppState, caller: &Caller) -> Result<ChatView, AppError> {
    caller.check(Access::Admin)?;
    view(state).await
}

/// Saves the Slack app's bot token and signing secret (either None keeps the saved one; both
/// are needed the first time) → the view.
pub async fn save_slack(
    state: &AppState,
    caller: &Caller,
    bot_token: Option<&str>,
    signing_secret: Option<&str>,
) -> Result<ChatView, AppError> {
    caller.check(Access::Admin)?;
    let kept = super::store::load(&state.pool, &state.keys).await?.slack;
    let given = |v: Option<&str>| {
        v.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let bot_token = match (given(bot_token), &kept) {
        (Some(t), _) => super::check_slack_token(&t)
            .map_err(|m| AppError::invalid("bot_token", m))?
            .to_owned(),
        (None, Some(k)) => k.bot_token.clone(),
        (None, None) => return Err(AppError::invalid("bot_token", "is required")),
    };
    let signing_secret = match (given(signing_secret), &kept) {
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
    view(state).await
}

/// Saves the Telegram bot's token → the view.
pub async fn save_telegram(
    state: &AppState,
    caller: &Caller,
    bot_token: &str,
) -> Result<ChatView, AppError> {
    caller.check(Access::Admin)?;
    let token =
        super::check_telegram_token(bot_token).map_err(|m| AppError::invalid("bot_token", m))?;
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
    view(state).await
}

/// Forgets the saved credentials of `app` (slack or telegram; the environment's apply again)
/// → the view.
pub async fn clear(state: &AppState, caller: &Caller, app: &str) -> Result<ChatView, AppError> {
    caller.check(Access::Admin)?;
    let key = match app.trim() {
        "slack" => super::store::SLACK,
        "telegram" => super::store::TELEGRAM,
        _ => return Err(AppError::invalid("app", "must be slack or telegram")),
    };
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    crate::settings::store::remove(&mut *tx, key).await?;
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
    view(state).await
}
