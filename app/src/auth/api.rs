//! Server functions for signing in and out, and for the one-time links (invite, password
//! reset). `login` and the link functions are open to anonymous callers by design; the rest
//! act on the caller's own account.

use leptos::prelude::*;

use crate::error::AppError;
use crate::users::UserSummary;

/// A hash with the production parameters, verified when the email is unknown so that both
/// answers take comparable time.
#[cfg(feature = "ssr")]
async fn dummy_hash() -> Result<String, AppError> {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_try_init(|| crate::users::password::hash("opsknight-timing-equaliser".into()))
        .await
        .cloned()
}

/// `POST /api/auth/login` with `{"email","password"}`: sets the session cookie and returns the user.
/// A wrong password and an unknown email both answer 401 `unauthenticated`; five failures
/// within 15 minutes lock the email for 1, 5, 15, then 60 minutes (429 with Retry-After).
#[server(prefix = "/api", endpoint = "auth/login", input = server_fn::codec::Json)]
pub async fn login(email: String, password: String) -> Result<UserSummary, AppError> {
    use super::{session, store};
    use crate::domain::Email;

    let state = crate::state::app_state()?;
    let info = session::request_info();
    let email = Email::parse("email", &email)?;
    if password.is_empty() {
        return Err(AppError::invalid("password", "is required"));
    }
    let now = state.clock.now();
    store::check_throttle(&state.pool, email.as_str(), now).await?;

    // Fetched before the lookup, so the first sign-in of a process costs the same whether or
    // not the email exists.
    let dummy = dummy_hash().await?;
    let found = store::credentials(&state.pool, email.as_str()).await?;
    let hash = match &found {
        Some((_, hash)) => hash.clone(),
        None => dummy,
    };
    let password_ok = crate::users::password::verify(password, hash).await?;
    let user = match found {
        Some((user, _)) if password_ok => user,
        _ => {
            store::record_failure(&state.pool, email.as_str(), now, info.ip.as_deref()).await?;
            return Err(AppError::unauthenticated("incorrect email or password"));
        }
    };

    // Once single sign-on is the way in, only the break-glass admin keeps a password door.
    if !crate::sso::ops::password_allowed(&state, user.id).await? {
        return Err(AppError::forbidden(
            "password sign-in is turned off here; use the single sign-on button",
        ));
    }
    let token = session::new_token();
    store::start_session(
        &state.pool,
        &user,
        &session::token_hash(&token),
        now,
        info.ip.as_deref(),
        info.user_agent.as_deref(),
    )
    .await?;
    set_cookie(&session::session_cookie(
        &token,
        super::absolute_timeout().num_seconds(),
        info.https,
    ));
    Ok(user)
}

/// `POST /api/auth/me` → the signed-in user, or 401.
#[server(prefix = "/api", endpoint = "auth/me", input = server_fn::codec::Json)]
pub async fn me() -> Result<UserSummary, AppError> {
    Ok(super::caller::authorize(crate::domain::Access::SignedIn)
        .await?
        .user)
}

/// `POST /api/auth/logout`: ends this session and clears the cookie. Idempotent. Returns where
/// the browser goes next when the session came through single sign-on: `/auth/sso/logout`
/// with a signed hint, which sends it on to the provider's logout (RP-initiated logout).
#[server(prefix = "/api", endpoint = "auth/logout", input = server_fn::codec::Json)]
pub async fn logout() -> Result<Option<String>, AppError> {
    use super::session;
    let state = crate::state::app_state()?;
    let info = session::request_info();
    let mut next = None;
    if let Some(token) = &info.session_token {
        let hash = session::token_hash(token);
        let id_token = crate::sso::store::session_id_token(&state.pool, &hash).await?;
        if super::store::revoke(&state.pool, &hash, state.clock.now()).await? {
            next = id_token.map(|t| crate::sso::logout_path(&state.keys, &t));
        }
    }
    set_cookie(&session::clear_cookie(info.https));
    Ok(next)
}

/// `POST /api/auth/logout-everywhere`: ends every session of the caller. Returns how many.
#[server(prefix = "/api", endpoint = "auth/logout-everywhere", input = server_fn::codec::Json)]
pub async fn logout_everywhere() -> Result<u64, AppError> {
    use super::session;
    let state = crate::state::app_state()?;
    let info = session::request_info();
    let caller = super::caller::identify(&state, &info).await?;
    caller.check(crate::domain::Access::OwnAccount)?;
    let n = super::store::revoke_all(
        &state.pool,
        caller.user.id,
        state.clock.now(),
        info.ip.as_deref(),
    )
    .await?;
    set_cookie(&session::clear_cookie(info.https));
    Ok(n)
}

#[cfg(feature = "ssr")]
fn set_cookie(value: &str) {
    if let (Some(res), Ok(v)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(value),
    ) {
        res.append_header(http::header::SET_COOKIE, v);
    }
}

/// Sets the session cookie for a session opened by a link.
#[cfg(feature = "ssr")]
pub(crate) fn set_session_cookie(token: &str, https: bool) {
    set_cookie(&super::session::session_cookie(
        token,
        super::absolute_timeout().num_seconds(),
        https,
    ));
}

