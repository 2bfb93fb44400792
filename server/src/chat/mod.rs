//! Chat apps that talk back: their credentials (`config`), and each one's API client and
//! inbound endpoints (buttons pressed, commands typed). Deliveries to chats are in
//! `crate::outbound`.

pub mod config;
pub mod mattermost;
pub mod slack;
pub mod source;
pub mod telegram;

use app::error::AppError;
use app::state::AppState;

/// A refusal from a chat's endpoint, as every endpoint answers errors (`AppError`'s JSON and
/// status).
pub(crate) fn refuse(err: AppError) -> axum::response::Response {
    axum::response::IntoResponse::into_response(err)
}

/// 401 naming the credential that failed (a signature, a secret token).
pub(crate) fn unauthenticated(field: &str, message: &str) -> axum::response::Response {
    refuse(AppError::Unauthenticated {
        message: message.to_owned(),
        field: Some(field.to_owned()),
    })
}

/// The chat apps' inbound routes; they read the credentials from `Outbound`.
pub fn routes(out: crate::outbound::Outbound) -> axum::Router<AppState> {
    slack::inbound::routes()
        .merge(mattermost::routes())
        .merge(telegram::inbound::routes())
        .merge(crate::notify::pushover::routes())
        .layer(axum::Extension(out))
}

/// Starts what the Telegram bot needs in the background, and keeps it in step with the
/// credentials in use: whenever the bot token changes (saved in Settings, forgotten), its
/// username is read (getMe) and its webhook set, or its poller (re)started. Failures are
/// logged; paging goes on. Checks every 15 s.
pub fn start(
    state: app::state::AppState,
    out: crate::outbound::Outbound,
) -> Option<tokio::task::JoinHandle<()>> {
    Some(tokio::spawn(async move {
        // The bot's own task ends with this one (aborted at shutdown), so a poller never
        // outlives the server or keeps a database connection from closing.
        let mut running: Option<(String, Option<AbortOnDrop>)> = None;
        loop {
            let tg = out.chat().await.telegram.clone();
            let token = tg.as_ref().map(|t| t.bot_token.clone());
            if running.as_ref().map(|r| &r.0) != token.as_ref() {
                // Dropping the old entry aborts the old bot's task.
                running = tg.map(|tg| {
                    let task = bring_up(state.clone(), out.clone(), tg.clone())
                        .map(|t| AbortOnDrop(t.abort_handle()));
                    (tg.bot_token.clone(), task)
                });
            }
            tokio::time::sleep(std::time::Duration::from_secs(15)).await;
        }
    }))
}

/// Aborts a task when dropped.
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// getMe, then setWebhook (returns None) or the poller's task.
fn bring_up(
    state: app::state::AppState,
    out: crate::outbound::Outbound,
    tg: std::sync::Arc<config::TelegramConfig>,
) -> Option<tokio::task::JoinHandle<()>> {
    Some(tokio::spawn(async move {
        match telegram::poll::remember_username(&state, &out, &tg).await {
            Ok(name) => tracing::info!(bot = %name, "Telegram bot ready"),
            Err(e) => {
                tracing::warn!(error = %e, "Telegram: getMe failed (is the bot token right?)")
            }
        }
        match tg.updates {
            config::Updates::Webhook => {
                if let Err(e) = telegram::poll::set_webhook(&state, &out, &tg).await {
                    tracing::warn!(error = %e, "Telegram: setWebhook failed; button presses will not arrive");
                }
            }
            config::Updates::Poll => telegram::poll::run(state, out, tg).await,
        }
    }))
}
