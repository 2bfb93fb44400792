//! Single sign-on's browser routes: `GET /auth/sso/start` (to the provider, with a state
//! cookie), `GET /auth/sso/callback` (back from it: state, code, ID token, then a session),
//! and `GET /auth/sso/logout` (on to the provider's logout). Every refusal lands on the
//! sign-in page with `?sso_error=<code>`, shown there in words; none is a raw error page.

pub mod config;
pub mod oidc;

use app::auth::session::{RequestInfo, cookie_value, session_cookie, token_hash};
use app::sso::Refusal;
use app::sso::signin::{Client, Failure};
use app::state::AppState;
use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

/// The cookie that binds a sign-in to the browser that started it.
const STATE_COOKIE: &str = "ok_sso_state";
/// How long a sign-in may take at the provider.
const PENDING_MINUTES: i64 = 10;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(app::sso::START_PATH, get(start))
        .route(app::sso::CALLBACK_PATH, get(callback))
        .route("/auth/sso/logout", get(logout))
}

fn state_cookie(value: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{STATE_COOKIE}={value}; Path=/auth/sso; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// A redirect that is never cached, with cookies to set.
fn redirect(to: &str, cookies: &[String]) -> Response {
    let mut res = Redirect::to(to).into_response();
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(c) {
            h.append(header::SET_COOKIE, v);
        }
    }
    res
}

/// The sign-in page a refusal goes back to: the phone's for `/m` sign-ins.
fn login_page(return_to: &str) -> &'static str {
    if return_to == "/m" || return_to.starts_with("/m/") {
        "/m/login"
    } else {
        "/login"
    }
}

fn refused(return_to: &str, r: Refusal, secure: bool) -> Response {
    redirect(
        &format!("{}?sso_error={}", login_page(return_to), r.code()),
        &[state_cookie("", 0, secure)],
    )
}

#[derive(Deserialize)]
struct StartQuery {
    return_to: Option<String>,
}

async fn start(
    State(state): State<AppState>,
    Query(q): Query<StartQuery>,
    req: Request,
) -> Response {
    let info = RequestInfo::from_parts(req.headers(), req.uri(), req.extensions());
    let return_to = app::auth::gate::safe_next(q.return_to.as_deref(), "/");
    let cfg = match app::sso::config::effective(&state).await {
        Ok(Some(cfg)) => cfg,
        Ok(None) => return refused(&return_to, Refusal::NotConfigured, info.https),
        Err(e) => {
            tracing::error!(error = %e, "sso: reading the settings");
            return refused(&return_to, Refusal::Internal, info.https);
        }
    };
    let begun = match oidc::begin(&cfg, &state.public_url).await {
        Ok(b) => b,
        Err(r) => return refused(&return_to, r, info.https),
    };
    let now = state.clock.now();
    let stored = app::sso::store::insert_pending(
        &state.pool,
        &app::sso::store::NewPending {
            state_hash: &token_hash(&begun.state),
            nonce: &begun.nonce,
            pkce_verifier: &begun.pkce_verifier,
            return_to: &return_to,
            now,
            expires_at: now + chrono::Duration::minutes(PENDING_MINUTES),
        },
    )
    .await;
    if let Err(e) = stored {
        tracing::error!(error = %e, "sso: storing the sign-in");
        return refused(&return_to, Refusal::Internal, info.https);
    }
    redirect(
        &begun.url,
        &[state_cookie(&begun.state, PENDING_MINUTES * 60, info.https)],
    )
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

async fn callback(
    State(state): State<AppState>,
    Query(q): Query<CallbackQuery>,
    req: Request,
) -> Response {
    let info = RequestInfo::from_parts(req.headers(), req.uri(), req.extensions());
    let cookie = req
        .headers()
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| cookie_value(c, STATE_COOKIE))
        .filter(|c| !c.is_empty())
        .map(str::to_owned);
    let outcome = complete(&state, &info, q, cookie).await;
    let (return_to, result) = outcome;
    match result {
        Ok(token) => redirect(
            &return_to,
            &[
                state_cookie("", 0, info.https),
                session_cookie(
                    &token,
                    app::auth::absolute_timeout().num_seconds(),
                    info.https,
                ),
            ],
        ),
        Err((refusal, detail)) => {
            if let Err(e) =
                app::sso::signin::audit_refusal(&state, refusal, &detail, info.ip.as_deref()).await
            {
                tracing::error!(error = %e, "sso: auditing a refusal");
            }
            refused(&return_to, refusal, info.https)
        }
    }
}

