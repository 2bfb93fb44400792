//! Chat apps that talk back: their credentials (`config`), and each one's API client and
//! inbound endpoints (buttons pressed, commands typed). Deliveries to chats are in
//! `crate::outbound`.

pub mod config;
pub mod mattermost;
pub mod slack;

use app::state::AppState;

/// The chat apps' inbound routes; they read the credentials from `Outbound`.
pub fn routes(out: crate::outbound::Outbound) -> axum::Router<AppState> {
    slack::inbound::routes()
        .merge(mattermost::routes())
        .layer(axum::Extension(out))
}
