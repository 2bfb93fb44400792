//! Every operation on the caller's own account, once: the caller's check, validation and the
//! change. All need a session, or an API key with the `admin` scope (a narrower key cannot
//! change who it belongs to), and act only on the caller's own user, contact methods and
//! sessions.

use super::{ContactMethod, SessionInfo};
use crate::auth::caller::Caller;
use crate::domain::{Access, ContactMethodId, NotificationRuleId, SessionId, UserId};
use crate::error::AppError;
use crate::state::AppState;
use crate::users::UserSummary;

/// Sets the caller's name and time zone (an IANA zone like `Europe/Berlin`).
pub async fn update_profile(
    state: &AppState,
    caller: &Caller,
    name: &str,
    time_zone: &str,
) -> Result<UserSummary, AppError> {
    caller.check(Access::OwnAccount)?;
    let name = crate::domain::parse_name("name", name, crate::users::NewUser::NAME_MAX)?;
    let time_zone = crate::domain::parse_time_zone("time_zone", time_zone)?;
    crate::users::store::update_profile(
        &state.pool,
        caller.user.id,
        &name,
        &time_zone,
        state.clock.now(),
    )
    .await
}

/// A password change, with where the request came from (for the new session). Not `Debug`:
/// it holds passwords.
pub struct PasswordChange<'a> {
    pub current_password: String,
    pub new_password: String,
    /// The client address of this request.
    pub ip: Option<&'a str>,
    /// The client's user agent of this request.
    pub user_agent: Option<&'a str>,
}

/// Changes the caller's password and ends every session of the user (all devices). When the
/// caller signed in with a session, a new session replaces it: → its token, for the shell to
/// set as this browser's cookie.
pub async fn change_password(
    state: &AppState,
    caller: &Caller,
    change: PasswordChange<'_>,
) -> Result<Option<String>, AppError> {
    use crate::auth::session;
    caller.check(Access::OwnAccount)?;
    let PasswordChange {
        current_password,
        new_password,
        ip,
        user_agent,
    } = change;
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
            ip,
            user_agent,
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
    Ok(caller.session_id().is_some().then_some(token))
}

/// The caller's email addresses and phone numbers.
pub async fn list_contact_methods(
    state: &AppState,
    caller: &Caller,
) -> Result<Vec<ContactMethod>, AppError> {
    caller.check(Access::OwnAccount)?;
    super::store::list(&state.pool, caller.user.id).await
}

/// A contact method to add, as given.
#[derive(Debug, Clone, Copy)]
pub struct NewContactMethod<'a> {
    pub kind: &'a str,
    pub address: &'a str,
    pub label: &'a str,
    /// For NTFY, the topic's access token (kept sealed).
    pub secret: Option<&'a str>,
}

