//! AppState: what every server function and handler can reach (server only).

use crate::db::Db;
use leptos::config::LeptosOptions;

use crate::clock::SharedClock;

/// Built once by the server crate; provided to server functions as Leptos context and to
/// axum handlers as router state.
#[derive(Clone, Debug)]
pub struct AppState {
    pub pool: Db,
    pub clock: SharedClock,
    pub leptos_options: LeptosOptions,
    /// Where email goes: saved settings, else the environment, else nowhere (admins then
    /// copy invite and reset links).
    pub mailer: crate::mail::MailerSource,
    /// The base URL people reach this server at, for links in emails (no trailing slash).
    pub public_url: String,
    /// Encrypts secrets at rest and signs one-click links.
    pub keys: std::sync::Arc<crate::secrets::Keyring>,
    /// Reaches phone numbers outside paging (verification codes, tests) through the
    /// provider in use now (saved settings, else the environment).
    pub phone: std::sync::Arc<dyn crate::phone::PhoneSource>,
    /// Single sign-on as the environment configures it (`OPSKNIGHT_OIDC_*`), used when no
    /// settings are saved.
    pub sso_env: Option<std::sync::Arc<crate::sso::config::EnvConfig>>,
    /// The receivers' parsers, for the event-rule test panel.
    pub event_formats: std::sync::Arc<dyn crate::rules::EventFormats>,
}

impl axum::extract::FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The state inside a server function.
pub fn app_state() -> Result<AppState, crate::error::AppError> {
    leptos::prelude::use_context::<AppState>().ok_or_else(|| crate::error::AppError::Internal {
        message: "application state missing from context".into(),
    })
}
