//! The subscription forms (no JavaScript): `POST /status/subscribe` (the same answer whatever
//! the address's state), `/status/confirm` (GET shows a button, POST confirms, so link
//! scanners never confirm) and `/status/unsubscribe` (GET shows a button; POST unsubscribes,
//! also as RFC 8058 one-click with the token in the query). Rules in
//! `app::statuspage::subscribers`.

use std::collections::HashMap;
use std::net::SocketAddr;

use app::error::AppError;
use app::state::AppState;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::esc;
use super::host::OnStatusHost;

type Host = Option<Extension<OnStatusHost>>;

fn prefix(state: &AppState, host: &Host) -> &'static str {
    super::base(state, host.as_ref().map(|h| &h.0)).1
}

/// A small page with a heading and a paragraph (and maybe a form), never cached.
fn notice(status: StatusCode, prefix: &str, title: &str, body: &str) -> Response {
    let main = format!(
        "<header class=\"top\"><h1>{}</h1><nav><a href=\"{prefix}/\">Back to the status page</a></nav></header>\
         <section class=\"notice\" role=\"status\">{body}</section>",
        esc(title)
    );
    let mut res = (status, super::html::document(title, prefix, &main)).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    res
}

fn form(body: &Bytes) -> HashMap<String, String> {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

pub async fn subscribe(
    State(state): State<AppState>,
    host: Host,
    req: axum::extract::Request,
) -> Response {
    let p = prefix(&state, &host);
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().cloned();
    let Ok(body) = axum::body::to_bytes(req.into_body(), 16 * 1024).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let fields = form(&body);
    let email = fields.get("email").map(String::as_str).unwrap_or("");
    let client = peer.map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string());
    let now = state.clock.now();
    match app::statuspage::subscribers::subscribe(&state.pool, &state.keys, email, &client, now)
        .await
    {
        Ok(()) => notice(
            StatusCode::OK,
            p,
            "Check your email",
            "<p>If this address can subscribe, we have sent it a confirmation link. \
             The link works once, for 24 hours.</p>",
        ),
        Err(AppError::Invalid { .. }) => notice(
            StatusCode::BAD_REQUEST,
            p,
            "Enter a valid email address",
            &format!(
                "<p>That does not look like an email address.</p>\
                 <form method=\"post\" action=\"{p}/subscribe\" class=\"sub\">\
                 <label for=\"sub-email\">Email address</label>\
                 <input id=\"sub-email\" name=\"email\" type=\"email\" required maxlength=\"254\" value=\"{}\">\
                 <button type=\"submit\">Subscribe</button></form>",
                esc(email)
            ),
        ),
        Err(AppError::RateLimited { retry_after_secs }) => {
            let mut res = notice(
                StatusCode::TOO_MANY_REQUESTS,
                p,
                "Too many sign-ups",
                "<p>Too many sign-ups from your network. Try again in a few minutes.</p>",
            );
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            res
        }
        Err(e) => super::failed(e),
    }
}

fn used(p: &str) -> Response {
    notice(
        StatusCode::NOT_FOUND,
        p,
        "Link not valid",
        "<p>This link has expired or was already used.</p>",
    )
}

fn button(p: &str, action: &str, token: &str, label: &str) -> String {
    format!(
        "<form method=\"post\" action=\"{p}/{action}\"><input type=\"hidden\" name=\"token\" value=\"{}\">\
         <button type=\"submit\">{label}</button></form>",
        esc(token)
    )
}

pub async fn confirm_page(
    State(state): State<AppState>,
    host: Host,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let p = prefix(&state, &host);
    let token = q.get("token").map(String::as_str).unwrap_or("");
    match app::statuspage::subscribers::confirmable(&state.pool, token, state.clock.now()).await {
        Ok(true) => notice(
            StatusCode::OK,
            p,
            "Confirm your subscription",
            &format!(
                "<p>Press the button to receive status updates by email.</p>{}",
                button(p, "confirm", token, "Confirm subscription")
            ),
        ),
        Ok(false) => used(p),
        Err(e) => super::failed(e),
    }
}

pub async fn confirm(State(state): State<AppState>, host: Host, body: Bytes) -> Response {
    let p = prefix(&state, &host);
    let fields = form(&body);
    let token = fields.get("token").map(String::as_str).unwrap_or("");
    match app::statuspage::subscribers::confirm(&state.pool, token, state.clock.now()).await {
        Ok(true) => notice(
            StatusCode::OK,
            p,
            "Subscribed",
            "<p>You will receive status updates by email. Every email has a one-click unsubscribe link.</p>",
        ),
        Ok(false) => used(p),
        Err(e) => super::failed(e),
    }
}

pub async fn unsubscribe_page(
    State(state): State<AppState>,
    host: Host,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let p = prefix(&state, &host);
    let token = q.get("token").map(String::as_str).unwrap_or("");
    notice(
        StatusCode::OK,
        p,
        "Unsubscribe",
        &format!(
            "<p>Press the button to stop receiving status updates by email.</p>{}",
            button(p, "unsubscribe", token, "Unsubscribe")
        ),
    )
}

/// The token from the query (RFC 8058 one-click: the URL of `List-Unsubscribe`, body
/// `List-Unsubscribe=One-Click`) or from the form.
pub async fn unsubscribe(
    State(state): State<AppState>,
    host: Host,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let p = prefix(&state, &host);
    let fields = form(&body);
    let token = q
        .get("token")
        .or_else(|| fields.get("token"))
        .map(String::as_str)
        .unwrap_or("");
    match app::statuspage::subscribers::unsubscribe(
        &state.pool,
        &state.keys,
        token,
        state.clock.now(),
    )
    .await
    {
        Ok(true) => notice(
            StatusCode::OK,
            p,
            "Unsubscribed",
            "<p>You will not receive status emails any more.</p>",
        ),
        Ok(false) => used(p),
        Err(e) => super::failed(e),
    }
}
