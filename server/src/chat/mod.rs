//! Chat apps that talk back: their credentials (`config`), and each one's API client and
//! inbound endpoints (buttons pressed, commands typed). Deliveries to chats are in
//! `crate::outbound`.

pub mod config;
pub mod mattermost;
pub mod slack;
pub mod telegram;

use app::state::AppState;

/// The chat apps' inbound routes; they read the credentials from `Outbound`.
pub fn routes(out: crate::outbound::Outbound) -> axum::Router<AppState> {
    slack::inbound::routes()
        .merge(mattermost::routes())
        .merge(telegram::inbound::routes())
        .merge(crate::notify::pushover::routes())
        .layer(axum::Extension(out))
}

/// Starts what the chat apps need in the background: the Telegram bot's webhook (or its
/// poller) and its username for profile links. Failures are logged; paging goes on.
pub fn start(
    state: app::state::AppState,
    out: crate::outbound::Outbound,
) -> Option<tokio::task::JoinHandle<()>> {
    let tg = out.chat.telegram.clone()?;
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