/// The callback's work: where the browser goes next, and the session token or the refusal.
async fn complete(
    state: &AppState,
    info: &RequestInfo,
    q: CallbackQuery,
    cookie: Option<String>,
) -> (String, Result<String, (Refusal, String)>) {
    let internal = |e: app::error::AppError| {
        tracing::error!(error = %e, "sso: callback");
        (Refusal::Internal, String::new())
    };
    // The state must be the one this browser was given, and still pending (it works once).
    let Some(sent) = q.state.filter(|s| Some(s) == cookie.as_ref()) else {
        return (
            "/".into(),
            Err((
                Refusal::BadState,
                "the state does not match this browser's".into(),
            )),
        );
    };
    let pending = match app::sso::store::take_pending(&state.pool, &token_hash(&sent)).await {
        Ok(Some(p)) => p,
        Ok(None) => {
            return (
                "/".into(),
                Err((Refusal::BadState, "unknown or used state".into())),
            );
        }
        Err(e) => return ("/".into(), Err(internal(e))),
    };
    let (pending, expires_at) = pending;
    let return_to = pending.return_to.clone();
    let now = state.clock.now();
    if expires_at <= now {
        return (return_to, Err((Refusal::Expired, String::new())));
    }
    if let Some(error) = q.error {
        let detail: String = error.chars().take(100).collect();
        return (return_to, Err((Refusal::ProviderDenied, detail)));
    }
    let Some(code) = q.code.filter(|c| !c.is_empty()) else {
        return (return_to, Err((Refusal::ProviderDenied, "no code".into())));
    };
    let cfg = match app::sso::config::effective(state).await {
        Ok(Some(cfg)) => cfg,
        Ok(None) => return (return_to, Err((Refusal::NotConfigured, String::new()))),
        Err(e) => return (return_to, Err(internal(e))),
    };
    let identity = match oidc::finish(&cfg, &state.public_url, code, &pending, now).await {
        Ok(i) => i,
        Err(r) => return (return_to, Err(r)),
    };
    let client = Client {
        ip: info.ip.as_deref(),
        user_agent: info.user_agent.as_deref(),
    };
    let result = match app::sso::signin::complete(state, &cfg, &identity, &client).await {
        Ok(opened) => {
            tracing::info!(user = %opened.user.email, "sso: signed in");
            Ok(opened.token)
        }
        Err(Failure::Refused(r, detail)) => Err((r, detail)),
        Err(Failure::Error(e)) => Err(internal(e)),
    };
    (return_to, result)
}

#[derive(Deserialize)]
struct LogoutQuery {
    hint: Option<String>,
    m: Option<String>,
}

/// After our own sign-out: on to the provider's logout, which comes back to the sign-in page.
async fn logout(State(state): State<AppState>, Query(q): Query<LogoutQuery>) -> Response {
    let mobile = q.m.is_some();
    let login = if mobile { "/m/login" } else { "/login" };
    let id_token = q
        .hint
        .and_then(|h| state.keys.open_token(app::sso::LOGOUT_PURPOSE, &h))
        .and_then(|b| String::from_utf8(b).ok());
    let (Some(id_token), Ok(Some(cfg))) = (id_token, app::sso::config::effective(&state).await)
    else {
        return redirect(login, &[]);
    };
    let back = format!("{}{}", state.public_url, app::sso::LOGGED_OUT_PATH);
    match oidc::end_session_url(&cfg, &id_token, &back, if mobile { "m" } else { "d" }).await {
        Some(url) => redirect(&url, &[]),
        None => redirect(login, &[]),
    }
}