/// What a link page shows before the user chooses a password.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LinkOwner {
    pub email: String,
    pub name: String,
}

/// `POST /api/auth/link-info` with `{"token","purpose":"invite"|"reset"}` → whose link it is,
/// or 400 on `token` when it is unknown, used or expired. Does not use the token.
#[server(prefix = "/api", endpoint = "auth/link-info", input = server_fn::codec::Json)]
pub async fn link_info(token: String, purpose: String) -> Result<LinkOwner, AppError> {
    use crate::users::tokens::{self, Purpose};
    let state = crate::state::app_state()?;
    let purpose = match purpose.as_str() {
        "invite" => Purpose::Invite,
        "reset" => Purpose::Reset,
        _ => return Err(AppError::invalid("purpose", "must be invite or reset")),
    };
    let user = tokens::peek(&state.pool, &token, purpose, state.clock.now()).await?;
    Ok(LinkOwner {
        email: user.email,
        name: user.name,
    })
}

/// Uses a one-time link: checks the password first (a weak one does not burn the link), then
/// in one transaction consumes the token, sets the password, ends every other session, opens
/// a new one, and audits.
#[cfg(feature = "ssr")]
async fn redeem_link(
    token: String,
    password: String,
    purpose: crate::users::tokens::Purpose,
) -> Result<UserSummary, AppError> {
    use super::session;
    use crate::users::tokens::{self, Purpose};
    let state = crate::state::app_state()?;
    let info = session::request_info();
    if token.trim().is_empty() {
        return Err(AppError::invalid("token", "is required"));
    }
    crate::domain::password::check("password", &password)?;
    let hash = crate::users::password::hash(password).await?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let user_id = tokens::consume(&mut *tx, token.trim(), purpose, now).await?;
    let user = crate::users::store::set_password(&mut *tx, user_id, &hash, now).await?;
    super::store::revoke_user_sessions(&mut *tx, user_id, now).await?;
    let new_token = session::new_token();
    super::store::insert_session(
        &mut *tx,
        user_id,
        &session::token_hash(&new_token),
        now,
        info.ip.as_deref(),
        info.user_agent.as_deref(),
    )
    .await?;
    crate::audit::store::record(
        &mut *tx,
        crate::audit::store::Entry {
            at: now,
            actor: Some(user_id),
            action: match purpose {
                Purpose::Invite => "user.invite_accepted",
                Purpose::Reset => "user.password_reset",
            },
            target: Some(&user.email),
            ip: info.ip.as_deref(),
            details: serde_json::json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    set_session_cookie(&new_token, info.https);
    Ok(user)
}

/// `POST /api/auth/accept-invite` with `{"token","password"}`: activates the invited account,
/// signs it in, and returns the user. The link then stops working.
#[server(prefix = "/api", endpoint = "auth/accept-invite", input = server_fn::codec::Json)]
pub async fn accept_invite(token: String, password: String) -> Result<UserSummary, AppError> {
    redeem_link(token, password, crate::users::tokens::Purpose::Invite).await
}

/// `POST /api/auth/reset-password` with `{"token","password"}`: sets a new password, ends all
/// the user's sessions, signs this browser in, and returns the user.
#[server(prefix = "/api", endpoint = "auth/reset-password", input = server_fn::codec::Json)]
pub async fn reset_password(token: String, password: String) -> Result<UserSummary, AppError> {
    redeem_link(token, password, crate::users::tokens::Purpose::Reset).await
}

/// `POST /api/auth/forgot-password` with `{"email"}`: when SMTP is configured and the email
/// belongs to an active account, emails a one-hour reset link (at most one per 5 minutes).
/// Always answers the same way, so it reveals nothing about which accounts exist.
#[server(prefix = "/api", endpoint = "auth/forgot-password", input = server_fn::codec::Json)]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    use crate::domain::Email;
    use crate::users::tokens::{self, Purpose};
    let state = crate::state::app_state()?;
    let email = Email::parse("email", &email)?;
    let Ok(Some(_)) = state.mailer.current(&state.pool, &state.keys).await else {
        return Ok(());
    };
    let now = state.clock.now();
    let Some((user, _)) = super::store::credentials(&state.pool, email.as_str()).await? else {
        return Ok(());
    };
    if tokens::issued_since(
        &state.pool,
        user.id,
        Purpose::Reset,
        now - chrono::Duration::minutes(5),
    )
    .await?
    {
        return Ok(());
    }
    let ttl = tokens::reset_ttl(false);
    let mut tx = state.pool.begin().await?;
    let (token, _) = tokens::issue(&mut tx, user.id, Purpose::Reset, ttl, now).await?;
    crate::audit::store::record(
        &mut *tx,
        crate::audit::store::Entry {
            at: now,
            actor: None,
            action: "user.reset_requested",
            target: Some(&user.email),
            ip: super::session::request_info().ip.as_deref(),
            details: serde_json::json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    crate::users::api::deliver_link(
        &state,
        crate::mail::LinkKind::Reset,
        &user,
        &token,
        ttl.num_hours(),
        true,
    )
    .await;
    Ok(())
}