/// Adds a contact method for the caller. A new phone number is sent a code to verify before
/// it is paged; TELEGRAM is linked from the bot and PUSH per device, not here.
pub async fn add_contact_method(
    state: &AppState,
    caller: &Caller,
    new: NewContactMethod<'_>,
) -> Result<ContactMethod, AppError> {
    use super::ContactKind;
    use crate::domain::{Email, PhoneNumber};
    caller.check(Access::OwnAccount)?;
    let typed: Vec<&str> = ContactKind::ALL
        .into_iter()
        .filter(|k| k.typed())
        .map(ContactKind::as_str)
        .collect();
    let kind = match ContactKind::parse(new.kind) {
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
        _ if kind.is_phone() => PhoneNumber::parse("address", new.address)?
            .as_str()
            .to_owned(),
        ContactKind::Email => Email::parse("address", new.address)?.as_str().to_owned(),
        _ => kind
            .check_address(new.address)
            .map_err(|m| AppError::invalid("address", m))?,
    };
    let secret = match new.secret.map(str::trim).filter(|s| !s.is_empty()) {
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
    let label = crate::domain::parse_name("label", new.label, super::LABEL_MAX)?;
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
            super::verify::send_code(state, phone, method.id, kind, &address, None).await
    {
        super::store::remove(&state.pool, caller.user.id, method.id).await?;
        return Err(e);
    }
    Ok(method)
}

/// A one-time `/start` code for the Telegram bot; sending it links the caller's Telegram chat
/// and makes it a contact method.
pub async fn telegram_link(
    state: &AppState,
    caller: &Caller,
) -> Result<super::api::TelegramLinkCode, AppError> {
    caller.check(Access::OwnAccount)?;
    let code = crate::channels::links::issue(
        &state.pool,
        caller.user.id,
        crate::channels::ChatProvider::Telegram,
        state.clock.now(),
    )
    .await?;
    let bot = crate::channels::links::bot_username(&state.pool).await?;
    Ok(super::api::TelegramLinkCode {
        command: format!("/start {code}"),
        url: bot.map(|b| format!("https://t.me/{b}?start={code}")),
    })
}

/// Removes one of the caller's contact methods.
pub async fn remove_contact_method(
    state: &AppState,
    caller: &Caller,
    id: ContactMethodId,
) -> Result<(), AppError> {
    caller.check(Access::OwnAccount)?;
    super::store::remove(&state.pool, caller.user.id, id).await
}

/// The caller's live sessions; `current` marks the one making this request.
pub async fn list_sessions(
    state: &AppState,
    caller: &Caller,
) -> Result<Vec<SessionInfo>, AppError> {
    caller.check(Access::OwnAccount)?;
    let mut sessions =
        crate::auth::store::list_sessions(&state.pool, caller.user.id, state.clock.now()).await?;
    let current = caller.session_id();
    for s in &mut sessions {
        s.current = Some(s.id) == current;
    }
    Ok(sessions)
}

/// Signs one of the caller's sessions out; not found unless it is the caller's and live.
pub async fn revoke_session(
    state: &AppState,
    caller: &Caller,
    id: SessionId,
) -> Result<(), AppError> {
    caller.check(Access::OwnAccount)?;
    if !crate::auth::store::revoke_session(&state.pool, caller.user.id, id, state.clock.now())
        .await?
    {
        return Err(AppError::NotFound {
            what: "session".into(),
        });
    }
    Ok(())
}

/// `Ok` when the caller may read `user`'s contact methods and notification rules: their own
/// (a session, or an `admin`-scoped key), or anyone's for an ADMIN. Not found for no such user.
async fn may_read(state: &AppState, caller: &Caller, user: UserId) -> Result<(), AppError> {
    if user == caller.user.id {
        return caller.check(Access::OwnAccount);
    }
    caller.check(Access::Admin)?;
    crate::users::store::get(&state.pool, user).await.map(drop)
}

/// `Ok` when `user` is the caller (with a session, or an `admin`-scoped key): contact methods
/// and notification rules are changed only by their owner.
fn may_change(caller: &Caller, user: UserId) -> Result<(), AppError> {
    caller.check(Access::OwnAccount)?;
    if user != caller.user.id {
        return Err(AppError::forbidden(
            "only the user themselves can change their contact methods and notification rules",
        ));
    }
    Ok(())
}

/// `user`'s contact methods: the caller's own, or anyone's for an ADMIN.
pub async fn contact_methods_of(
    state: &AppState,
    caller: &Caller,
    user: UserId,
) -> Result<Vec<ContactMethod>, AppError> {
    may_read(state, caller, user).await?;
    super::store::list(&state.pool, user).await
}

/// Adds a contact method for `user`, who must be the caller (as `add_contact_method`).
pub async fn add_contact_method_for(
    state: &AppState,
    caller: &Caller,
    user: UserId,
    new: NewContactMethod<'_>,
) -> Result<ContactMethod, AppError> {
    may_change(caller, user)?;
    add_contact_method(state, caller, new).await
}

/// Removes one of `user`'s contact methods; `user` must be the caller.
pub async fn remove_contact_method_of(
    state: &AppState,
    caller: &Caller,
    user: UserId,
    id: ContactMethodId,
) -> Result<(), AppError> {
    may_change(caller, user)?;
    remove_contact_method(state, caller, id).await
}

/// `user`'s notification rules: the caller's own, or anyone's for an ADMIN. None means the
/// default: email to the sign-in address as soon as a step pages them.
pub async fn notification_rules_of(
    state: &AppState,
    caller: &Caller,
    user: UserId,
) -> Result<Vec<crate::notifications::NotificationRule>, AppError> {
    may_read(state, caller, user).await?;
    crate::notifications::store::rules(&state.pool, user).await
}

/// Adds a rule for `user`, who must be the caller: page that contact method (one of theirs)
/// `delay_minutes` after a step pages them → the rule.
pub async fn add_notification_rule(
    state: &AppState,
    caller: &Caller,
    user: UserId,
    contact_method_id: ContactMethodId,
    delay_minutes: i32,
) -> Result<crate::notifications::NotificationRule, AppError> {
    use crate::notifications::{MAX_RULE_DELAY, store};
    may_change(caller, user)?;
    if !(0..=MAX_RULE_DELAY).contains(&delay_minutes) {
        return Err(AppError::invalid(
            "delay_minutes",
            format!("must be between 0 and {MAX_RULE_DELAY} minutes"),
        ));
    }
    let id = store::add_rule(
        &state.pool,
        user,
        contact_method_id,
        delay_minutes,
        state.clock.now(),
    )
    .await?;
    store::rules(&state.pool, user)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| AppError::NotFound {
            what: "notification rule".into(),
        })
}

/// Removes one of `user`'s notification rules; `user` must be the caller.
pub async fn remove_notification_rule(
    state: &AppState,
    caller: &Caller,
    user: UserId,
    id: NotificationRuleId,
) -> Result<(), AppError> {
    may_change(caller, user)?;
    crate::notifications::store::delete_rule(&state.pool, user, id).await
}
