//! Server functions for the caller's own account. All need a session, or an API key with
//! the `admin` scope (a narrower key cannot change who it belongs to).

use leptos::prelude::*;

use super::{ContactMethod, SessionInfo};
use crate::domain::{ContactMethodId, SessionId};
use crate::error::AppError;
use crate::users::UserSummary;

#[cfg(feature = "ssr")]
async fn own_account() -> Result<(crate::auth::caller::Caller, crate::state::AppState), AppError> {
    let caller = crate::auth::caller::authorize(crate::domain::Access::OwnAccount).await?;
    Ok((caller, crate::state::app_state()?))
}

/// `POST /api/profile/update` with `{"name","time_zone"}` (an IANA zone like `Europe/Berlin`).
#[server(prefix = "/api", endpoint = "profile/update", input = server_fn::codec::Json)]
pub async fn update_profile(name: String, time_zone: String) -> Result<UserSummary, AppError> {
    let (caller, state) = own_account().await?;
    let name = crate::domain::parse_name("name", &name, crate::users::NewUser::NAME_MAX)?;
    let time_zone = crate::domain::parse_time_zone("time_zone", &time_zone)?;
    crate::users::store::update_profile(
        &state.pool,
        caller.user.id,
        &name,
        &time_zone,
        state.clock.now(),
    )
    .await
}

/// `POST /api/profile/change-password` with `{"current_password","new_password"}`: ends every
/// session of the user (all devices), then signs this browser in again with a new session.
#[server(prefix = "/api", endpoint = "profile/change-password", input = server_fn::codec::Json)]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    use crate::auth::session;
    let (caller, state) = own_account().await?;
    let info = session::request_info();
    if current_password.is_empty() {
        return Err(AppError::invalid("current_password", "is required"));
    }
    crate::domain::password::check("new_password", &new_password)?;
    if new_password == current_password {
        return Err(AppError::invalid(
            "new_password",
            "must differ from the current password",
        ));
    }
    let stored = crate::users::store::password_hash(&state.pool, caller.user.id).await?;
    let ok = match stored {
        Some(h) => crate::users::password::verify(current_password, h).await?,
        None => false,
    };
    if !ok {
        return Err(AppError::invalid(
            "current_password",
            "is not your current password",
        ));
    }
    let hash = crate::users::password::hash(new_password).await?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    crate::users::store::set_password(&mut *tx, caller.user.id, &hash, now).await?;
    let revoked = crate::auth::store::revoke_user_sessions(&mut *tx, caller.user.id, now).await?;
    let token = session::new_token();
    if caller.session_id().is_some() {
        crate::auth::store::insert_session(
            &mut *tx,
            caller.user.id,
            &session::token_hash(&token),
            now,
            info.ip.as_deref(),
            info.user_agent.as_deref(),
        )
        .await?;
    }
    caller
        .audit(
            &mut *tx,
            now,
            "user.password_change",
            &caller.user.email,
            serde_json::json!({"sessions_revoked": revoked}),
        )
        .await?;
    tx.commit().await?;
    if caller.session_id().is_some() {
        crate::auth::api::set_session_cookie(&token, info.https);
    }
    Ok(())
}

