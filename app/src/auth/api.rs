//! Server functions for signing in and out. `login` is open to anonymous callers; the rest
//! act on the caller's own session.

use leptos::prelude::*;

use crate::error::AppError;
use crate::users::UserSummary;

/// The signed-in user of this request, or `Unauthenticated`.
#[cfg(feature = "ssr")]
pub async fn require_user() -> Result<UserSummary, AppError> {
    let state = crate::state::app_state()?;
    session_user(&state, &super::session::request_info()).await
}

/// `require_user` for a caller that already holds the state and request info.
#[cfg(feature = "ssr")]
async fn session_user(
    state: &crate::state::AppState,
    info: &super::session::RequestInfo,
) -> Result<UserSummary, AppError> {
    let unauthenticated = || AppError::Unauthenticated {
        message: "sign in first".into(),
    };
    let token = info.session_token.as_deref().ok_or_else(unauthenticated)?;
    super::store::session_user(
        &state.pool,
        &super::session::token_hash(token),
        state.clock.now(),
    )
    .await?
    .ok_or_else(unauthenticated)
}

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
            return Err(AppError::Unauthenticated {
                message: "incorrect email or password".into(),
            });
        }
    };

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
    require_user().await
}

/// `POST /api/auth/logout`: ends this session and clears the cookie. Idempotent.
#[server(prefix = "/api", endpoint = "auth/logout", input = server_fn::codec::Json)]
pub async fn logout() -> Result<(), AppError> {
    use super::session;
    let state = crate::state::app_state()?;
    let info = session::request_info();
    if let Some(token) = &info.session_token {
        super::store::revoke(&state.pool, &session::token_hash(token), state.clock.now()).await?;
    }
    set_cookie(&session::clear_cookie(info.https));
    Ok(())
}

/// `POST /api/auth/logout-everywhere`: ends every session of the caller. Returns how many.
#[server(prefix = "/api", endpoint = "auth/logout-everywhere", input = server_fn::codec::Json)]
pub async fn logout_everywhere() -> Result<u64, AppError> {
    use super::session;
    let state = crate::state::app_state()?;
    let info = session::request_info();
    let user = session_user(&state, &info).await?;
    let n = super::store::revoke_all(&state.pool, user.id, state.clock.now(), info.ip.as_deref())
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
