//! The public status page: `/status` (server-rendered HTML, no JavaScript), the Atlassian
//! Statuspage-compatible JSON under `/status/api/v2/`, RSS and Atom feeds, and the email
//! subscription forms. Nothing here needs a session; nothing internal (incident titles,
//! notes, service names, people) is read. With `OPSKNIGHT_STATUS_HOST` set, requests for that
//! host name get only these routes, with the page at `/` (`host.rs`).

pub mod feeds;
pub mod host;
pub mod html;
pub mod json;
pub mod subscribe;

use app::error::AppError;
use app::state::AppState;
use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/status", get(html::page))
        .route("/status/", get(html::page))
        .route("/status/status.css", get(html::stylesheet))
        .route("/status/api/v2/summary.json", get(json::summary))
        .route("/status/api/v2/status.json", get(json::status))
        .route("/status/api/v2/components.json", get(json::components))
        .route("/status/api/v2/incidents.json", get(json::incidents))
        .route(
            "/status/api/v2/incidents/unresolved.json",
            get(json::unresolved_incidents),
        )
        .route(
            "/status/api/v2/scheduled-maintenances.json",
            get(json::maintenances),
        )
        .route("/status/history.rss", get(feeds::rss))
        .route("/status/history.atom", get(feeds::atom))
        .route(
            "/status/subscribe",
            axum::routing::post(subscribe::subscribe),
        )
        .route(
            "/status/confirm",
            get(subscribe::confirm_page).post(subscribe::confirm),
        )
        .route(
            "/status/unsubscribe",
            get(subscribe::unsubscribe_page).post(subscribe::unsubscribe),
        )
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 8);
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A cacheable answer: `body` with its type, `Cache-Control: public, max-age=<secs>` and a
/// strong ETag; 304 without a body when the client already has it (`If-None-Match`).
pub fn cached(req: &HeaderMap, content_type: &'static str, max_age: u32, body: String) -> Response {
    let tag = format!(
        "\"{}\"",
        &hex::encode(Sha256::digest(body.as_bytes()))[..32]
    );
    let matches = req
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    let mut res = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        body.into_response()
    };
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={max_age}")) {
        h.insert(header::CACHE_CONTROL, v);
    }
    if let Ok(v) = HeaderValue::from_str(&tag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    res
}

/// An error on a public route: the user message only (internal causes are logged).
pub fn failed(e: AppError) -> Response {
    if matches!(e, AppError::Internal { .. } | AppError::Unavailable { .. }) {
        tracing::warn!(error = %e, "status page request failed");
    }
    e.into_response()
}

/// Where the page lives for this request: (absolute base URL, path prefix of its links).
/// Through the status host (`host::OnStatusHost`) the page is at `/`; otherwise at
/// `<public url>/status`.
pub fn base(state: &AppState, on_host: Option<&host::OnStatusHost>) -> (String, &'static str) {
    match on_host {
        Some(h) => (h.0.clone(), ""),
        None => (
            format!("{}/status", state.public_url.trim_end_matches('/')),
            "/status",
        ),
    }
}
