//! Server functions for the caller's own account: shells over `ops`, which holds the rules
//! (all need a session, or an API key with the `admin` scope).

use leptos::prelude::*;

use super::{ContactMethod, SessionInfo};
use crate::domain::{ContactMethodId, SessionId};
use crate::error::AppError;
use crate::users::UserSummary;

/// `POST /api/profile/update` with `{"name","time_zone"}` (an IANA zone like `Europe/Berlin`).
#[server(prefix = "/api", endpoint = "profile/update", input = server_fn::codec::Json)]
pub async fn update_profile(name: String, time_zone: String) -> Result<UserSummary, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::update_profile(&state, &caller, &name, &time_zone).await
}

/// `POST /api/profile/change-password` with `{"current_password","new_password"}`: ends every
/// session of the user (all devices), then signs this browser in again with a new session.
#[server(prefix = "/api", endpoint = "profile/change-password", input = server_fn::codec::Json)]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    // The request's address and user agent go to the new session; its cookie is set here.
    let info = crate::auth::session::request_info();
    let change = super::ops::PasswordChange {
        current_password,
        new_password,
        ip: info.ip.as_deref(),
        user_agent: info.user_agent.as_deref(),
    };
    if let Some(token) = super::ops::change_password(&state, &caller, change).await? {
        crate::auth::api::set_session_cookie(&token, info.https);
    }
    Ok(())
}

/// `POST /api/profile/contact-methods` → the caller's email addresses and phone numbers.
#[server(prefix = "/api", endpoint = "profile/contact-methods", input = server_fn::codec::Json)]
pub async fn list_contact_methods() -> Result<Vec<ContactMethod>, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::list_contact_methods(&state, &caller).await
}

/// `POST /api/profile/contact-methods/add` with `{"kind","address","label"}` (and for NTFY an
/// optional `"secret"`, the topic's access token, kept sealed). Kinds: EMAIL, SMS, VOICE
/// (E.164, `+14155550123`; a new number is sent a code to verify before it is paged), SLACK
/// (your Slack member id, `U…`), NTFY (a topic URL, `https://ntfy.sh/topic`), PUSHOVER (your
/// user key). TELEGRAM is linked from the bot (`profile/telegram/link`), PUSH per device.
#[server(prefix = "/api", endpoint = "profile/contact-methods/add", input = server_fn::codec::Json)]
pub async fn add_contact_method(
    kind: String,
    address: String,
    label: String,
    #[server(default)] secret: Option<String>,
) -> Result<ContactMethod, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    let new = super::ops::NewContactMethod {
        kind: &kind,
        address: &address,
        label: &label,
        secret: secret.as_deref(),
    };
    super::ops::add_contact_method(&state, &caller, new).await
}

/// What the profile shows to link Telegram.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TelegramLinkCode {
    /// Send this to the bot: `/start <code>` (one use, 15 minutes).
    pub command: String,
    /// `https://t.me/<bot>?start=<code>`, once the bot's name is known.
    pub url: Option<String>,
}

/// `POST /api/profile/telegram/link` → a one-time `/start` code for the Telegram bot; sending
/// it links your Telegram chat and makes it a contact method.
#[server(prefix = "/api", endpoint = "profile/telegram/link", input = server_fn::codec::Json)]
pub async fn telegram_link() -> Result<TelegramLinkCode, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::telegram_link(&state, &caller).await
}

/// `POST /api/profile/contact-methods/remove` with `{"id"}`.
#[server(prefix = "/api", endpoint = "profile/contact-methods/remove", input = server_fn::codec::Json)]
pub async fn remove_contact_method(id: ContactMethodId) -> Result<(), AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::remove_contact_method(&state, &caller, id).await
}

/// `POST /api/profile/sessions` → the caller's live sessions; `current` marks this one.
#[server(prefix = "/api", endpoint = "profile/sessions", input = server_fn::codec::Json)]
pub async fn list_sessions() -> Result<Vec<SessionInfo>, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::list_sessions(&state, &caller).await
}

/// `POST /api/profile/sessions/revoke` with `{"id"}`: signs one of the caller's sessions out.
#[server(prefix = "/api", endpoint = "profile/sessions/revoke", input = server_fn::codec::Json)]
pub async fn revoke_session(id: SessionId) -> Result<(), AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::revoke_session(&state, &caller, id).await
}