/// `POST /api/profile/contact-methods` → the caller's email addresses and phone numbers.
#[server(prefix = "/api", endpoint = "profile/contact-methods", input = server_fn::codec::Json)]
pub async fn list_contact_methods() -> Result<Vec<ContactMethod>, AppError> {
    let (caller, state) = own_account().await?;
    super::store::list(&state.pool, caller.user.id).await
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
    use super::ContactKind;
    use crate::domain::{Email, PhoneNumber};
    let (caller, state) = own_account().await?;
    let typed: Vec<&str> = ContactKind::ALL
        .into_iter()
        .filter(|k| k.typed())
        .map(ContactKind::as_str)
        .collect();
    let kind = match ContactKind::parse(&kind) {
        Some(ContactKind::Push) => {
            return Err(AppError::invalid(
                "kind",
                "push is enabled from a device (Push notifications, Enable on this device)",
            ));
        }
        Some(ContactKind::Telegram) => {
            return Err(AppError::invalid(
                "kind",
                "Telegram is linked from the bot: Telegram → Link, then send it the /start code",
            ));
        }
        Some(kind) => kind,
        None => {
            return Err(AppError::invalid(
                "kind",
                format!("must be one of {}", typed.join(", ")),
            ));
        }
    };
    let address = match kind {
        _ if kind.is_phone() => PhoneNumber::parse("address", &address)?.as_str().to_owned(),
        ContactKind::Email => Email::parse("address", &address)?.as_str().to_owned(),
        _ => kind
            .check_address(&address)
            .map_err(|m| AppError::invalid("address", m))?,
    };
    let secret = match secret.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(_) if kind != ContactKind::Ntfy => {
            return Err(AppError::invalid(
                "secret",
                "only ntfy contact methods take a token",
            ));
        }
        Some(t) if t.len() > 200 || t.chars().any(char::is_whitespace) => {
            return Err(AppError::invalid(
                "secret",
                "must be an ntfy access token (tk_…)",
            ));
        }
        Some(t) => Some(state.keys.encrypt(t)),
    };
    let label = crate::domain::parse_name("label", &label, super::LABEL_MAX)?;
    let verified = match kind {
        ContactKind::Email => address == caller.user.email,
        _ if kind.is_phone() => {
            super::store::number_verified(&state.pool, caller.user.id, &address).await?
        }
        // Chat and push addresses are the person's own accounts: nothing to verify by code.
        _ => true,
    };
    // Read before anything is written: the provider that sends a new number its code.
    let phone = if kind.is_phone() && !verified {
        state.phone.sender().await?
    } else {
        None
    };
    let method = super::store::add(
        &state.pool,
        caller.user.id,
        super::store::NewMethod {
            kind,
            address: &address,
            label: &label,
            verified,
            sealed_secret: secret.as_deref(),
        },
        state.clock.now(),
    )
    .await?;
    // A new phone number gets its code now; without an SMS provider it stays unverified (the
    // profile says why). A code that cannot be sent leaves nothing behind: add it again.
    if phone.is_some()
        && let Err(e) =
            super::verify::send_code(&state, phone, method.id, kind, &address, None).await
    {
        super::store::remove(&state.pool, caller.user.id, method.id).await?;
        return Err(e);
    }
    Ok(method)
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
    let (caller, state) = own_account().await?;
    let code = crate::channels::links::issue(
        &state.pool,
        caller.user.id,
        crate::channels::ChatProvider::Telegram,
        state.clock.now(),
    )
    .await?;
    let bot = crate::channels::links::bot_username(&state.pool).await?;
    Ok(TelegramLinkCode {
        command: format!("/start {code}"),
        url: bot.map(|b| format!("https://t.me/{b}?start={code}")),
    })
}

/// `POST /api/profile/contact-methods/remove` with `{"id"}`.
#[server(prefix = "/api", endpoint = "profile/contact-methods/remove", input = server_fn::codec::Json)]
pub async fn remove_contact_method(id: ContactMethodId) -> Result<(), AppError> {
    let (caller, state) = own_account().await?;
    super::store::remove(&state.pool, caller.user.id, id).await
}

/// `POST /api/profile/sessions` → the caller's live sessions; `current` marks this one.
#[server(prefix = "/api", endpoint = "profile/sessions", input = server_fn::codec::Json)]
pub async fn list_sessions() -> Result<Vec<SessionInfo>, AppError> {
    let (caller, state) = own_account().await?;
    let mut sessions =
        crate::auth::store::list_sessions(&state.pool, caller.user.id, state.clock.now()).await?;
    let current = caller.session_id();
    for s in &mut sessions {
        s.current = Some(s.id) == current;
    }
    Ok(sessions)
}

/// `POST /api/profile/sessions/revoke` with `{"id"}`: signs one of the caller's sessions out.
#[server(prefix = "/api", endpoint = "profile/sessions/revoke", input = server_fn::codec::Json)]
pub async fn revoke_session(id: SessionId) -> Result<(), AppError> {
    let (caller, state) = own_account().await?;
    if !crate::auth::store::revoke_session(&state.pool, caller.user.id, id, state.clock.now())
        .await?
    {
        return Err(AppError::NotFound {
            what: "session".into(),
        });
    }
    Ok(())
}
